package stream

import (
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
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

// FailCommits makes every commit of MarkDone and MarkDoneAsync on the reader s fail
// with err, as a broker refusing them would.
func FailCommits(s *Stream, err error) {
	s.marker().commit = func(...consumer.CommitOption) ([]topicpartition.TopicPartition, error) { return nil, err }
}

// InferAvroSchema is the schema Avro.Serialize makes up for records without one.
func InferAvroSchema(records []any) (any, error) { return inferAvroSchema(records) }
