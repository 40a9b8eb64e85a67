package avro_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/avro"
)

const userSchema = `{
  "type": "record", "name": "User", "namespace": "example",
  "fields": [
    {"name": "name", "type": "string"},
    {"name": "favorite_number", "type": "long"},
    {"name": "favorite_color", "type": "string"},
    {"name": "twitter_handle", "type": ["null", "string"], "default": null}
  ]
}`

// userSchemaV2 adds a field with a default: BACKWARD compatible.
const userSchemaV2 = `{
  "type": "record", "name": "User", "namespace": "example",
  "fields": [
    {"name": "name", "type": "string"},
    {"name": "favorite_number", "type": "long"},
    {"name": "favorite_color", "type": "string"},
    {"name": "twitter_handle", "type": ["null", "string"], "default": null},
    {"name": "country", "type": "string", "default": "unknown"}
  ]
}`

// userSchemaNoDefault adds a field without a default: not BACKWARD compatible.
const userSchemaNoDefault = `{
  "type": "record", "name": "User", "namespace": "example",
  "fields": [
    {"name": "name", "type": "string"},
    {"name": "favorite_number", "type": "long"},
    {"name": "favorite_color", "type": "string"},
    {"name": "twitter_handle", "type": ["null", "string"], "default": null},
    {"name": "country", "type": "string"}
  ]
}`

// User is the record as a Go struct.
type User struct {
	Name           string  `avro:"name"`
	FavoriteNumber int64   `avro:"favorite_number"`
	FavoriteColor  string  `avro:"favorite_color"`
	TwitterHandle  *string `avro:"twitter_handle"`
}

// UserV2 reads records with the second schema.
type UserV2 struct {
	User
	Country string `avro:"country"`
}

func handle(s string) *string { return &s }

var robert = User{Name: "Robert Zych", FavoriteNumber: 42, FavoriteColor: "blue", TwitterHandle: handle("zychr")}

func TestStructRoundTrip(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[User](t, userSchema, nil))
	require.NoError(t, p.Produce(topic, "u1", robert))
	require.NoError(t, p.Produce(topic, "u2", User{Name: "Ada", FavoriteNumber: 7, FavoriteColor: "green"}))
	testregistry.Flush(t, p)

	got := testregistry.ReadN(t, topic, 2, serde.StringDeserializer(), deserializer[User](t, "", nil))
	require.NoError(t, got[0].Err())
	require.NoError(t, got[1].Err())
	assert.Equal(t, robert, got[0].Value())
	assert.Equal(t, User{Name: "Ada", FavoriteNumber: 7, FavoriteColor: "green"}, got[1].Value())
	assert.Nil(t, got[1].Value().TwitterHandle, "null reads as a nil pointer")
}

// Generic values: records as maps, a union's value as itself, as Python's dicts.
func TestGenericRoundTrip(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[map[string]any](t, userSchema, nil))
	require.NoError(t, p.Produce(topic, "g1", map[string]any{"name": "Robert Zych", "favorite_number": 42,
		"favorite_color": "blue", "twitter_handle": "zychr"}))
	testregistry.Flush(t, p)
	got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), deserializer[map[string]any](t, "", nil))
	require.NoError(t, got[0].Err())
	assert.Equal(t, map[string]any{"name": "Robert Zych", "favorite_number": int64(42),
		"favorite_color": "blue", "twitter_handle": "zychr"}, got[0].Value())
}

// A reader with a newer schema reads old records, the new field at its default; so
// does one that takes the subject's latest schema (use.latest.version).
func TestSchemaResolution(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	require.NoError(t, testregistry.Client(t).SetCompatibility(testregistry.Context(t), topic+"-value", schemaregistry.Backward))
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[User](t, userSchema, nil))
	require.NoError(t, p.Produce(topic, "old", robert))
	testregistry.Flush(t, p)
	want := UserV2{User: robert, Country: "unknown"}

	got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), deserializer[UserV2](t, userSchemaV2, nil))
	require.NoError(t, got[0].Err())
	assert.Equal(t, want, got[0].Value())

	p2 := testregistry.Producer(t, serde.StringSerializer(), serializer[UserV2](t, userSchemaV2, nil))
	require.NoError(t, p2.Produce(topic, "new", UserV2{User: robert, Country: "US"}), "a field with a default is BACKWARD compatible")
	testregistry.Flush(t, p2)
	got = testregistry.ReadN(t, topic, 2, serde.StringDeserializer(), deserializer[UserV2](t, "", map[string]any{"use.latest.version": true}))
	require.NoError(t, got[0].Err())
	require.NoError(t, got[1].Err())
	assert.Equal(t, want, got[0].Value())
	assert.Equal(t, "US", got[1].Value().Country)
}

// A new field without a default breaks BACKWARD: 409, _VALUE_SERIALIZATION.
func TestIncompatibleSchema(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	require.NoError(t, testregistry.Client(t).SetCompatibility(testregistry.Context(t), topic+"-value", schemaregistry.Backward))
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[User](t, userSchema, nil))
	require.NoError(t, p.Produce(topic, "k", robert))
	p2 := testregistry.Producer(t, serde.StringSerializer(), serializer[UserV2](t, userSchemaNoDefault, nil))
	err := p2.Produce(topic, "k", UserV2{User: robert, Country: "US"})
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, "(HTTP status code 409, SR code 409)")
	assert.ErrorContains(t, err, topic+"-value")

	// confluent-kafka-python meets the same refusal: same code, same text.
	py := testregistry.PythonWriteFail(t, "avro", topic, userSchemaNoDefault, map[string]any{"key": "k",
		"name": "Robert Zych", "favorite_number": 42, "favorite_color": "blue", "twitter_handle": nil, "country": "US"})
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.Equal(t, testregistry.PythonError{Name: kerr.Name(), Code: int(kerr.Code()), Str: kerr.Str()}, py)
}

func TestValueThatDoesNotFit(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[map[string]any](t, userSchema, nil))
	err := p.Produce(topic, "k", map[string]any{"name": "no number"})
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, "Avro schema")
}

// A schema with a reference: the named type comes from another subject, and the
// deserializer fetches it to read the record.
func TestReferences(t *testing.T) {
	ctx := testregistry.Context(t)
	client := testregistry.Client(t)
	addressSubject := testregistry.Subject("example.Address")
	_, err := client.RegisterSchema(ctx, addressSubject, schemaregistry.Schema{Schema: `{"type":"record","name":"Address",
		"namespace":"example","fields":[{"name":"city","type":"string"}]}`, SchemaType: schemaregistry.Avro}, false)
	require.NoError(t, err)
	const person = `{"type":"record","name":"Person","namespace":"example",
		"fields":[{"name":"name","type":"string"},{"name":"home","type":"example.Address"}]}`
	s, err := avro.NewSerializer[map[string]any](person, client, nil,
		schemaregistry.Reference{Name: "example.Address", Subject: addressSubject, Version: 1})
	require.NoError(t, err)
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), s)
	require.NoError(t, p.Produce(topic, "p", map[string]any{"name": "Ada", "home": map[string]any{"city": "London"}}))
	testregistry.Flush(t, p)
	got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), deserializer[map[string]any](t, "", nil))
	require.NoError(t, got[0].Err())
	assert.Equal(t, map[string]any{"name": "Ada", "home": map[string]any{"city": "London"}}, got[0].Value())
}

func TestUnknownSchemaID(t *testing.T) {
	d := deserializer[User](t, "", nil)
	_, err := d.Deserialize(testregistry.Context(t), serde.SerializationContext{Topic: "t"}, serde.AppendHeader(nil, 987654321))
	assert.ErrorContains(t, err, "schema id 987654321")
	assert.True(t, schemaregistry.IsNotFound(err))
}

func TestPythonInterop(t *testing.T) {
	t.Run("python writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		testregistry.PythonWrite(t, "avro", topic, userSchema,
			map[string]any{"key": "py-1", "name": "Robert Zych", "favorite_number": 42, "favorite_color": "blue", "twitter_handle": "zychr"},
			map[string]any{"key": "py-2", "name": "Ada", "favorite_number": 7, "favorite_color": "green", "twitter_handle": nil})
		got := testregistry.ReadN(t, topic, 2, serde.StringDeserializer(), deserializer[User](t, "", nil))
		require.NoError(t, got[0].Err())
		require.NoError(t, got[1].Err())
		assert.Equal(t, "py-1", got[0].Key())
		assert.Equal(t, robert, got[0].Value())
		assert.Equal(t, User{Name: "Ada", FavoriteNumber: 7, FavoriteColor: "green"}, got[1].Value())
	})
	t.Run("rdstreams writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		p := testregistry.Producer(t, serde.StringSerializer(), serializer[User](t, userSchema, nil))
		require.NoError(t, p.Produce(topic, "go-1", robert))
		require.NoError(t, p.Produce(topic, "go-2", User{Name: "Ada", FavoriteNumber: 7, FavoriteColor: "green"}))
		testregistry.Flush(t, p)
		got := testregistry.PythonRead(t, "avro", topic, userSchema, 2)
		assert.Equal(t, []map[string]any{
			{"key": "go-1", "name": "Robert Zych", "favorite_number": 42.0, "favorite_color": "blue", "twitter_handle": "zychr"},
			{"key": "go-2", "name": "Ada", "favorite_number": 7.0, "favorite_color": "green", "twitter_handle": nil},
		}, got)
	})
}

// A nil value is a null record, as Python's None.
func TestNilIsNull(t *testing.T) {
	b, err := serializer[map[string]any](t, userSchema, nil).Serialize(testregistry.Context(t), serde.SerializationContext{Topic: "t"}, nil)
	assert.NoError(t, err)
	assert.Nil(t, b)
}
