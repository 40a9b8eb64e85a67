package main

import (
	"fmt"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/message"
)

// readBack is the message a consumer would hand out for s, built without a broker.
func readBack(s *sent) *message.Message {
	topic := "smoke"
	return ckconv.Message(&ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: s.partition, Offset: ckafka.Offset(s.offset)},
		Key:            s.key,
		Value:          s.value,
		Headers:        ckconv.Headers(s.headers),
		Timestamp:      s.ts,
		TimestampType:  ckafka.TimestampCreateTime,
	})
}

// sample(i) is the same message every time, so what was sent can be rebuilt and
// compared with what was read back: compare is empty for an exact match and otherwise
// says what differs — a null value (tombstone) read back empty is a mismatch.
func Example_compare() {
	want := sample(4) // headers: text, null, empty, repeated key
	fmt.Printf("headers case: %d headers, identical: %q\n", len(want.headers), compare(want, readBack(sample(4))))

	tombstone, got := sample(1), sample(1)
	got.value = []byte{}
	fmt.Printf("tombstone read back empty: %q\n", compare(tombstone, readBack(got)))

	fmt.Printf("not read at all: %q\n", compare(want, nil))
	// Output:
	// headers case: 4 headers, identical: ""
	// tombstone read back empty: "value differs (0 bytes, nil=false; want 0 bytes, nil=true)"
	// not read at all: "not read back"
}
