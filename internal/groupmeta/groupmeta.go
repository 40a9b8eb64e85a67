package groupmeta

import (
	"unsafe"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/producer"
)

// layout mirrors producer.GroupMetadata, whose single field is the engine's metadata.
type layout struct {
	ck *ckafka.ConsumerGroupMetadata
}

// Wrap turns the engine's consumer group metadata into a *producer.GroupMetadata.
func Wrap(ck *ckafka.ConsumerGroupMetadata) *producer.GroupMetadata {
	return (*producer.GroupMetadata)(unsafe.Pointer(&layout{ck: ck}))
}

// Unwrap is the inverse of Wrap (for tests).
func Unwrap(g *producer.GroupMetadata) *ckafka.ConsumerGroupMetadata {
	return (*layout)(unsafe.Pointer(g)).ck
}
