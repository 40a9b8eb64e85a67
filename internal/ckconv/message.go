package ckconv

import (
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Message builds the *message.Message of a confluent-kafka-go message, copying its
// fields: the key, value and header values are shared, not copied, and ck must not be
// modified afterwards. The error ck carries, if any, is converted to a
// *kafkaerror.Error once and written back into ck too, so callers that still look at ck
// see the converted error. One allocation for the Message, and one more for the
// headers when there are any.
func Message(ck *ckafka.Message) *message.Message {
	tp := &ck.TopicPartition
	if tp.Error != nil {
		tp.Error = Error(tp.Error)
	}
	f := message.Fields{
		Partition:     tp.Partition,
		Offset:        topicpartition.Offset(tp.Offset),
		Key:           ck.Key,
		Value:         ck.Value,
		Headers:       fromCKHeaders(ck.Headers),
		Timestamp:     ck.Timestamp,
		TimestampType: message.TimestampType(ck.TimestampType),
		LeaderEpoch:   tp.LeaderEpoch,
		Err:           tp.Error,
	}
	if tp.Topic != nil {
		f.Topic = *tp.Topic
	}
	return message.New(f)
}

// Headers converts rdstreams headers for confluent-kafka-go: one slice allocation when there
// are headers, none otherwise (nil). The header values are shared, not copied.
func Headers(h []message.Header) []ckafka.Header {
	if len(h) == 0 {
		return nil
	}
	out := make([]ckafka.Header, len(h))
	for i := range h {
		out[i] = ckafka.Header(h[i])
	}
	return out
}

// fromCKHeaders converts confluent-kafka-go headers, the other way round from Headers.
func fromCKHeaders(h []ckafka.Header) []message.Header {
	if len(h) == 0 {
		return nil
	}
	out := make([]message.Header, len(h))
	for i := range h {
		out[i] = message.Header(h[i])
	}
	return out
}
