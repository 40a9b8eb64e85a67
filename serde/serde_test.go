package serde_test

import (
	"context"
	"encoding/hex"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/serde"
)

var bg = context.Background()

func ser[T any](t *testing.T, s serde.Serializer[T], v T) []byte {
	t.Helper()
	b, err := s.Serialize(bg, serde.SerializationContext{Topic: "t"}, v)
	require.NoError(t, err)
	return b
}

// The basic serdes write the bytes confluent-kafka-python's do (checked against it).
func TestBasicSerdesMatchPython(t *testing.T) {
	python := testkafka.Env(t, "HOP_PYTHON")
	out, err := exec.Command(python, "-c", `
from confluent_kafka.serialization import StringSerializer, IntegerSerializer, DoubleSerializer
print(StringSerializer("utf_8")("tëxt").hex())
print(IntegerSerializer()(-2).hex())
print(DoubleSerializer()(1.5).hex())`).Output()
	require.NoError(t, err)
	want := strings.Fields(string(out))
	require.Len(t, want, 3)
	assert.Equal(t, want[0], hex.EncodeToString(ser(t, serde.StringSerializer(), "tëxt")))
	assert.Equal(t, want[1], hex.EncodeToString(ser(t, serde.IntegerSerializer(), -2)))
	assert.Equal(t, want[2], hex.EncodeToString(ser(t, serde.DoubleSerializer(), 1.5)))
}

func TestBasicDeserializers(t *testing.T) {
	sc := serde.SerializationContext{Topic: "t"}
	s, err := serde.StringDeserializer().Deserialize(bg, sc, []byte("tëxt"))
	assert.NoError(t, err)
	assert.Equal(t, "tëxt", s)
	_, err = serde.StringDeserializer().Deserialize(bg, sc, []byte{0xff})
	assert.ErrorContains(t, err, "UTF-8")
	i, err := serde.IntegerDeserializer().Deserialize(bg, sc, []byte{0xff, 0xff, 0xff, 0xfe})
	assert.NoError(t, err)
	assert.Equal(t, int32(-2), i)
	_, err = serde.IntegerDeserializer().Deserialize(bg, sc, []byte{1})
	assert.ErrorContains(t, err, "4 bytes")
	d, err := serde.DoubleDeserializer().Deserialize(bg, sc, ser(t, serde.DoubleSerializer(), -0.25))
	assert.NoError(t, err)
	assert.Equal(t, -0.25, d)
	_, err = serde.DoubleDeserializer().Deserialize(bg, sc, []byte{1, 2})
	assert.ErrorContains(t, err, "8 bytes")
	b, err := serde.BytesDeserializer().Deserialize(bg, sc, []byte{1})
	assert.NoError(t, err)
	assert.Equal(t, []byte{1}, b)
	assert.Nil(t, ser(t, serde.BytesSerializer(), nil), "nil bytes are a null")
}

func TestWireFormat(t *testing.T) {
	b := serde.AppendHeader([]byte{}, 258)
	assert.Equal(t, []byte{0, 0, 0, 1, 2}, b)
	id, rest, err := serde.ParseHeader(append(b, 'x'))
	require.NoError(t, err)
	assert.Equal(t, 258, id)
	assert.Equal(t, []byte("x"), rest)
	_, _, err = serde.ParseHeader([]byte{1, 0, 0, 0, 1})
	assert.ErrorContains(t, err, "unexpected magic byte 1")
	_, _, err = serde.ParseHeader([]byte{0, 0})
	assert.ErrorContains(t, err, "total data size is 2 bytes")
}

func TestSubjectNameStrategies(t *testing.T) {
	s, err := serde.TopicNameStrategy("orders", serde.Key, "x.Order")
	assert.NoError(t, err)
	assert.Equal(t, "orders-key", s)
	s, err = serde.RecordNameStrategy("orders", serde.Value, "x.Order")
	assert.NoError(t, err)
	assert.Equal(t, "x.Order", s)
	s, err = serde.TopicRecordNameStrategy("orders", serde.Value, "x.Order")
	assert.NoError(t, err)
	assert.Equal(t, "orders-x.Order", s)
	_, err = serde.RecordNameStrategy("orders", serde.Value, "")
	assert.ErrorContains(t, err, "record name")
}

func TestConf(t *testing.T) {
	r := serde.ReadConf("test.New", map[string]any{"auto.register.schemas": "false", "use.schema.id": 7,
		"subject.name.strategy.type": "record"})
	sc := r.Serializer()
	require.NoError(t, r.Done())
	assert.False(t, sc.AutoRegister)
	assert.Equal(t, 7, sc.UseSchemaID)
	s, err := sc.Subject(serde.SerializationContext{Topic: "t"}, "rec")
	assert.NoError(t, err)
	assert.Equal(t, "rec", s, "RECORD")

	for conf, want := range map[string]map[string]any{
		`unknown configuration property "bogus"`:      {"bogus": 1},
		"normalize.schemas=maybe: want true or false": {"normalize.schemas": "maybe"},
		"TOPIC, RECORD or TOPIC_RECORD":               {"subject.name.strategy.type": "ASSOCIATED"},
		"a serde.SubjectNameStrategy":                 {"subject.name.strategy": 3},
	} {
		r := serde.ReadConf("test.New", want)
		r.Serializer()
		err := r.Done()
		assert.ErrorIs(t, err, kafkaerror.InvalidArg, conf)
		assert.ErrorContains(t, err, conf)
	}
}

func TestError(t *testing.T) {
	cause := errors.New("boom")
	err := error(serde.SerializationError(serde.Key, cause))
	assert.ErrorIs(t, err, kafkaerror.KeySerialization)
	assert.ErrorIs(t, err, cause)
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.Equal(t, "_KEY_SERIALIZATION", kerr.Name())
	assert.Equal(t, "boom", kerr.Str())
	assert.Equal(t, kafkaerror.ValueDeserialization, serde.DeserializationError(serde.Value, cause).Code())
	assert.Equal(t, kafkaerror.KeyDeserialization, serde.DeserializationError(serde.Key, cause).Code())
	assert.Equal(t, kafkaerror.ValueSerialization, serde.SerializationError(serde.Value, cause).Code())
}

// Typed keys and values through the broker: null keys and values stay null, a
// panicking serializer is an error and not a crash.
func TestProducerAndConsumer(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.IntegerSerializer(), serde.DoubleSerializer())
	require.NoError(t, p.Produce(topic, 7, 2.5))
	require.NoError(t, p.Produce(topic, -1, 0, producer.Headers()))
	testregistry.Flush(t, p)

	got := testregistry.ReadN(t, topic, 2, serde.IntegerDeserializer(), serde.DoubleDeserializer())
	require.NoError(t, got[0].Err())
	assert.Equal(t, int32(7), got[0].Key())
	assert.Equal(t, 2.5, got[0].Value())
	assert.Equal(t, topic, got[0].Topic())
	assert.EqualValues(t, 0, got[0].Partition())
	assert.EqualValues(t, 1, got[1].Offset())
	assert.Contains(t, got[0].String(), topic)

	nulls := testregistry.Producer(t, serde.BytesSerializer(), serde.BytesSerializer())
	require.NoError(t, nulls.Produce(topic, nil, nil))
	testregistry.Flush(t, nulls)
	all := testregistry.ReadN(t, topic, 3, serde.StringDeserializer(), serde.StringDeserializer())
	require.NoError(t, all[2].Err(), "null key and value are not deserialized")
	assert.Nil(t, all[2].Raw().Key())
	assert.Nil(t, all[2].Raw().Value())

	panicky := serde.SerializerFunc[string](func(context.Context, serde.SerializationContext, string) ([]byte, error) {
		panic("bad serializer")
	})
	pp := testregistry.Producer(t, serde.StringSerializer(), serde.Serializer[string](panicky))
	err := pp.Produce(topic, "k", "v")
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, "bad serializer")

	_, err = serde.NewProducer[string, string](map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)}, nil, serde.StringSerializer())
	assert.Error(t, err)
}

func TestMessagesIterator(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serde.StringSerializer())
	require.NoError(t, p.Produce(topic, "k", "v"))
	testregistry.Flush(t, p)
	raw, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer raw.Close()
	require.NoError(t, raw.Produce(topic, []byte{0xff}))
	require.Zero(t, raw.Flush(30e9))

	c, err := serde.NewConsumer(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t), "group.id": testkafka.UniqueName("it"),
		"auto.offset.reset": "earliest"}, serde.StringDeserializer(), serde.StringDeserializer())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Subscribe([]string{topic}))
	ctx, cancel := context.WithTimeout(bg, 60e9)
	defer cancel()
	var values []string
	var errs []error
	for m, err := range c.Messages(ctx) {
		values, errs = append(values, m.Value()), append(errs, err)
		if len(values) == 2 {
			break
		}
	}
	require.Len(t, values, 2, "both records before the deadline")
	assert.Equal(t, "v", values[0])
	assert.NoError(t, errs[0])
	assert.ErrorIs(t, errs[1], kafkaerror.ValueDeserialization)
}

func TestIsNull(t *testing.T) {
	var p *int
	var m map[string]any
	var e error
	assert.True(t, serde.IsNull(nil))
	assert.True(t, serde.IsNull(p))
	assert.True(t, serde.IsNull(m))
	assert.True(t, serde.IsNull(e))
	assert.True(t, serde.IsNull([]byte(nil)))
	assert.False(t, serde.IsNull(0))
	assert.False(t, serde.IsNull(""))
	assert.False(t, serde.IsNull(map[string]any{}))
}
