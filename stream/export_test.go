package stream

import (
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/message"
)

// FromConsumed runs the reader's own decoding step (fromConsumed) on a message as the
// engine would hand it over, for the external tests that fuzz it without a broker.
func FromConsumed(topic string, partition int32, offset int64, value []byte, headers []message.Header) *Message {
	ck := &ckafka.Message{Value: value, Headers: ckconv.Headers(headers)}
	ck.TopicPartition.Topic = &topic
	ck.TopicPartition.Partition = partition
	ck.TopicPartition.Offset = ckafka.Offset(offset)
	return fromConsumed(ckconv.Message(ck))
}
