package ckconv

import (
	"errors"
	"testing"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
)

func TestMessageConversionKeepsEverything(t *testing.T) {
	topic := "t"
	epoch := int32(3)
	ck := &ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: 2, Offset: 41, LeaderEpoch: &epoch},
		Key:            []byte("k"), Value: []byte{}, TimestampType: ckafka.TimestampLogAppendTime,
		Headers: []ckafka.Header{{Key: "h", Value: nil}, {Key: "e", Value: []byte{}}},
	}
	m := Message(ck)
	assert.Equal(t, "t", m.Topic())
	assert.EqualValues(t, 2, m.Partition())
	assert.EqualValues(t, 41, m.Offset())
	assert.Equal(t, &epoch, m.LeaderEpoch())
	assert.Equal(t, []byte("k"), m.Key())
	assert.NotNil(t, m.Value())
	assert.Equal(t, []message.Header{{Key: "h"}, {Key: "e", Value: []byte{}}}, m.Headers())
	typ, _ := m.Timestamp()
	assert.Equal(t, message.TimestampLogAppendTime, typ)
	assert.NoError(t, m.Err())
}

// An error converts with its code, text and flags; other errors and nil pass through.
func TestErrorKeepsCodeTextAndFlags(t *testing.T) {
	err := Error(ckafka.NewError(ckafka.ErrUnknownPartition, "Local: Unknown partition", false))
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.True(t, errors.Is(err, kafkaerror.UnknownPartition))
	assert.Equal(t, "Local: Unknown partition", kerr.Str())
	assert.False(t, kerr.Fatal())
	assert.True(t, FromCK(ckafka.NewError(ckafka.ErrFatal, "fenced", true)).Fatal())

	plain := errors.New("not a Kafka error")
	assert.Same(t, plain, Error(plain))
	assert.NoError(t, Error(nil))
}
