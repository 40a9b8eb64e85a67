package serde

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// StringSerializer writes a string as its UTF-8 bytes (Python's
// StringSerializer('utf_8'); Go strings are UTF-8 already). An empty string is an
// empty key or value, not a null one.
func StringSerializer() Serializer[string] {
	return SerializerFunc[string](func(_ context.Context, _ SerializationContext, v string) ([]byte, error) {
		return []byte(v), nil
	})
}

// StringDeserializer reads UTF-8 bytes as a string; bytes that are not UTF-8 are an
// error, as Python's UnicodeDecodeError.
func StringDeserializer() Deserializer[string] {
	return DeserializerFunc[string](func(_ context.Context, _ SerializationContext, data []byte) (string, error) {
		if !utf8.Valid(data) {
			return "", fmt.Errorf("'utf-8' codec can't decode %d bytes: not valid UTF-8", len(data))
		}
		return string(data), nil
	})
}

// IntegerSerializer writes a 32-bit signed integer as 4 bytes, big-endian (Python's
// IntegerSerializer, Java's IntegerSerializer).
func IntegerSerializer() Serializer[int32] {
	return SerializerFunc[int32](func(_ context.Context, _ SerializationContext, v int32) ([]byte, error) {
		return binary.BigEndian.AppendUint32(nil, uint32(v)), nil
	})
}

// IntegerDeserializer reads 4 big-endian bytes as a 32-bit signed integer.
func IntegerDeserializer() Deserializer[int32] {
	return DeserializerFunc[int32](func(_ context.Context, _ SerializationContext, data []byte) (int32, error) {
		if len(data) != 4 {
			return 0, fmt.Errorf("an integer is 4 bytes, got %d", len(data))
		}
		return int32(binary.BigEndian.Uint32(data)), nil
	})
}

// DoubleSerializer writes a float64 as 8 bytes of IEEE 754, big-endian (Python's
// DoubleSerializer, Java's DoubleSerializer).
func DoubleSerializer() Serializer[float64] {
	return SerializerFunc[float64](func(_ context.Context, _ SerializationContext, v float64) ([]byte, error) {
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(v)), nil
	})
}

// DoubleDeserializer reads 8 big-endian bytes of IEEE 754 as a float64.
func DoubleDeserializer() Deserializer[float64] {
	return DeserializerFunc[float64](func(_ context.Context, _ SerializationContext, data []byte) (float64, error) {
		if len(data) != 8 {
			return 0, fmt.Errorf("a double is 8 bytes, got %d", len(data))
		}
		return math.Float64frombits(binary.BigEndian.Uint64(data)), nil
	})
}

// BytesSerializer passes bytes through unchanged; nil is a null key or value. It is
// the serializer for records without a key.
func BytesSerializer() Serializer[[]byte] {
	return SerializerFunc[[]byte](func(_ context.Context, _ SerializationContext, v []byte) ([]byte, error) {
		return v, nil
	})
}

// BytesDeserializer passes bytes through unchanged.
func BytesDeserializer() Deserializer[[]byte] {
	return DeserializerFunc[[]byte](func(_ context.Context, _ SerializationContext, data []byte) ([]byte, error) {
		return data, nil
	})
}
