package message_test

import (
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
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
