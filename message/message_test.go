package message_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func TestNewReadsBackEveryField(t *testing.T) {
	epoch := int32(4)
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	headers := []message.Header{{Key: "b", Value: []byte("2")}, {Key: "a"}, {Key: "b", Value: []byte{}}}
	m := message.New(message.Fields{
		Topic: "orders", Partition: 3, Offset: 42, Key: []byte("k"), Value: []byte("hello"),
		Headers: headers, Timestamp: ts, TimestampType: message.TimestampLogAppendTime, LeaderEpoch: &epoch,
	})
	assert.Equal(t, "orders", m.Topic())
	assert.EqualValues(t, 3, m.Partition())
	assert.Equal(t, topicpartition.Offset(42), m.Offset())
	assert.Equal(t, []byte("k"), m.Key())
	assert.Equal(t, []byte("hello"), m.Value())
	assert.Equal(t, 5, m.Len())
	assert.Equal(t, headers, m.Headers(), "wire order, repeated keys kept")
	typ, got := m.Timestamp()
	assert.Equal(t, message.TimestampLogAppendTime, typ)
	assert.Equal(t, ts, got, "the time as given, location included")
	require.NotNil(t, m.LeaderEpoch())
	assert.EqualValues(t, 4, *m.LeaderEpoch())
	assert.NoError(t, m.Err())
	assert.Equal(t, topicpartition.TopicPartition{Topic: "orders", Partition: 3, Offset: 42, LeaderEpoch: m.LeaderEpoch()}, m.TopicPartition())
	assert.Equal(t, "orders[3]@42 (epoch 4) (5 bytes)", m.String())

	epoch = 9
	assert.EqualValues(t, 4, *m.LeaderEpoch(), "New copies the epoch, not the pointer")
}

func TestNewKeepsNilApartFromEmpty(t *testing.T) {
	null := message.New(message.Fields{Topic: "t"})
	assert.Nil(t, null.Key())
	assert.Nil(t, null.Value(), "a tombstone")
	assert.Nil(t, null.Headers())
	assert.Zero(t, null.Len())

	empty := message.New(message.Fields{Topic: "t", Key: []byte{}, Value: []byte{}, Headers: []message.Header{}})
	assert.NotNil(t, empty.Key())
	assert.Empty(t, empty.Key())
	assert.NotNil(t, empty.Value())
	assert.Empty(t, empty.Value())
	assert.Zero(t, empty.Len())
	assert.Nil(t, empty.Headers(), "no headers read as nil, however given")

	h := message.New(message.Fields{Headers: []message.Header{{Key: "null"}, {Key: "empty", Value: []byte{}}}}).Headers()
	assert.Nil(t, h[0].Value)
	assert.NotNil(t, h[1].Value)
}

func TestNewWithUnknowns(t *testing.T) {
	m := message.New(message.Fields{Partition: topicpartition.PartitionAny, Offset: topicpartition.OffsetInvalid})
	assert.Equal(t, "", m.Topic())
	assert.Equal(t, topicpartition.PartitionAny, m.Partition())
	assert.Equal(t, topicpartition.OffsetInvalid, m.Offset())
	assert.Nil(t, m.LeaderEpoch())
	assert.Nil(t, m.TopicPartition().LeaderEpoch)

	zero := message.New(message.Fields{})
	assert.EqualValues(t, 0, zero.Partition(), "the zero Fields mean partition 0, offset 0")
	assert.EqualValues(t, 0, zero.Offset())
}

func TestTimestampTypes(t *testing.T) {
	ts := time.UnixMilli(1_700_000_000_000)
	for _, tc := range []struct {
		typ  message.TimestampType
		name string
		want time.Time
	}{
		{message.TimestampNotAvailable, "not-available", time.Time{}},
		{message.TimestampCreateTime, "create-time", ts},
		{message.TimestampLogAppendTime, "log-append-time", ts},
	} {
		typ, got := message.New(message.Fields{Timestamp: ts, TimestampType: tc.typ}).Timestamp()
		assert.Equal(t, tc.typ, typ)
		assert.Equal(t, tc.want, got, "%s: no time without a type", tc.name)
		assert.Equal(t, tc.name, tc.typ.String())
	}
	assert.Equal(t, "TimestampType(7)", message.TimestampType(7).String())
}

func TestNewEventMessage(t *testing.T) {
	eof := kafkaerror.New(kafkaerror.PartitionEOF, "eof", kafkaerror.Flags{})
	m := message.New(message.Fields{Topic: "t", Partition: 1, Offset: 7, Err: eof})
	assert.True(t, errors.Is(m.Err(), kafkaerror.PartitionEOF))
	assert.Same(t, eof, m.TopicPartition().Err)
	assert.Equal(t, "t[1]@7 (error: eof)", m.String(), "no size for an event")
}

// Headers hands out the Message's own slice, but one that an append cannot extend
// into the memory behind it.
func TestHeadersCannotBeExtendedInPlace(t *testing.T) {
	backing := make([]message.Header, 1, 4)
	backing[0] = message.Header{Key: "a"}
	m := message.New(message.Fields{Headers: backing})
	h := m.Headers()
	assert.Equal(t, 1, cap(h))
	h = append(h, message.Header{Key: "b"})
	assert.Equal(t, "b", h[1].Key)
	assert.Equal(t, "", backing[:2][1].Key, "the append did not write into the Message's array")
}

func TestNewAllocatesOnlyTheMessage(t *testing.T) {
	f := message.Fields{Topic: "t", Partition: 1, Offset: 2, Value: []byte("v"), TimestampType: message.TimestampCreateTime, Timestamp: time.Now()}
	epoch := int32(3)
	f.LeaderEpoch = &epoch
	allocs := testing.AllocsPerRun(1000, func() { sink = message.New(f) })
	t.Logf("allocations per New: %.0f", allocs)
	assert.Equal(t, 1.0, allocs)
}

// sink keeps the compiler from proving a Message unused and building it on the stack.
var sink *message.Message
