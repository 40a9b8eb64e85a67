package ckconv

import (
	"errors"
	"testing"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
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

func TestEventMessageCarriesErrorAndPosition(t *testing.T) {
	m := EventMessage(ckafka.NewError(ckafka.ErrPartitionEOF, "eof", false), "t", 1, 7)
	assert.True(t, errors.Is(m.Err(), kafkaerror.PartitionEOF))
	var kerr *kafkaerror.Error
	require.True(t, errors.As(m.Err(), &kerr))
	assert.Equal(t, "eof", kerr.Str())
	assert.Equal(t, "t", m.Topic())
	assert.EqualValues(t, 1, m.Partition())
	assert.EqualValues(t, 7, m.Offset())
	assert.Equal(t, "t[1]@7 (error: eof)", m.String())

	none := EventMessage(ckafka.NewError(ckafka.ErrAllBrokersDown, "", false), "", topicpartition.PartitionAny, topicpartition.OffsetInvalid)
	assert.Equal(t, "", none.Topic())
	assert.Equal(t, topicpartition.PartitionAny, none.Partition())
	assert.Equal(t, topicpartition.OffsetInvalid, none.Offset())
}

func TestTopicPartitionsRoundTrip(t *testing.T) {
	epoch := int32(5)
	in := []topicpartition.TopicPartition{
		{Topic: "a", Partition: 1, Offset: 10, Metadata: "md", LeaderEpoch: &epoch},
		{Topic: "b", Partition: 0, Offset: topicpartition.OffsetBeginning},
	}
	out := TopicPartitions(ToCKTopicPartitions(in))
	assert.Equal(t, in, out)
	assert.Nil(t, TopicPartitions(nil))
	assert.Nil(t, ToCKTopicPartitions(nil))
}

func TestConfigMap(t *testing.T) {
	cm, err := ConfigMap(map[string]any{"a": 1, "b": true, "c": 2.5, "d": "x", "e": int64(7)}, map[string]any{"d": "default", "f": "default"})
	require.NoError(t, err)
	assert.Equal(t, ckafka.ConfigMap{"a": "1", "b": "true", "c": "2.5", "d": "x", "e": "7", "f": "default"}, cm)

	_, err = ConfigMap(map[string]any{"go.logs.channel.enable": true}, nil)
	assert.ErrorContains(t, err, `"go.logs.channel.enable"`)
	_, err = ConfigMap(map[string]any{"x": struct{}{}}, nil)
	assert.ErrorContains(t, err, `"x"`)

	n, ok := IntProperty(map[string]any{"q": "12", "r": 3.0, "s": "abc"}, "q")
	assert.True(t, ok)
	assert.Equal(t, 12, n)
	_, ok = IntProperty(map[string]any{"s": "abc"}, "s")
	assert.False(t, ok)
	_, ok = IntProperty(map[string]any{}, "s")
	assert.False(t, ok)
}

func TestConfigErrorNamesAlias(t *testing.T) {
	engine := ckafka.NewError(ckafka.ErrInvalidArg, `Configuration property "queue.buffering.max.ms" value -5 is outside allowed range`, false)
	err := ConfigError(engine, map[string]any{"linger.ms": -5})
	assert.ErrorContains(t, err, `"linger.ms"`)
	assert.True(t, errors.Is(err, kafkaerror.InvalidArg))
	same := ConfigError(engine, map[string]any{"queue.buffering.max.ms": -5})
	assert.Equal(t, engine.String(), same.Error())
}

func TestPrefixedKeepsCodeAndFlags(t *testing.T) {
	src := kafkaerror.New(kafkaerror.UnknownPartition, "Local: Unknown partition", kafkaerror.Flags{Retriable: true, Fatal: true, TxnRequiresAbort: true})
	err := Prefixed(src, "watermark offsets of topic %q partition %d", "t", 3)
	assert.Equal(t, `watermark offsets of topic "t" partition 3: Local: Unknown partition`, err.Error())
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.True(t, errors.Is(err, kafkaerror.UnknownPartition))
	assert.Equal(t, [3]bool{true, true, true}, [3]bool{kerr.Fatal(), kerr.Retriable(), kerr.TxnRequiresAbort()})

	plain := errors.New("not a Kafka error")
	assert.Same(t, plain, Prefixed(plain, "ignored"), "other errors pass through")
	assert.NoError(t, Prefixed(nil, "ignored"))
}

// default.topic.config, the nested map the Python clients still accept, is flattened
// into the top level as Python does: where a property is set both at the top level and
// inside, the inner value wins.
func TestConfigMapDefaultTopicConfig(t *testing.T) {
	user := map[string]any{
		"bootstrap.servers":    "b:9092",
		"acks":                 1,
		"default.topic.config": map[string]any{"acks": "all", "message.timeout.ms": 5000},
	}
	cm, err := ConfigMap(user, map[string]any{"message.timeout.ms": "1"})
	require.NoError(t, err)
	assert.Equal(t, ckafka.ConfigMap{"bootstrap.servers": "b:9092", "acks": "all", "message.timeout.ms": "5000"}, cm,
		"the inner acks wins over the top-level one; the inner value over a default")
	assert.Contains(t, user, "default.topic.config", "the caller's map is left alone")
	assert.Equal(t, 1, user["acks"])

	cm, err = ConfigMap(map[string]any{"default.topic.config": map[string]string{"auto.offset.reset": "earliest"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, ckafka.ConfigMap{"auto.offset.reset": "earliest"}, cm, "a map[string]string works too")

	_, err = ConfigMap(map[string]any{"default.topic.config": "acks=all"}, nil)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `configuration property "default.topic.config": value of type string is not supported`)
	_, err = ConfigMap(map[string]any{"default.topic.config": map[string]any{"acks": []int{1}}}, nil)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `configuration property "default.topic.config": property "acks": value of type []int is not supported`)

	// The properties rdstreams reads itself see the inner values too.
	nested := map[string]any{"enable.auto.commit": true, "queue.buffering.max.messages": 10,
		"default.topic.config": map[string]any{"enable.auto.commit": "false", "queue.buffering.max.messages": "20"}}
	on, err := BoolProperty(nested, "enable.auto.commit", true)
	require.NoError(t, err)
	assert.False(t, on)
	n, ok := IntProperty(nested, "queue.buffering.max.messages")
	assert.True(t, ok)
	assert.Equal(t, 20, n)

	flat, err := Flatten(map[string]any{"a": 1})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 1}, flat)
}

// A client-configuration error names the alias the user wrote, also inside
// default.topic.config.
func TestConfigErrorNamesNestedAlias(t *testing.T) {
	engine := ckafka.NewError(ckafka.ErrInvalidArg, `Configuration property "queue.buffering.max.ms" value -5 is outside allowed range`, false)
	err := ConfigError(engine, map[string]any{"default.topic.config": map[string]any{"linger.ms": -5}})
	assert.ErrorContains(t, err, `"linger.ms"`)
}

// The consumer engine's group metadata comes out as librdkafka's serialized form, the
// same bytes rdstreams' engine writes for the same group.
func TestGroupMetadataBytes(t *testing.T) {
	md, err := ckafka.NewTestConsumerGroupMetadata("orders")
	require.NoError(t, err)
	b := GroupMetadataBytes(md)
	require.NotEmpty(t, b)
	assert.Contains(t, string(b), "orders")
	assert.Nil(t, GroupMetadataBytes(nil))
}
