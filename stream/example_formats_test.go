package stream_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rdstreams/rdstreams/stream"
)

// Write hop's avro and voevent formats and read them back as typed values: an Avro
// record into a Go struct, a VOEvent with its parsed sections.
func ExampleAvro() {
	broker := exampleBroker()
	url := fmt.Sprintf("kafka://%s/example-formats-%d", broker, time.Now().UnixNano())
	w, err := stream.Open(url, stream.Write, stream.NoAuth())
	if err != nil {
		fmt.Println(err)
		return
	}
	// One record per message, as hop-client reads them; the schema is made up from
	// the record, as hop-client does, since none is given.
	_ = w.Write(stream.Avro{Records: []any{map[string]any{"event": "GRB 261130A", "ra": 12.5, "tags": []any{"swift"}}}})
	ev, err := stream.ParseVOEvent([]byte(`<voe:VOEvent xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0" ivorn="ivo://example/alert#1" role="test" version="2.0"><Who><Date>2026-11-30T12:00:00</Date></Who></voe:VOEvent>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = w.Write(ev)
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	r, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.StartAt(stream.Earliest))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for m, err := range r.Messages(ctx) {
		if err != nil {
			continue
		}
		switch m.Format {
		case stream.FormatAvro:
			var alert struct {
				Event string   `avro:"event"`
				RA    float64  `avro:"ra"`
				Tags  []string `avro:"tags"`
			}
			if err := m.Decode(&alert); err != nil {
				fmt.Println(err)
				continue
			}
			fmt.Printf("avro: %+v\n", alert)
		case stream.FormatVOEvent:
			content, _ := m.Content()
			v := content.(*stream.VOEvent)
			fmt.Println("voevent:", v.IVORN, v.Role, v.Who)
		}
	}
	// Output:
	// avro: {Event:GRB 261130A RA:12.5 Tags:[swift]}
	// voevent: ivo://example/alert#1 test map[Date:2026-11-30T12:00:00]
}

// A GCN notice in text form is parsed as hop-client parses it: keys lower-cased, a
// line without a colon continuing the value before it.
func ExampleParseGCNTextNotice() {
	n := stream.ParseGCNTextNotice([]byte("TITLE:      GCN/SWIFT NOTICE\nCOMMENTS:   First line.\n   Second line.\n"))
	fmt.Printf("%q\n%q\n", n.Fields["title"], n.Fields["comments"])
	// Output:
	// "GCN/SWIFT NOTICE"
	// "First line.\nSecond line."
}
