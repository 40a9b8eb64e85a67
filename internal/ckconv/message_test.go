package ckconv

import (
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// The Message owns its fields: changing the engine message's own fields afterwards (not
// the shared bytes) leaves it alone, and the converted error is written back for callers
// that still read the engine message.
func TestMessageIsACopyOfTheEngineFields(t *testing.T) {
	topic := "t"
	epoch := int32(3)
	ts := time.UnixMilli(1_700_000_000_123)
	ck := &ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: 2, Offset: 41, LeaderEpoch: &epoch,
			Error: ckafka.NewError(ckafka.ErrMsgSizeTooLarge, "too large", false)},
		Value: []byte("v"), Timestamp: ts, TimestampType: ckafka.TimestampCreateTime,
		Headers: []ckafka.Header{{Key: "a", Value: []byte("1")}},
	}
	m := Message(ck)
	assert.ErrorIs(t, ck.TopicPartition.Error, kafkaerror.MsgSizeTooLarge, "the converted error is written back")
	assert.Same(t, ck.TopicPartition.Error, m.Err())

	topic, epoch = "changed", 9
	ck.TopicPartition.Partition, ck.TopicPartition.Offset = 7, 99
	ck.Headers[0].Key = "changed"
	ck.Value, ck.TimestampType = nil, ckafka.TimestampNotAvailable
	assert.Equal(t, "t", m.Topic())
	assert.EqualValues(t, 2, m.Partition())
	assert.EqualValues(t, 41, m.Offset())
	require.NotNil(t, m.LeaderEpoch())
	assert.EqualValues(t, 3, *m.LeaderEpoch())
	assert.Equal(t, []message.Header{{Key: "a", Value: []byte("1")}}, m.Headers())
	assert.Equal(t, []byte("v"), m.Value())
	typ, got := m.Timestamp()
	assert.Equal(t, message.TimestampCreateTime, typ)
	assert.True(t, got.Equal(ts))
}

func TestMessageConversionOfUnknowns(t *testing.T) {
	m := Message(&ckafka.Message{TopicPartition: ckafka.TopicPartition{Partition: ckafka.PartitionAny, Offset: ckafka.OffsetInvalid},
		Headers: []ckafka.Header{}})
	assert.Equal(t, "", m.Topic())
	assert.Equal(t, topicpartition.PartitionAny, m.Partition())
	assert.Equal(t, topicpartition.OffsetInvalid, m.Offset())
	assert.Nil(t, m.LeaderEpoch())
	assert.Nil(t, m.Key())
	assert.Nil(t, m.Value())
	assert.Nil(t, m.Headers(), "empty headers read as none")
	typ, ts := m.Timestamp()
	assert.Equal(t, message.TimestampNotAvailable, typ)
	assert.True(t, ts.IsZero())
	assert.NoError(t, m.Err())
}

func TestHeadersConvertInOrderSharingValues(t *testing.T) {
	in := []message.Header{{Key: "a", Value: []byte("1")}, {Key: "null"}, {Key: "empty", Value: []byte{}}, {Key: "a", Value: []byte("2")}}
	out := Headers(in)
	require.Len(t, out, len(in))
	for i := range in {
		assert.Equal(t, in[i].Key, out[i].Key)
		assert.Equal(t, in[i].Value == nil, out[i].Value == nil, "header %d: nil stays nil, empty stays empty", i)
		assert.Equal(t, string(in[i].Value), string(out[i].Value))
	}
	assert.Same(t, &in[0].Value[0], &out[0].Value[0], "values are shared, not copied")
	assert.Nil(t, Headers(nil))
	assert.Nil(t, Headers([]message.Header{}))

	back := Message(&ckafka.Message{Headers: out}).Headers()
	assert.Equal(t, in, back)
}

// Sinks keep the compiler from proving a result unused and allocating it on the stack.
var (
	messageSink *message.Message
	headersSink []ckafka.Header
)

// The conversions are on the hot path of consumption and delivery reports.
func TestMessageConversionAllocations(t *testing.T) {
	topic := "t"
	epoch := int32(1)
	plain := &ckafka.Message{TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: 1, Offset: 5, LeaderEpoch: &epoch},
		Key: []byte("k"), Value: []byte("v"), Timestamp: time.Now(), TimestampType: ckafka.TimestampCreateTime}
	withHeaders := *plain
	withHeaders.Headers = []ckafka.Header{{Key: "a", Value: []byte("1")}, {Key: "b"}}
	hs := []message.Header{{Key: "a", Value: []byte("1")}, {Key: "b"}}

	noHeaders := testing.AllocsPerRun(1000, func() { messageSink = Message(plain) })
	headers := testing.AllocsPerRun(1000, func() { messageSink = Message(&withHeaders) })
	toEngine := testing.AllocsPerRun(1000, func() { headersSink = Headers(hs) })
	none := testing.AllocsPerRun(1000, func() { headersSink = Headers(nil) })
	t.Logf("allocations: Message without headers %.0f, with headers %.0f; Headers %.0f, Headers(nil) %.0f",
		noHeaders, headers, toEngine, none)
	assert.LessOrEqual(t, noHeaders, 2.0)
	assert.LessOrEqual(t, headers, noHeaders+1, "one slice more for the headers")
	assert.LessOrEqual(t, toEngine, 1.0)
	assert.Zero(t, none)
}

func BenchmarkMessage(b *testing.B) {
	topic := "t"
	ck := &ckafka.Message{TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: 1, Offset: 5},
		Value: make([]byte, 100), Timestamp: time.Now(), TimestampType: ckafka.TimestampCreateTime}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		messageSink = Message(ck)
	}
}
