package groupmeta

import (
	"unsafe"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/producer"
)

// serialized mirrors both producer.GroupMetadata and confluent-kafka-go's
// ConsumerGroupMetadata: each holds only the bytes of librdkafka's
// rd_kafka_consumer_group_metadata_write. TestLayouts checks both.
type serialized struct {
	b []byte
}

// Wrap turns the consumer engine's group metadata into a *producer.GroupMetadata
// carrying the same bytes (not copied).
func Wrap(ck *ckafka.ConsumerGroupMetadata) *producer.GroupMetadata {
	if ck == nil {
		return nil
	}
	b := (*serialized)(unsafe.Pointer(ck)).b
	return (*producer.GroupMetadata)(unsafe.Pointer(&serialized{b: b}))
}

// Bytes is the serialized metadata inside g.
func Bytes(g *producer.GroupMetadata) []byte {
	return (*serialized)(unsafe.Pointer(g)).b
}
