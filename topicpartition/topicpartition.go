package topicpartition

import (
	"strconv"
	"strings"
)

// TopicPartition names a partition of a topic and, depending on the call, an offset in
// it and the outcome of an operation on it.
//
// A struct literal that leaves Offset out means offset 0, a real position, whereas
// Python's TopicPartition(topic, partition) means OFFSET_INVALID ("no offset given":
// Assign then starts at the group's committed offset). Use [Of] for Python's default,
// [New] for an explicit offset.
type TopicPartition struct {
	Topic     string
	Partition int32
	// Offset is a real offset or a special one (OffsetBeginning, OffsetStored, …). Its
	// zero value is offset 0, not "unset": see [Of].
	Offset Offset
	// Metadata is the commit metadata string stored with a committed offset.
	Metadata string
	// LeaderEpoch is the partition leader's epoch the offset belongs to; nil when unknown.
	LeaderEpoch *int32
	// Err is set when an operation failed for this partition alone (a *kafkaerror.Error).
	Err error
}

// New returns the partition of topic with the given offset: Python's
// TopicPartition(topic, partition, offset).
func New(topic string, partition int32, offset Offset) TopicPartition {
	return TopicPartition{Topic: topic, Partition: partition, Offset: offset}
}

// Of returns the partition of topic with no offset given (OffsetInvalid), as Python's
// TopicPartition(topic, partition) does. Assigned, it starts where the consumer's group
// left off (its committed offset), else at auto.offset.reset; the struct literal
// TopicPartition{Topic: topic, Partition: partition} would start at offset 0 instead.
func Of(topic string, partition int32) TopicPartition {
	return TopicPartition{Topic: topic, Partition: partition, Offset: OffsetInvalid}
}

// String prints "topic[partition]@offset", followed by the epoch and error when set,
// e.g. "orders[3]@42" or "orders[3]@invalid (error: Local: No offset stored)".
func (tp TopicPartition) String() string {
	var b strings.Builder
	b.WriteString(tp.Topic)
	b.WriteByte('[')
	b.WriteString(strconv.FormatInt(int64(tp.Partition), 10))
	b.WriteString("]@")
	b.WriteString(tp.Offset.String())
	if tp.LeaderEpoch != nil {
		b.WriteString(" (epoch ")
		b.WriteString(strconv.FormatInt(int64(*tp.LeaderEpoch), 10))
		b.WriteByte(')')
	}
	if tp.Metadata != "" {
		b.WriteString(" (metadata ")
		b.WriteString(strconv.Quote(tp.Metadata))
		b.WriteByte(')')
	}
	if tp.Err != nil {
		b.WriteString(" (error: ")
		b.WriteString(tp.Err.Error())
		b.WriteByte(')')
	}
	return b.String()
}
