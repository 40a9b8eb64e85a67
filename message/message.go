package message

import (
	"strconv"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/topicpartition"
)

// Message is a consumed or produced record, or an event or error. Consumers and
// delivery reports hand it out; [New] builds one, for an engine or for an application's
// own tests.
//
// A Message is immutable: its accessors only read, and the slices they return are the
// Message's own, not copies, so they must not be modified. It is safe to read from
// several goroutines.
type Message struct {
	topic         string
	key           []byte
	value         []byte
	headers       []Header
	timestamp     time.Time
	err           error
	offset        topicpartition.Offset
	partition     int32
	leaderEpoch   int32 // meaningful only when hasEpoch
	hasEpoch      bool
	timestampType TimestampType
}

// Fields are the contents of a Message, for [New]. The zero value of each field is read
// back as is: set Partition to [topicpartition.PartitionAny] and Offset to
// [topicpartition.OffsetInvalid] where they are unknown, as an engine reports them.
type Fields struct {
	// Topic is the topic name, "" when unknown.
	Topic string
	// Partition is the partition, [topicpartition.PartitionAny] when unknown.
	Partition int32
	// Offset is the message offset, [topicpartition.OffsetInvalid] when unknown.
	Offset topicpartition.Offset
	// Key is the message key, nil when the message has none.
	Key []byte
	// Value is the payload: nil for a null (tombstone) payload, empty for an empty one.
	Value []byte
	// Headers are the headers in wire order; nil or empty when there are none.
	Headers []Header
	// Timestamp is the message's time; it is read only when TimestampType is not
	// TimestampNotAvailable.
	Timestamp time.Time
	// TimestampType says where Timestamp comes from; TimestampNotAvailable (the zero
	// value) when the message has no timestamp.
	TimestampType TimestampType
	// LeaderEpoch is the partition leader epoch, nil when unknown. New copies the
	// number, not the pointer.
	LeaderEpoch *int32
	// Err is nil for a proper message, the event or error the Message reports otherwise
	// (an engine sets a *kafkaerror.Error).
	Err error
}

// New builds a Message from f: what an engine does for every consumed message and
// delivery report, and what an application's tests can do to build the messages its
// handlers receive (as confluent-kafka-python's Message(...) constructor does).
//
// New keeps the slices it is given (Key, Value, Headers and the headers' values)
// without copying them: the caller must not modify them afterwards, as the Message
// is immutable. It costs one allocation, the Message itself.
func New(f Fields) *Message {
	m := new(Message)
	Build(m, f)
	return m
}

// Build sets *dst to the Message New(f) would return, without allocating: for an
// engine that allocates Messages in blocks. dst must not be in use yet.
func Build(dst *Message, f Fields) {
	*dst = Message{
		topic:         f.Topic,
		key:           f.Key,
		value:         f.Value,
		headers:       f.Headers,
		timestamp:     f.Timestamp,
		err:           f.Err,
		offset:        f.Offset,
		partition:     f.Partition,
		timestampType: f.TimestampType,
	}
	if f.LeaderEpoch != nil {
		dst.leaderEpoch, dst.hasEpoch = *f.LeaderEpoch, true
	}
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
func (m *Message) Len() int { return len(m.value) }

// Err is nil for a proper message. For an event or error it is a *kafkaerror.Error
// (compare with errors.Is(err, kafkaerror.PartitionEOF) and friends).
func (m *Message) Err() error { return m.err }

// Key is the message key, nil when the message has none.
func (m *Message) Key() []byte { return m.key }

// Value is the payload, nil for a null (tombstone) payload, empty for an empty one.
func (m *Message) Value() []byte { return m.value }

// Topic is the topic name, "" when unknown.
func (m *Message) Topic() string { return m.topic }

// Partition is the partition, [topicpartition.PartitionAny] when unknown.
func (m *Message) Partition() int32 { return m.partition }

// Offset is the message offset, [topicpartition.OffsetInvalid] when unknown.
func (m *Message) Offset() topicpartition.Offset { return m.offset }

// LeaderEpoch is the partition leader epoch the message was read under, nil when unknown.
// The pointer is into the Message: do not modify what it points to.
func (m *Message) LeaderEpoch() *int32 {
	if !m.hasEpoch {
		return nil
	}
	return &m.leaderEpoch
}

// Timestamp is the timestamp's type and time; the time is zero when the type is
// TimestampNotAvailable. Consumed messages carry it; delivery reports do not (the engine
// under rdstreams does not pass it on), so theirs is TimestampNotAvailable.
func (m *Message) Timestamp() (TimestampType, time.Time) {
	if m.timestampType == TimestampNotAvailable {
		return TimestampNotAvailable, time.Time{}
	}
	return m.timestampType, m.timestamp
}

// Headers are the message headers in wire order, nil when there are none.
// The slice is shared with the message: do not modify it.
func (m *Message) Headers() []Header {
	n := len(m.headers)
	if n == 0 {
		return nil
	}
	return m.headers[:n:n] // full: an append copies instead of writing past the end
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
