package topicpartition_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func TestSpecialOffsetsHaveLibrdkafkaValues(t *testing.T) {
	assert.EqualValues(t, -2, topicpartition.OffsetBeginning)
	assert.EqualValues(t, -1, topicpartition.OffsetEnd)
	assert.EqualValues(t, -1000, topicpartition.OffsetStored)
	assert.EqualValues(t, -1001, topicpartition.OffsetInvalid)
	assert.EqualValues(t, -1, topicpartition.PartitionAny)
	assert.EqualValues(t, -2005, topicpartition.OffsetTail(5), "RD_KAFKA_OFFSET_TAIL(5)")
	assert.EqualValues(t, -2000, topicpartition.OffsetTail(-3), "negative n is 0")
}

func TestOffsetTailRoundTrip(t *testing.T) {
	n, ok := topicpartition.OffsetTail(42).IsTail()
	assert.True(t, ok)
	assert.EqualValues(t, 42, n)
	_, ok = topicpartition.Offset(7).IsTail()
	assert.False(t, ok)
	_, ok = topicpartition.OffsetInvalid.IsTail()
	assert.False(t, ok)
}

func TestStrings(t *testing.T) {
	assert.Equal(t, "beginning", topicpartition.OffsetBeginning.String())
	assert.Equal(t, "end", topicpartition.OffsetEnd.String())
	assert.Equal(t, "stored", topicpartition.OffsetStored.String())
	assert.Equal(t, "invalid", topicpartition.OffsetInvalid.String())
	assert.Equal(t, "tail(3)", topicpartition.OffsetTail(3).String())
	assert.Equal(t, "1234", topicpartition.Offset(1234).String())

	tp := topicpartition.New("orders", 3, 42)
	assert.Equal(t, "orders[3]@42", tp.String())
	epoch := int32(7)
	tp.LeaderEpoch = &epoch
	tp.Metadata = "m"
	tp.Err = kafkaerror.New(kafkaerror.NoOffset, "", kafkaerror.Flags{})
	assert.Equal(t, `orders[3]@42 (epoch 7) (metadata "m") (error: Local: No offset stored)`, tp.String())
	assert.True(t, errors.Is(tp.Err, kafkaerror.NoOffset))
}

// Of defaults the offset as Python's TopicPartition(topic, partition) does.
func TestOfHasNoOffset(t *testing.T) {
	tp := topicpartition.Of("orders", 4)
	assert.Equal(t, topicpartition.TopicPartition{Topic: "orders", Partition: 4, Offset: topicpartition.OffsetInvalid}, tp)
	assert.Equal(t, topicpartition.New("orders", 4, topicpartition.OffsetInvalid), tp)
}
