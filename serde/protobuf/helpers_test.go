package protobuf_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/serde/protobuf"
)

// testTime is a fixed instant with nanoseconds, for the well-known Timestamp.
var testTime = time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)

// field is a singular proto3 field of the given type (typeName for messages).
func field(name string, number int32, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
	f := &descriptorpb.FieldDescriptorProto{
		Name: proto.String(name), JsonName: proto.String(name), Number: proto.Int32(number),
		Type: typ.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
	}
	if typeName != "" {
		f.TypeName = proto.String(typeName)
	}
	return f
}

// userFile is the seed's user.proto (package example; message User with name,
// favorite_number, favorite_color, twitter_handle), with a nested and a second
// message for the message indexes.
func userFile(name string) *descriptorpb.FileDescriptorProto {
	str, i64 := descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_TYPE_INT64
	return &descriptorpb.FileDescriptorProto{
		Name: proto.String(name), Package: proto.String("example"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("User"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, str, ""), field("favorite_number", 2, i64, ""),
				field("favorite_color", 3, str, ""), field("twitter_handle", 4, str, ""),
			},
			NestedType: []*descriptorpb.DescriptorProto{{Name: proto.String("Badge"), Field: []*descriptorpb.FieldDescriptorProto{field("label", 1, str, "")}}},
		}, {
			Name:  proto.String("Team"),
			Field: []*descriptorpb.FieldDescriptorProto{field("title", 1, str, "")},
		}},
	}
}

// build makes file descriptors from protos (imports first) in a registry of their own.
func build(t *testing.T, files ...*descriptorpb.FileDescriptorProto) *protoregistry.Files {
	t.Helper()
	reg := new(protoregistry.Files)
	for _, f := range files {
		fd, err := protodesc.NewFile(f, reg)
		require.NoError(t, err)
		require.NoError(t, reg.RegisterFile(fd))
	}
	return reg
}

// message is the descriptor of the message named name in reg.
func message(t *testing.T, reg *protoregistry.Files, name string) protoreflect.MessageDescriptor {
	t.Helper()
	d, err := reg.FindDescriptorByName(protoreflect.FullName(name))
	require.NoError(t, err)
	return d.(protoreflect.MessageDescriptor)
}

// user is a dynamic example.User.
func user(md protoreflect.MessageDescriptor, name string, number int64, color, handle string) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	f := md.Fields()
	m.Set(f.ByName("name"), protoreflect.ValueOfString(name))
	m.Set(f.ByName("favorite_number"), protoreflect.ValueOfInt64(number))
	m.Set(f.ByName("favorite_color"), protoreflect.ValueOfString(color))
	m.Set(f.ByName("twitter_handle"), protoreflect.ValueOfString(handle))
	return m
}

// serializer is a Protobuf serializer on the test registry.
func serializer[T proto.Message](t *testing.T, conf map[string]any) *protobuf.Serializer[T] {
	t.Helper()
	s, err := protobuf.NewSerializer[T](testregistry.Client(t), conf)
	require.NoError(t, err)
	return s
}

// dynamicDeserializer reads md messages, looking ids up in the test registry.
func dynamicDeserializer(t *testing.T, md protoreflect.MessageDescriptor) *protobuf.Deserializer[*dynamicpb.Message] {
	t.Helper()
	d, err := protobuf.NewDynamicDeserializer(md, testregistry.Client(t), nil)
	require.NoError(t, err)
	return d
}

// descriptorSet is files (imports first) as the base64 FileDescriptorSet the Python
// interop script takes.
func descriptorSet(t *testing.T, files ...*descriptorpb.FileDescriptorProto) string {
	t.Helper()
	raw, err := proto.Marshal(&descriptorpb.FileDescriptorSet{File: files})
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(raw)
}
