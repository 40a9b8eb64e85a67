package producer_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// bootstrap is the broker the examples talk to: KAFKA_BOOTSTRAP (set by make test),
// else a local default.
func bootstrap() string {
	if b := os.Getenv("KAFKA_BOOTSTRAP"); b != "" {
		return b
	}
	return "localhost:9092"
}

func Example() {
	p, err := producer.New(map[string]any{
		"bootstrap.servers": bootstrap(),
		"acks":              "all",
	}, producer.WithDeliveryReport(func(err error, m *message.Message) {
		if err != nil {
			fmt.Println("delivery failed:", err)
			return
		}
		fmt.Printf("delivered %s=%s to %s\n", m.Key(), m.Value(), m.Topic())
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	for i, city := range []string{"Lyon", "Oslo", "Quito"} {
		err := p.Produce("rdstreams-example-cities", []byte(city),
			producer.Key([]byte(fmt.Sprint("city-", i))),
			producer.Headers(message.Header{Key: "source", Value: []byte("example")}))
		if errors.Is(err, kafkaerror.ErrBufferFull) {
			p.Poll(100 * time.Millisecond) // serve reports to make room, then retry
			continue
		}
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	// Flush serves the three delivery reports (in order: one topic, one partition).
	fmt.Println("outstanding:", p.Flush(30*time.Second))
	// Output:
	// delivered city-0=Lyon to rdstreams-example-cities
	// delivered city-1=Oslo to rdstreams-example-cities
	// delivered city-2=Quito to rdstreams-example-cities
	// outstanding: 0
}

func ExampleProducer_Close() {
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap()})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = p.Produce("rdstreams-example-close", []byte("last words"))
	fmt.Println(p.Close())                                                                  // delivers, then releases
	fmt.Println(p.Close())                                                                  // idempotent
	fmt.Println(errors.Is(p.Produce("rdstreams-example-close", nil), kafkaerror.ErrClosed)) // closed
	// Output:
	// <nil>
	// <nil>
	// true
}

// ProduceBatch queues many records in one call; each still gets exactly one report.
func ExampleProducer_ProduceBatch() {
	delivered := 0
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap()},
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			if err == nil {
				delivered++
			}
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	records := make([]producer.Record, 0, 100)
	for i := 0; i < 100; i++ {
		records = append(records, producer.Record{Key: []byte(fmt.Sprint("k", i%7)), Value: []byte(fmt.Sprint("event ", i))})
	}
	for len(records) > 0 {
		n, err := p.ProduceBatch("rdstreams-example-batch", topicpartition.PartitionAny, records)
		records = records[n:]
		if errors.Is(err, kafkaerror.ErrBufferFull) {
			p.Poll(100 * time.Millisecond) // serve reports to make room, then go on
			continue
		}
		if err != nil {
			fmt.Println(err) // records[0] was refused
			return
		}
	}
	fmt.Println("outstanding:", p.Flush(30*time.Second))
	fmt.Println("delivered:", delivered)
	// Output:
	// outstanding: 0
	// delivered: 100
}
