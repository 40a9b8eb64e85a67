package jsonschema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/jsonschema"
)

// User is the seed's record.
type User struct {
	Name           string `json:"name"`
	FavoriteNumber int    `json:"favorite_number"`
	FavoriteColor  string `json:"favorite_color"`
	TwitterHandle  string `json:"twitter_handle,omitempty"`
}

// userSchema is the seed's schema in draft-07 (Apicurio cannot check 2020-12).
const userSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "User",
  "type": "object",
  "properties": {
    "name": {"type": "string"},
    "favorite_number": {"type": "integer"},
    "favorite_color": {"type": "string"},
    "twitter_handle": {"type": "string"}
  },
  "required": ["name", "favorite_number", "favorite_color"]
}`

// userSchemaMoreRequired adds twitter_handle to the required list: the seed's
// incompatible change.
var userSchemaMoreRequired = strings.Replace(userSchema, `"favorite_color"]`, `"favorite_color", "twitter_handle"]`, 1)

var robert = User{Name: "Robert Zych", FavoriteNumber: 42, FavoriteColor: "blue", TwitterHandle: "zychr"}

// The seed's produce_json and consume_json, in Go.
func TestRoundTrip(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchema, nil))
	require.NoError(t, p.Produce(topic, "user-1", robert))
	testregistry.Flush(t, p)

	got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), deserializer(t, ""))
	require.NoError(t, got[0].Err())
	assert.Equal(t, "user-1", got[0].Key())
	assert.Equal(t, robert, got[0].Value())
	assert.Equal(t, serde.MagicByte, got[0].Raw().Value()[0])

	rs, err := testregistry.Client(t).GetLatestVersion(testregistry.Context(t), topic+"-value")
	require.NoError(t, err, "registered under the topic strategy's subject")
	assert.Equal(t, schemaregistry.JSON, rs.Type())
}

// The seed's 409: under BACKWARD, a schema with a new required field is refused, and
// the produce fails with _VALUE_SERIALIZATION and the registry's status and code.
func TestIncompatibleSchemaFailsTheProduce(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	subject := topic + "-value"
	require.NoError(t, testregistry.Client(t).SetCompatibility(testregistry.Context(t), subject, schemaregistry.Backward))
	p := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchema, nil))
	require.NoError(t, p.Produce(topic, "k", robert))

	p2 := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchemaMoreRequired, nil))
	err := p2.Produce(topic, "k", robert)
	require.Error(t, err)
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.Equal(t, kafkaerror.Code(-161), kerr.Code())
	assert.Equal(t, "_VALUE_SERIALIZATION", kerr.Name())
	assert.Contains(t, kerr.Str(), "(HTTP status code 409, SR code 409)")
	assert.Contains(t, kerr.Str(), subject)
	var srErr *schemaregistry.Error
	require.ErrorAs(t, err, &srErr)
	assert.Equal(t, 409, srErr.HTTPStatus)
	t.Logf("the registry's refusal: %v", err)
	assert.Zero(t, p2.Len(), "nothing queued")
}

// The same refusal reaches confluent-kafka-python and rdstreams alike: same code, same
// text.
func TestIncompatibleSchemaAsPython(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	require.NoError(t, testregistry.Client(t).SetCompatibility(testregistry.Context(t), topic+"-value", schemaregistry.Backward))
	p := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchema, nil))
	require.NoError(t, p.Produce(topic, "k", robert))

	py := testregistry.PythonWriteFail(t, "json", topic, userSchemaMoreRequired,
		map[string]any{"key": "k", "name": "Robert Zych", "favorite_number": 42, "favorite_color": "blue", "twitter_handle": "zychr"})
	err := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchemaMoreRequired, nil)).Produce(topic, "k", robert)
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.Equal(t, testregistry.PythonError{Name: kerr.Name(), Code: int(kerr.Code()), Str: kerr.Str()}, py)
	t.Logf("python: KafkaError{code=%s,val=%d,str=%q}", py.Name, py.Code, py.Str)
}

// A value its schema refuses is not produced: validation is on, as in Python.
func TestValidationFailure(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	bad := map[string]any{"name": "no colour", "favorite_number": 1}
	strict, err := jsonschema.NewSerializer[map[string]any](userSchema, testregistry.Client(t), nil)
	require.NoError(t, err)
	p := testregistry.Producer(t, serde.StringSerializer(), strict)
	err = p.Produce(topic, "k", bad)
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, "favorite_color")
	t.Logf("the validation failure: %v", err)

	// validate=false lets it through, as in Python.
	lax, err := jsonschema.NewSerializer[map[string]any](userSchema, testregistry.Client(t), map[string]any{"validate": false})
	require.NoError(t, err)
	assert.NoError(t, testregistry.Producer(t, serde.StringSerializer(), lax).Produce(topic, "k", bad))
}

// A key that fails its serializer is _KEY_SERIALIZATION (-162).
func TestKeySerializationFailure(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	keySer, err := jsonschema.NewSerializer[map[string]any](`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","required":["id"]}`, testregistry.Client(t), nil)
	require.NoError(t, err)
	p := testregistry.Producer(t, keySer, serializer(t, userSchema, nil))
	err = p.Produce(topic, map[string]any{"nope": 1}, robert)
	assert.ErrorIs(t, err, kafkaerror.KeySerialization)
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.Equal(t, kafkaerror.Code(-162), kerr.Code())
	assert.ErrorContains(t, err, "id")
}

func TestUnreachableRegistry(t *testing.T) {
	client, err := schemaregistry.New(map[string]any{"url": "http://" + testkafka.ClosedPort(t)})
	require.NoError(t, err)
	defer client.Close()
	s, err := jsonschema.NewSerializer[User](userSchema, client, nil)
	require.NoError(t, err)
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), s)
	err = p.Produce(topic, "k", robert)
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, "connection refused")
	assert.ErrorContains(t, err, topic+"-value", "the request names the subject")
}

// use.latest.version on a subject nobody registered: the registry's 404, naming it.
func TestUnknownSubject(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchema,
		map[string]any{"use.latest.version": true, "auto.register.schemas": false}))
	err := p.Produce(topic, "k", robert)
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, topic+"-value")
	assert.ErrorContains(t, err, "HTTP status code 404")

	// auto.register.schemas=false looks the schema up instead: not there either.
	lookup := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchema,
		map[string]any{"auto.register.schemas": false}))
	err = lookup.Produce(topic, "k", robert)
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, "HTTP status code 404")
}

// Records that are not in the wire format, or name an id the registry does not know,
// come back with _VALUE_DESERIALIZATION (-159); a bad key with _KEY_DESERIALIZATION.
func TestDeserializationFailures(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	raw, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer raw.Close()
	require.NoError(t, raw.Produce(topic, []byte(`{"name":"plain json"}`)))
	require.NoError(t, raw.Produce(topic, append(serde.AppendHeader(nil, 987654321), `{}`...)))
	require.NoError(t, raw.Produce(topic, nil, producer.Key([]byte("abc"))))
	require.Zero(t, raw.Flush(30e9))

	got := testregistry.ReadN(t, topic, 3, serde.IntegerDeserializer(), deserializer(t, ""))
	assert.ErrorIs(t, got[0].Err(), kafkaerror.ValueDeserialization)
	assert.ErrorContains(t, got[0].Err(), "magic byte")
	assert.ErrorIs(t, got[1].Err(), kafkaerror.ValueDeserialization)
	assert.ErrorContains(t, got[1].Err(), "987654321")
	assert.ErrorContains(t, got[1].Err(), "HTTP status code 404")
	assert.ErrorIs(t, got[2].Err(), kafkaerror.KeyDeserialization)
	var kerr *kafkaerror.Error
	require.True(t, errors.As(got[2].Err(), &kerr))
	assert.Equal(t, kafkaerror.Code(-160), kerr.Code())
	assert.Equal(t, topic, got[2].Topic(), "a failed record still says where it was")
	assert.EqualValues(t, 2, got[2].Offset())
	assert.Equal(t, []byte("abc"), got[2].Raw().Key())
}

// A record that does not match the reader's schema is refused on the way in.
func TestDeserializerValidates(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	anyObject, err := jsonschema.NewSerializer[map[string]any](`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}`,
		testregistry.Client(t), nil)
	require.NoError(t, err)
	lax := testregistry.Producer(t, serde.StringSerializer(), anyObject)
	require.NoError(t, lax.Produce(topic, "k", map[string]any{"name": "x"}))
	testregistry.Flush(t, lax)
	got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), deserializer(t, userSchema))
	assert.ErrorIs(t, got[0].Err(), kafkaerror.ValueDeserialization)
	assert.ErrorContains(t, got[0].Err(), "favorite_number")
}

// The record strategies register under the schema's title.
func TestSubjectNameStrategies(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	title := testregistry.Subject("User")
	schema := strings.Replace(userSchema, `"title": "User"`, `"title": "`+title+`"`, 1)
	for strategy, subject := range map[string]string{"RECORD": title, "TOPIC_RECORD": topic + "-" + title} {
		p := testregistry.Producer(t, serde.StringSerializer(), serializer(t, schema,
			map[string]any{"subject.name.strategy.type": strategy, "normalize.schemas": true}))
		require.NoError(t, p.Produce(topic, "k", robert), strategy)
		_, err := testregistry.Client(t).GetLatestVersion(testregistry.Context(t), subject)
		assert.NoError(t, err, strategy)
	}
	custom := serde.SubjectNameStrategy(func(topic string, f serde.MessageField, _ string) (string, error) {
		return "custom-" + topic + "-" + f.String(), nil
	})
	p := testregistry.Producer(t, serde.StringSerializer(), serializer(t, schema, map[string]any{"subject.name.strategy": custom}))
	require.NoError(t, p.Produce(topic, "k", robert))
	_, err := testregistry.Client(t).GetLatestVersion(testregistry.Context(t), "custom-"+topic+"-value")
	assert.NoError(t, err)
}

func TestBadConfiguration(t *testing.T) {
	c := testregistry.Client(t)
	_, err := jsonschema.NewSerializer[User](userSchema, c, map[string]any{"auto.register.schema": false})
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `"auto.register.schema"`)
	_, err = jsonschema.NewSerializer[User](userSchema, c, map[string]any{"use.latest.version": true})
	assert.ErrorContains(t, err, "use.latest.version and auto.register.schemas")
	_, err = jsonschema.NewSerializer[User](`{"type": 5}`, c, nil)
	assert.ErrorContains(t, err, "does not compile")
	assert.ErrorIs(t, err, kafkaerror.InvalidArg, "a bad schema is a bad argument, as Python's ValueError")
	_, err = jsonschema.NewDeserializer[User]("", nil, nil)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
}

// Python writes, rdstreams reads; rdstreams writes, Python reads.
func TestPythonInterop(t *testing.T) {
	t.Run("python writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		testregistry.PythonWrite(t, "json", topic, userSchema,
			map[string]any{"key": "py-1", "name": "Robert Zych", "favorite_number": 42, "favorite_color": "blue", "twitter_handle": "zychr"})
		got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), deserializer(t, ""))
		require.NoError(t, got[0].Err())
		assert.Equal(t, "py-1", got[0].Key())
		assert.Equal(t, robert, got[0].Value())
	})
	t.Run("rdstreams writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		p := testregistry.Producer(t, serde.StringSerializer(), serializer(t, userSchema, nil))
		require.NoError(t, p.Produce(topic, "go-1", robert))
		testregistry.Flush(t, p)
		got := testregistry.PythonRead(t, "json", topic, userSchema, 1)
		assert.Equal(t, []map[string]any{{"key": "go-1", "name": "Robert Zych", "favorite_number": 42.0,
			"favorite_color": "blue", "twitter_handle": "zychr"}}, got)
	})
}

// A nil value is a null record, as Python's None: nothing is registered for it.
func TestNilIsNull(t *testing.T) {
	s, err := jsonschema.NewSerializer[*User](userSchema, testregistry.Client(t), nil)
	require.NoError(t, err)
	b, err := s.Serialize(testregistry.Context(t), serde.SerializationContext{Topic: testregistry.Subject("nil")}, nil)
	assert.NoError(t, err)
	assert.Nil(t, b)
}
