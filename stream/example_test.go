package stream_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/stream"
)

// Write three messages in hop-client's formats, then read them back with their
// metadata. As in hop-client, a string is written as json (a Python str) and a []byte
// as a blob (Python bytes).
func Example() {
	broker := os.Getenv("KAFKA_BOOTSTRAP")
	if broker == "" {
		broker = "localhost:9092"
	}
	url := fmt.Sprintf("kafka://%s/example-alerts-%d", broker, time.Now().UnixNano())

	w, err := stream.Open(url, stream.Write, stream.NoAuth())
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = w.Write(stream.JSON(map[string]any{"event": "GRB", "ra": 12.5}))
	_ = w.Write("plain text")
	_ = w.Write([]byte{0x00, 0x01})
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
	for m, err := range r.Messages(ctx) { // ends at the end of the stream
		if err != nil {
			continue // e.g. the topic is being created
		}
		if m.Format == stream.FormatJSON {
			content, _ := m.Content() // what json.Unmarshal gives into an any
			fmt.Printf("offset %d, json: %v\n", m.Metadata.Offset, content)
		} else {
			fmt.Printf("offset %d, %s: %x\n", m.Metadata.Offset, m.Format, m.Payload)
		}
	}
	// Output:
	// offset 0, json: map[event:GRB ra:12.5]
	// offset 1, json: plain text
	// offset 2, blob: 0001
}

// Mark messages done without waiting for the broker (hop-client's mark_done default);
// Close waits for those commits, so the group resumes after the last one marked.
func ExampleStream_MarkDoneAsync() {
	broker := os.Getenv("KAFKA_BOOTSTRAP")
	if broker == "" {
		broker = "localhost:9092"
	}
	url := fmt.Sprintf("kafka://%s/example-marks-%d", broker, time.Now().UnixNano())
	group := fmt.Sprintf("example-marks-%d", time.Now().UnixNano())

	w, err := stream.Open(url, stream.Write, stream.NoAuth())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, alert := range []string{"first", "second", "third"} {
		_ = w.Write(alert)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	read := func(process int) {
		r, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.Group(group),
			stream.StartAt(stream.Earliest), stream.AutoCommit(false))
		if err != nil {
			fmt.Println(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for m, err := range r.Messages(ctx) {
			if err != nil {
				continue // e.g. the topic is being created
			}
			var alert string
			_ = m.Decode(&alert)
			fmt.Println("processed", alert)
			if err := r.MarkDoneAsync(m.Metadata); err != nil {
				fmt.Println(err)
			}
			if process--; process == 0 {
				break
			}
		}
		if err := r.Close(); err != nil { // waits for the commits, reports their failures
			fmt.Println(err)
		}
	}
	read(2)
	fmt.Println("-- a new reader of the group")
	read(-1) // to the end of the stream
	// Output:
	// processed first
	// processed second
	// -- a new reader of the group
	// processed third
}
