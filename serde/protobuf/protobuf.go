package protobuf

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
)

// ReferenceSubjectNameStrategy names the subject an imported .proto file is
// registered under; the default is its import path, as in Python.
type ReferenceSubjectNameStrategy func(topic string, field serde.MessageField, importPath string) (string, error)

// ImportPathStrategy is the default ReferenceSubjectNameStrategy: the import path.
func ImportPathStrategy(_ string, _ serde.MessageField, importPath string) (string, error) {
	return importPath, nil
}

// isKnown reports a file of the well-known or Confluent types, which Python does not
// register (skip.known.types).
func isKnown(path string) bool {
	return strings.HasPrefix(path, "google/protobuf/") || strings.HasPrefix(path, "google/type/") ||
		strings.HasPrefix(path, "confluent/")
}

// schemaText is a file as Python registers it: its FileDescriptorProto, base64.
func schemaText(fd protoreflect.FileDescriptor) (string, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(protodesc.ToFileDescriptorProto(fd))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Serializer writes protobuf messages of type T: Python's ProtobufSerializer.
type Serializer[T proto.Message] struct {
	client    *schemaregistry.Client
	conf      serde.SerializerConfig
	skipKnown bool
	refName   ReferenceSubjectNameStrategy

	mu      sync.Mutex
	writers map[string]writer // by subject and message name
}

type writer struct {
	id      int
	indexes []byte
}

// NewSerializer makes a serializer with Python's configuration names:
// auto.register.schemas, normalize.schemas, use.latest.version, use.schema.id,
// subject.name.strategy(.type), skip.known.types (default true),
// reference.subject.name.strategy (a ReferenceSubjectNameStrategy) and
// use.deprecated.format (false only, as in Python now).
func NewSerializer[T proto.Message](client *schemaregistry.Client, conf map[string]any) (*Serializer[T], error) {
	r := serde.ReadConf("protobuf.NewSerializer", conf)
	s := &Serializer[T]{
		client:    client,
		conf:      r.Serializer(),
		skipKnown: r.Bool("skip.known.types", true),
		refName:   ImportPathStrategy,
		writers:   map[string]writer{},
	}
	if r.Bool("use.deprecated.format", false) {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "protobuf.NewSerializer: use.deprecated.format is no longer supported")
	}
	if v := r.Any("reference.subject.name.strategy"); v != nil {
		switch f := v.(type) {
		case ReferenceSubjectNameStrategy:
			s.refName = f
		case func(string, serde.MessageField, string) (string, error):
			s.refName = f
		default:
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "protobuf.NewSerializer: reference.subject.name.strategy: want a protobuf.ReferenceSubjectNameStrategy")
		}
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "protobuf.NewSerializer: a schema registry client is required")
	}
	return s, nil
}

// Serialize writes v after the wire format's header and message indexes, registering
// (or looking up) its .proto file and the files it imports first, once per subject.
func (s *Serializer[T]) Serialize(ctx context.Context, sc serde.SerializationContext, v T) ([]byte, error) {
	if serde.IsNull(v) {
		return nil, nil // a nil message is a null value, as Python's None
	}
	m := v.ProtoReflect()
	md := m.Descriptor()
	subject, err := s.conf.Subject(sc, string(md.FullName()))
	if err != nil {
		return nil, err
	}
	w, err := s.writer(ctx, sc, subject, md)
	if err != nil {
		return nil, err
	}
	out := append(serde.AppendHeader(make([]byte, 0, 64), w.id), w.indexes...)
	out, err = proto.MarshalOptions{}.MarshalAppend(out, v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", md.FullName(), err)
	}
	return out, nil
}

func (s *Serializer[T]) writer(ctx context.Context, sc serde.SerializationContext, subject string, md protoreflect.MessageDescriptor) (writer, error) {
	key := subject + "\x00" + string(md.FullName())
	s.mu.Lock()
	w, ok := s.writers[key]
	s.mu.Unlock()
	if ok {
		return w, nil
	}
	schema, err := s.fileSchema(ctx, sc, md.ParentFile())
	if err != nil {
		return writer{}, err
	}
	id, _, err := s.conf.WriterSchema(ctx, s.client, subject, schema)
	if err != nil {
		return writer{}, err
	}
	w = writer{id: id, indexes: appendIndexes(nil, indexes(md))}
	s.mu.Lock()
	s.writers[key] = w
	s.mu.Unlock()
	return w, nil
}

// fileSchema is fd as a registry schema, the files it imports registered (with
// auto.register.schemas) or looked up as its references.
func (s *Serializer[T]) fileSchema(ctx context.Context, sc serde.SerializationContext, fd protoreflect.FileDescriptor) (schemaregistry.Schema, error) {
	text, err := schemaText(fd)
	if err != nil {
		return schemaregistry.Schema{}, fmt.Errorf("%s: %w", fd.Path(), err)
	}
	schema := schemaregistry.Schema{Schema: text, SchemaType: schemaregistry.Protobuf}
	imports := fd.Imports()
	for i := 0; i < imports.Len(); i++ {
		dep := imports.Get(i).FileDescriptor
		if s.skipKnown && isKnown(dep.Path()) {
			continue
		}
		depSchema, err := s.fileSchema(ctx, sc, dep)
		if err != nil {
			return schemaregistry.Schema{}, err
		}
		subject, err := s.refName(sc.Topic, sc.Field, dep.Path())
		if err != nil {
			return schemaregistry.Schema{}, err
		}
		if s.conf.AutoRegister {
			if _, err := s.client.RegisterSchema(ctx, subject, depSchema, s.conf.Normalize); err != nil {
				return schemaregistry.Schema{}, err
			}
		}
		rs, err := s.client.LookupSchema(ctx, subject, depSchema, s.conf.Normalize)
		if err != nil {
			return schemaregistry.Schema{}, err
		}
		schema.References = append(schema.References, schemaregistry.Reference{Name: dep.Path(), Subject: subject, Version: rs.Version})
	}
	return schema, nil
}

// Deserializer reads protobuf messages into T: Python's ProtobufDeserializer.
type Deserializer[T proto.Message] struct {
	client *schemaregistry.Client
	newMsg func() T
	name   protoreflect.FullName
}

// NewDeserializer makes a deserializer into the generated message type T (e.g.
// *userpb.User). client may be nil: records are then decoded without looking their
// schema id up, as Python's deserializer does without a registry. No configuration
// name is read yet besides Python's use.deprecated.format (false only).
func NewDeserializer[T proto.Message](client *schemaregistry.Client, conf map[string]any) (*Deserializer[T], error) {
	mt := messageType[T]()
	if mt == nil {
		var zero T
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "protobuf.NewDeserializer: %T has no message type of its own; use NewDynamicDeserializer", zero)
	}
	return newDeserializer(client, conf, mt, func() T { return mt.New().Interface().(T) })
}

// messageType is the message type of a generated T, read from its nil value; nil for
// a type that has none (a dynamic message panics when asked).
func messageType[T proto.Message]() (mt protoreflect.MessageType) {
	defer func() {
		if recover() != nil {
			mt = nil
		}
	}()
	var zero T
	mt = zero.ProtoReflect().Type()
	if mt == nil || mt.Descriptor() == nil {
		return nil
	}
	return mt
}

// NewDynamicDeserializer makes a deserializer into dynamic messages of md, for a type
// known by its descriptor only.
func NewDynamicDeserializer(md protoreflect.MessageDescriptor, client *schemaregistry.Client, conf map[string]any) (*Deserializer[*dynamicpb.Message], error) {
	mt := dynamicpb.NewMessageType(md)
	return newDeserializer(client, conf, mt, func() *dynamicpb.Message { return dynamicpb.NewMessage(md) })
}

func newDeserializer[T proto.Message](client *schemaregistry.Client, conf map[string]any, mt protoreflect.MessageType, newMsg func() T) (*Deserializer[T], error) {
	r := serde.ReadConf("protobuf.NewDeserializer", conf)
	if r.Bool("use.deprecated.format", false) {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "protobuf.NewDeserializer: use.deprecated.format is no longer supported")
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return &Deserializer[T]{client: client, newMsg: newMsg, name: mt.Descriptor().FullName()}, nil
}

// Deserialize checks the wire format's header, looks the schema id up (when there is
// a client), skips the message indexes and decodes the rest into a new T.
func (d *Deserializer[T]) Deserialize(ctx context.Context, _ serde.SerializationContext, data []byte) (T, error) {
	var zero T
	id, rest, err := serde.ParseHeader(data)
	if err != nil {
		return zero, err
	}
	if d.client != nil {
		if _, err := d.client.GetSchema(ctx, id); err != nil {
			return zero, fmt.Errorf("schema id %d: %w", id, err)
		}
	}
	_, payload, err := readIndexes(rest)
	if err != nil {
		return zero, fmt.Errorf("schema id %d: %w", id, err)
	}
	m := d.newMsg()
	if err := proto.Unmarshal(payload, m); err != nil {
		return zero, fmt.Errorf("schema id %d: decoding %s: %w", id, d.name, err)
	}
	return m, nil
}
