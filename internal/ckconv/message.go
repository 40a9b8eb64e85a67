package ckconv

import (
	"unsafe"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Message turns an engine message into a *message.Message without copying: message.Message
// is a struct whose single field is a ckafka.Message. The engine error it carries, if any,
// is converted to a *kafkaerror.Error in place, once.
func Message(ck *ckafka.Message) *message.Message {
	if ck.TopicPartition.Error != nil {
		ck.TopicPartition.Error = Error(ck.TopicPartition.Error)
	}
	return (*message.Message)(unsafe.Pointer(ck))
}

// EventMessage builds the Message that reports an event or error: err set, and the topic,
// partition and offset it concerns where known ("" / PartitionAny / OffsetInvalid if not).
func EventMessage(err error, topic string, partition int32, offset topicpartition.Offset) *message.Message {
	ck := &ckafka.Message{}
	if topic != "" {
		ck.TopicPartition.Topic = &topic
	}
	ck.TopicPartition.Partition = partition
	ck.TopicPartition.Offset = ckafka.Offset(offset)
	ck.TopicPartition.Error = Error(err)
	return (*message.Message)(unsafe.Pointer(ck))
}

// Headers views rdstreams headers as engine headers; the two types share one layout.
func Headers(h []message.Header) []ckafka.Header {
	if len(h) == 0 {
		return nil
	}
	return unsafe.Slice((*ckafka.Header)(unsafe.Pointer(unsafe.SliceData(h))), len(h))
}
