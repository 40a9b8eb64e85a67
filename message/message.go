package message

import (
	"strconv"
	"strings"
	"time"
	"unsafe"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/topicpartition"
)

// Message is a consumed or produced record, or an event or error. It is not built by
// applications: consumers and delivery reports hand it out.
//
// A Message must not be modified; it is safe to read from several goroutines.
type Message struct {
	// m is the engine's message. rdstreams converts *ckafka.Message to *Message by a
	// pointer conversion (internal/ckconv), so Message must keep exactly this one field.
	m ckafka.Message
}

// Header is a message header: a key and a value that may be nil (absent) or empty.
type Header struct {
	Key   string
	Value []byte
}

// TimestampType says where a message's timestamp comes from.
type TimestampType int

// The timestamp types, with librdkafka's numbers.
const (
	// TimestampNotAvailable: the message has no timestamp.
	TimestampNotAvailable TimestampType = 0
	// TimestampCreateTime: set by the producer when the message was created.
	TimestampCreateTime TimestampType = 1
	// TimestampLogAppendTime: set by the broker when it appended the message.
	TimestampLogAppendTime TimestampType = 2
)

// String is "not-available", "create-time" or "log-append-time".
func (t TimestampType) String() string {
	switch t {
	case TimestampCreateTime:
		return "create-time"
	case TimestampLogAppendTime:
		return "log-append-time"
	case TimestampNotAvailable:
		return "not-available"
	}
	return "TimestampType(" + strconv.Itoa(int(t)) + ")"
}

// Len is the value's size in bytes (0 for a null value).
func (m *Message) Len() int { return len(m.m.Value) }

// Err is nil for a proper message. For an event or error it is a *kafkaerror.Error
// (compare with errors.Is(err, kafkaerror.PartitionEOF) and friends).
func (m *Message) Err() error { return m.m.TopicPartition.Error }

// Key is the message key, nil when the message has none.
func (m *Message) Key() []byte { return m.m.Key }

// Value is the payload, nil for a null (tombstone) payload, empty for an empty one.
func (m *Message) Value() []byte { return m.m.Value }

// Topic is the topic name, "" when unknown.
func (m *Message) Topic() string {
	if t := m.m.TopicPartition.Topic; t != nil {
		return *t
	}
	return ""
}

// Partition is the partition, [topicpartition.PartitionAny] when unknown.
func (m *Message) Partition() int32 { return m.m.TopicPartition.Partition }

// Offset is the message offset, [topicpartition.OffsetInvalid] when unknown.
func (m *Message) Offset() topicpartition.Offset {
	return topicpartition.Offset(m.m.TopicPartition.Offset)
}

// LeaderEpoch is the partition leader epoch the message was read under, nil when unknown.
func (m *Message) LeaderEpoch() *int32 { return m.m.TopicPartition.LeaderEpoch }

// Timestamp is the timestamp's type and time; the time is zero when the type is
// TimestampNotAvailable. Consumed messages carry it; delivery reports do not (the engine
// under rdstreams does not pass it on), so theirs is TimestampNotAvailable.
func (m *Message) Timestamp() (TimestampType, time.Time) {
	t := TimestampType(m.m.TimestampType)
	if t == TimestampNotAvailable {
		return t, time.Time{}
	}
	return t, m.m.Timestamp
}

// Headers are the message headers in wire order, nil when there are none.
// The slice is shared with the message: do not modify it.
func (m *Message) Headers() []Header {
	h := m.m.Headers
	if len(h) == 0 {
		return nil
	}
	return unsafe.Slice((*Header)(unsafe.Pointer(unsafe.SliceData(h))), len(h))
}

// TopicPartition is the message's topic, partition and offset as one value, with Err
// set when the message reports an error.
func (m *Message) TopicPartition() topicpartition.TopicPartition {
	return topicpartition.TopicPartition{
		Topic:       m.Topic(),
		Partition:   m.Partition(),
		Offset:      m.Offset(),
		LeaderEpoch: m.LeaderEpoch(),
		Err:         m.Err(),
	}
}

// String describes the message for logs: "topic[partition]@offset" with the value
// size, or the error for an event. Key and value bytes are not printed.
func (m *Message) String() string {
	var b strings.Builder
	b.WriteString(m.TopicPartition().String())
	if m.Err() == nil {
		b.WriteString(" (")
		b.WriteString(strconv.Itoa(m.Len()))
		b.WriteString(" bytes)")
	}
	return b.String()
}
