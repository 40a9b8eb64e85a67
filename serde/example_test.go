package serde_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func exampleBroker() string {
	if b := os.Getenv("KAFKA_BOOTSTRAP"); b != "" {
		return b
	}
	return "localhost:9092"
}

// The basic serializers write what Python's and Java's do: an int32 as 4 big-endian
// bytes, a float64 as 8.
func ExampleIntegerSerializer() {
	sc := serde.SerializationContext{Topic: "counts", Field: serde.Value}
	b, _ := serde.IntegerSerializer().Serialize(context.Background(), sc, 258)
	d, _ := serde.DoubleSerializer().Serialize(context.Background(), sc, 1.5)
	fmt.Printf("% x | % x\n", b, d)
	// Output: 00 00 01 02 | 3f f8 00 00 00 00 00 00
}

// The default subject of a record's value schema is "<topic>-value".
func ExampleTopicNameStrategy() {
	s, _ := serde.TopicNameStrategy("user_json", serde.Value, "User")
	k, _ := serde.TopicRecordNameStrategy("user_json", serde.Key, "example.UserKey")
	fmt.Println(s, k)
	// Output: user_json-value user_json-example.UserKey
}

// A producer of string keys and float64 values and a consumer reading them back
// typed: Python's SerializingProducer and DeserializingConsumer.
func ExampleNewProducer() {
	topic := fmt.Sprintf("example-temperatures-%d", time.Now().UnixNano())
	p, err := serde.NewProducer(map[string]any{"bootstrap.servers": exampleBroker()},
		serde.StringSerializer(), serde.DoubleSerializer())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	if err := p.Produce(topic, "kitchen", 21.5); err != nil {
		fmt.Println(err)
		return
	}
	p.Flush(30 * time.Second)

	c, err := serde.NewConsumer(map[string]any{"bootstrap.servers": exampleBroker()},
		serde.StringDeserializer(), serde.DoubleDeserializer())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_ = c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := c.PollContext(ctx)
	if m == nil || m.Err() != nil {
		fmt.Println("no record:", m)
		return
	}
	fmt.Printf("%s: %.1f\n", m.Key(), m.Value())
	// Output: kitchen: 21.5
}
