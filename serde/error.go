package serde

import "github.com/rdstreams/rdstreams/kafkaerror"

// Error is a key or value that could not be serialized when producing or deserialized
// when consuming: Python's KeySerializationError, ValueSerializationError,
// KeyDeserializationError and ValueDeserializationError. Its code is
// kafkaerror.KeySerialization (-162), ValueSerialization (-161), KeyDeserialization
// (-160) or ValueDeserialization (-159), and its text the cause's, as in Python; for a
// registry's refusal that ends "(HTTP status code N, SR code M)".
//
// errors.Is(err, kafkaerror.ValueSerialization) matches it, errors.As finds both its
// *kafkaerror.Error and its cause (e.g. a *schemaregistry.Error).
type Error struct {
	kafka *kafkaerror.Error
	cause error
}

func newError(code kafkaerror.Code, cause error) *Error {
	return &Error{kafka: kafkaerror.New(code, cause.Error(), kafkaerror.Flags{}), cause: cause}
}

// Error is the cause's text.
func (e *Error) Error() string { return e.kafka.Error() }

// Code is one of the four serialization codes.
func (e *Error) Code() kafkaerror.Code { return e.kafka.Code() }

// Kafka is the error as a *kafkaerror.Error (Python's KafkaError, e.args[0]).
func (e *Error) Kafka() *kafkaerror.Error { return e.kafka }

// Unwrap gives the *kafkaerror.Error and the cause.
func (e *Error) Unwrap() []error { return []error{e.kafka, e.cause} }

func fieldCode(f MessageField, serializing bool) kafkaerror.Code {
	switch {
	case f == Key && serializing:
		return kafkaerror.KeySerialization
	case serializing:
		return kafkaerror.ValueSerialization
	case f == Key:
		return kafkaerror.KeyDeserialization
	}
	return kafkaerror.ValueDeserialization
}

// SerializationError wraps cause as the error a producer returns for a key or value it
// could not serialize; for a format package's own use and tests.
func SerializationError(f MessageField, cause error) *Error {
	return newError(fieldCode(f, true), cause)
}

// DeserializationError wraps cause as the error a consumer sets on a message whose key
// or value it could not deserialize.
func DeserializationError(f MessageField, cause error) *Error {
	return newError(fieldCode(f, false), cause)
}
