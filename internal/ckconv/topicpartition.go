package ckconv

import (
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/topicpartition"
)

// TopicPartition converts one engine partition.
func TopicPartition(ck ckafka.TopicPartition) topicpartition.TopicPartition {
	tp := topicpartition.TopicPartition{
		Partition:   ck.Partition,
		Offset:      topicpartition.Offset(ck.Offset),
		LeaderEpoch: ck.LeaderEpoch,
		Err:         Error(ck.Error),
	}
	if ck.Topic != nil {
		tp.Topic = *ck.Topic
	}
	if ck.Metadata != nil {
		tp.Metadata = *ck.Metadata
	}
	return tp
}

// TopicPartitions converts an engine partition list; nil stays nil.
func TopicPartitions(ck []ckafka.TopicPartition) []topicpartition.TopicPartition {
	if ck == nil {
		return nil
	}
	out := make([]topicpartition.TopicPartition, len(ck))
	for i := range ck {
		out[i] = TopicPartition(ck[i])
	}
	return out
}

// ToCKTopicPartitions converts a partition list for the engine; nil stays nil.
func ToCKTopicPartitions(tps []topicpartition.TopicPartition) []ckafka.TopicPartition {
	if tps == nil {
		return nil
	}
	out := make([]ckafka.TopicPartition, len(tps))
	for i := range tps {
		tp := &tps[i]
		topic := tp.Topic
		out[i] = ckafka.TopicPartition{
			Topic:       &topic,
			Partition:   tp.Partition,
			Offset:      ckafka.Offset(tp.Offset),
			LeaderEpoch: tp.LeaderEpoch,
			Error:       tp.Err,
		}
		if tp.Metadata != "" {
			md := tp.Metadata
			out[i].Metadata = &md
		}
	}
	return out
}
