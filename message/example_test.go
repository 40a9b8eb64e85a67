package message_test

import (
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// A delivery report is a Message: check Err, then read its accessors. A null value
// (tombstone) reads as nil, an empty one as an empty slice.
func Example() {
	bootstrap := os.Getenv("KAFKA_BOOTSTRAP")
	if bootstrap == "" {
		bootstrap = "localhost:9092"
	}
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	report := func(err error, m *message.Message) {
		if err != nil {
			fmt.Println("failed:", err)
			return
		}
		fmt.Printf("topic=%s key=%s value-is-nil=%v len=%d headers=%d\n",
			m.Topic(), m.Key(), m.Value() == nil, m.Len(), len(m.Headers()))
	}
	_ = p.Produce("rdstreams-example-messages", nil, producer.Key([]byte("tombstone")), producer.OnDelivery(report))
	_ = p.Produce("rdstreams-example-messages", []byte{}, producer.Key([]byte("empty")), producer.OnDelivery(report))
	_ = p.Produce("rdstreams-example-messages", []byte("hello"), producer.Key([]byte("text")),
		producer.Headers(message.Header{Key: "a", Value: []byte("1")}), producer.OnDelivery(report))
	p.Flush(30 * time.Second)
	// Output:
	// topic=rdstreams-example-messages key=tombstone value-is-nil=true len=0 headers=0
	// topic=rdstreams-example-messages key=empty value-is-nil=false len=0 headers=0
	// topic=rdstreams-example-messages key=text value-is-nil=false len=5 headers=1
}

// New builds a Message as a consumer would hand it out, for testing the code that
// handles messages without a broker.
func ExampleNew() {
	handle := func(m *message.Message) string {
		if err := m.Err(); err != nil {
			return "event: " + err.Error()
		}
		return fmt.Sprintf("%s key=%s value=%s headers=%v", m, m.Key(), m.Value(), m.Headers())
	}

	m := message.New(message.Fields{
		Topic:         "orders",
		Partition:     0,
		Offset:        42,
		Key:           []byte("id-7"),
		Value:         []byte("paid"),
		Headers:       []message.Header{{Key: "source", Value: []byte("web")}},
		Timestamp:     time.UnixMilli(1_700_000_000_000),
		TimestampType: message.TimestampCreateTime,
	})
	fmt.Println(handle(m))
	typ, ts := m.Timestamp()
	fmt.Println(typ, ts.UTC().Format(time.RFC3339))

	eof := message.New(message.Fields{Topic: "orders", Partition: 0, Offset: 43,
		Err: kafkaerror.New(kafkaerror.PartitionEOF, "reached the end", kafkaerror.Flags{})})
	fmt.Println(handle(eof))

	unknown := message.New(message.Fields{Partition: topicpartition.PartitionAny, Offset: topicpartition.OffsetInvalid})
	fmt.Println(unknown.Partition() == topicpartition.PartitionAny, unknown.Offset() == topicpartition.OffsetInvalid, unknown.Value() == nil)
	// Output:
	// orders[0]@42 (4 bytes) key=id-7 value=paid headers=[{source [119 101 98]}]
	// create-time 2023-11-14T22:13:20Z
	// event: reached the end
	// true true true
}
