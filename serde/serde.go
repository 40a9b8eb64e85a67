package serde

import (
	"context"
	"reflect"

	"github.com/rdstreams/rdstreams/message"
)

// MessageField says which part of a record is serialized: its key or its value.
type MessageField int

// The two fields of a record, as Python's MessageField.KEY and MessageField.VALUE.
const (
	Value MessageField = iota
	Key
)

// String is "key" or "value".
func (f MessageField) String() string {
	if f == Key {
		return "key"
	}
	return "value"
}

// SerializationContext is what a serializer knows of the record it works on: its topic,
// which field, and (when consuming) the record's headers. Python's SerializationContext.
type SerializationContext struct {
	Topic   string
	Field   MessageField
	Headers []message.Header
}

// Serializer turns a T into the bytes of a record's key or value. A nil result is a
// null key or value. ctx bounds any call to a schema registry.
type Serializer[T any] interface {
	Serialize(ctx context.Context, sc SerializationContext, v T) ([]byte, error)
}

// Deserializer turns a record's key or value bytes into a T. It is not called for a
// null key or value: those read as T's zero value.
type Deserializer[T any] interface {
	Deserialize(ctx context.Context, sc SerializationContext, data []byte) (T, error)
}

// SerializerFunc makes a function a Serializer.
type SerializerFunc[T any] func(ctx context.Context, sc SerializationContext, v T) ([]byte, error)

// Serialize calls f.
func (f SerializerFunc[T]) Serialize(ctx context.Context, sc SerializationContext, v T) ([]byte, error) {
	return f(ctx, sc, v)
}

// DeserializerFunc makes a function a Deserializer.
type DeserializerFunc[T any] func(ctx context.Context, sc SerializationContext, data []byte) (T, error)

// Deserialize calls f.
func (f DeserializerFunc[T]) Deserialize(ctx context.Context, sc SerializationContext, data []byte) (T, error) {
	return f(ctx, sc, data)
}

// IsNull reports whether v is Go's form of Python's None: nil, or a nil pointer, map,
// slice or interface. The schema serializers write it as a null key or value without
// asking the registry anything, as Python's do.
func IsNull(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
