package protobuf_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/protobuf"
)

// The seed's produce_protobuf, and reading it back, with the message indexes of a
// top-level, a nested and a second message.
func TestRoundTripAndIndexes(t *testing.T) {
	reg := build(t, userFile(testregistry.Subject("user")+".proto"))
	md := message(t, reg, "example.User")
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[*dynamicpb.Message](t, nil))
	robert := user(md, "Robert Zych", 42, "blue", "zychr")
	require.NoError(t, p.Produce(topic, "u1", robert))
	badge := dynamicpb.NewMessage(message(t, reg, "example.User.Badge"))
	badge.Set(badge.Descriptor().Fields().ByName("label"), protoreflect.ValueOfString("gold"))
	require.NoError(t, p.Produce(topic, "b", badge))
	team := dynamicpb.NewMessage(message(t, reg, "example.Team"))
	require.NoError(t, p.Produce(topic, "t", team))
	testregistry.Flush(t, p)

	got := testregistry.ReadN(t, topic, 3, serde.StringDeserializer(), dynamicDeserializer(t, md))
	require.NoError(t, got[0].Err())
	assert.True(t, proto.Equal(robert, got[0].Value()), "got %v", got[0].Value())
	assert.Equal(t, "u1", got[0].Key())
	// The indexes after the 5-byte header: [0] is one 0 byte; [0, 0] is count 2 then
	// 0, 0; [1] is count 1 then 1 (zigzag varints).
	assert.Equal(t, byte(0), got[0].Raw().Value()[5])
	assert.Equal(t, []byte{4, 0, 0}, got[1].Raw().Value()[5:8])
	assert.Equal(t, []byte{2, 2}, got[2].Raw().Value()[5:7])

	rs, err := testregistry.Client(t).GetLatestVersion(testregistry.Context(t), topic+"-value")
	require.NoError(t, err)
	assert.Equal(t, schemaregistry.Protobuf, rs.Type())
	_, err = base64.StdEncoding.DecodeString(rs.Schema.Schema)
	assert.NoError(t, err, "registered as Python does: a base64 FileDescriptorProto")
}

// A generated type: registered with its file, read back into the same type; its
// import of a well-known type is not registered (skip.known.types).
func TestGeneratedTypes(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[*wrapperspb.StringValue](t, nil))
	require.NoError(t, p.Produce(topic, "k", wrapperspb.String("hello")))
	testregistry.Flush(t, p)
	d, err := protobuf.NewDeserializer[*wrapperspb.StringValue](testregistry.Client(t), nil)
	require.NoError(t, err)
	got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), d)
	require.NoError(t, got[0].Err())
	assert.Equal(t, "hello", got[0].Value().GetValue())

	ts := testregistry.Producer(t, serde.StringSerializer(), serializer[*timestamppb.Timestamp](t, nil))
	tsTopic := testkafka.Topic(t, 1, nil)
	require.NoError(t, ts.Produce(tsTopic, "k", timestamppb.New(testTime)))
	testregistry.Flush(t, ts)
	tsd, err := protobuf.NewDeserializer[*timestamppb.Timestamp](nil, nil)
	require.NoError(t, err, "a deserializer without a registry, as Python allows")
	gotTS := testregistry.ReadN(t, tsTopic, 1, serde.StringDeserializer(), tsd)
	require.NoError(t, gotTS[0].Err())
	assert.True(t, gotTS[0].Value().AsTime().Equal(testTime))

	_, err = protobuf.NewDeserializer[*dynamicpb.Message](nil, nil)
	assert.ErrorContains(t, err, "NewDynamicDeserializer")
}

// personFiles are a person.proto importing an address.proto of its own (and the
// well-known Timestamp), imports first, with unique file names.
func personFiles() []*descriptorpb.FileDescriptorProto {
	addrPath := testregistry.Subject("address") + ".proto"
	addr := &descriptorpb.FileDescriptorProto{
		Name: proto.String(addrPath), Package: proto.String("example"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Address"),
			Field: []*descriptorpb.FieldDescriptorProto{field("city", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, "")}}},
	}
	person := &descriptorpb.FileDescriptorProto{
		Name: proto.String(testregistry.Subject("person") + ".proto"), Package: proto.String("example"), Syntax: proto.String("proto3"),
		Dependency: []string{addrPath, "google/protobuf/timestamp.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Person"), Field: []*descriptorpb.FieldDescriptorProto{
			field("name", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
			field("home", 2, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".example.Address"),
			field("born", 3, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".google.protobuf.Timestamp"),
		}}},
	}
	return []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(timestamppb.File_google_protobuf_timestamp_proto), addr, person}
}

// ada is an example.Person living in London.
func ada(t *testing.T, reg *protoregistry.Files) *dynamicpb.Message {
	md := message(t, reg, "example.Person")
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("name"), protoreflect.ValueOfString("Ada"))
	home := dynamicpb.NewMessage(message(t, reg, "example.Address"))
	home.Set(home.Descriptor().Fields().ByName("city"), protoreflect.ValueOfString("London"))
	m.Set(md.Fields().ByName("home"), protoreflect.ValueOfMessage(home))
	return m
}

// Schemas with references between confluent-kafka-python and rdstreams: each registers
// the imported file under its import path and the other reads (Python parsing the
// schema and its references from the registry).
func TestPythonInteropReferences(t *testing.T) {
	files := personFiles()
	schema := descriptorSet(t, files...)
	reg := build(t, files...)
	md := message(t, reg, "example.Person")
	t.Run("python writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		testregistry.PythonWrite(t, "protobuf", topic, schema, map[string]any{"key": "py", "name": "Ada", "home": map[string]any{"city": "London"}})
		got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), dynamicDeserializer(t, md))
		require.NoError(t, got[0].Err())
		assert.True(t, proto.Equal(ada(t, reg), got[0].Value()), "got %v", got[0].Value())
		rs, err := testregistry.Client(t).GetLatestVersion(testregistry.Context(t), topic+"-value")
		require.NoError(t, err)
		assert.Equal(t, []schemaregistry.Reference{{Name: files[1].GetName(), Subject: files[1].GetName(), Version: 1}}, rs.References,
			"Python registers the import under its path, as rdstreams does")
	})
	t.Run("rdstreams writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		p := testregistry.Producer(t, serde.StringSerializer(), serializer[*dynamicpb.Message](t, nil))
		require.NoError(t, p.Produce(topic, "go", ada(t, reg)))
		testregistry.Flush(t, p)
		got := testregistry.PythonRead(t, "protobuf", topic, schema, 1)
		assert.Equal(t, []map[string]any{{"key": "go", "name": "Ada", "home": map[string]any{"city": "London"}}}, got)
	})
}

// An imported file is registered under its own subject (its import path) and named
// as a reference of the importing file's schema.
func TestReferences(t *testing.T) {
	files := personFiles()
	addrPath := files[1].GetName()
	reg := build(t, files...)
	md := message(t, reg, "example.Person")
	m := ada(t, reg)

	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[*dynamicpb.Message](t, nil))
	require.NoError(t, p.Produce(topic, "p", m))
	testregistry.Flush(t, p)

	ctx := testregistry.Context(t)
	rs, err := testregistry.Client(t).GetLatestVersion(ctx, topic+"-value")
	require.NoError(t, err)
	require.Len(t, rs.References, 1, "the well-known import is skipped")
	assert.Equal(t, schemaregistry.Reference{Name: addrPath, Subject: addrPath, Version: 1}, rs.References[0])
	_, err = testregistry.Client(t).GetLatestVersion(ctx, addrPath)
	assert.NoError(t, err, "the imported file is registered under its import path")

	got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), dynamicDeserializer(t, md))
	require.NoError(t, got[0].Err())
	assert.True(t, proto.Equal(m, got[0].Value()))
}

func TestBadInput(t *testing.T) {
	md := message(t, build(t, userFile(testregistry.Subject("user")+".proto")), "example.User")
	d := dynamicDeserializer(t, md)
	ctx := testregistry.Context(t)
	sc := serde.SerializationContext{Topic: "t"}
	_, err := d.Deserialize(ctx, sc, []byte{1, 0, 0, 0, 1, 0})
	assert.ErrorContains(t, err, "magic byte")
	_, err = d.Deserialize(ctx, sc, append(serde.AppendHeader(nil, 987654321), 0))
	assert.ErrorContains(t, err, "schema id 987654321")
	assert.True(t, schemaregistry.IsNotFound(err))

	_, err = protobuf.NewSerializer[*dynamicpb.Message](testregistry.Client(t), map[string]any{"use.deprecated.format": true})
	assert.ErrorContains(t, err, "no longer supported")
	_, err = protobuf.NewSerializer[*dynamicpb.Message](testregistry.Client(t), map[string]any{"skip.known.type": true})
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)

	// An unknown subject with use.latest.version fails the produce, naming it.
	topic := testkafka.Topic(t, 1, nil)
	p := testregistry.Producer(t, serde.StringSerializer(), serializer[*dynamicpb.Message](t,
		map[string]any{"use.latest.version": true, "auto.register.schemas": false}))
	err = p.Produce(topic, "k", user(md, "a", 1, "b", "c"))
	assert.ErrorIs(t, err, kafkaerror.ValueSerialization)
	assert.ErrorContains(t, err, topic+"-value")
}

// confluent-kafka-python writes with its ProtobufSerializer (the schema registered as
// base64, which Apicurio keeps so); rdstreams reads into the known type without
// parsing it. And the reverse.
func TestPythonInterop(t *testing.T) {
	fdp := userFile(testregistry.Subject("pyuser") + ".proto")
	schema := descriptorSet(t, fdp)
	md := message(t, build(t, fdp), "example.User")

	t.Run("python writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		testregistry.PythonWrite(t, "protobuf", topic, schema,
			map[string]any{"key": "py-1", "name": "Robert Zych", "favorite_number": 42, "favorite_color": "blue", "twitter_handle": "zychr"})
		got := testregistry.ReadN(t, topic, 1, serde.StringDeserializer(), dynamicDeserializer(t, md))
		require.NoError(t, got[0].Err())
		assert.Equal(t, "py-1", got[0].Key())
		assert.True(t, proto.Equal(user(md, "Robert Zych", 42, "blue", "zychr"), got[0].Value()), "got %v", got[0].Value())
	})
	t.Run("rdstreams writes", func(t *testing.T) {
		topic := testkafka.Topic(t, 1, nil)
		p := testregistry.Producer(t, serde.StringSerializer(), serializer[*dynamicpb.Message](t, nil))
		require.NoError(t, p.Produce(topic, "go-1", user(md, "Robert Zych", 42, "blue", "zychr")))
		testregistry.Flush(t, p)
		got := testregistry.PythonRead(t, "protobuf", topic, schema, 1)
		// MessageToDict writes int64 as a string, as proto3's JSON mapping says.
		assert.Equal(t, []map[string]any{{"key": "go-1", "name": "Robert Zych", "favorite_number": "42",
			"favorite_color": "blue", "twitter_handle": "zychr"}}, got)
	})
}

// A nil message is a null record, as Python's None.
func TestNilIsNull(t *testing.T) {
	b, err := serializer[*dynamicpb.Message](t, nil).Serialize(testregistry.Context(t), serde.SerializationContext{Topic: "t"}, nil)
	assert.NoError(t, err)
	assert.Nil(t, b)
	b, err = serializer[*wrapperspb.StringValue](t, nil).Serialize(testregistry.Context(t), serde.SerializationContext{Topic: "t"}, nil)
	assert.NoError(t, err)
	assert.Nil(t, b)
}
