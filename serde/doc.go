// Package serde is confluent-kafka-python's serialization layer in Go:
// SerializingProducer and DeserializingConsumer with typed keys and values
// ([Producer], [Consumer]), the String, Integer and Double serdes, the Confluent wire
// format (a magic byte and the schema id before the payload) and subject name
// strategies. The schema-registry serializers live in its subpackages: jsonschema
// (JSON Schema, validated as in Python), avro (generic values and Go structs) and
// protobuf (message indexes, references), all over a [schemaregistry.Client].
//
// Failures read as in Python: a key or value that cannot be serialized makes Produce
// return an [*Error] with code _KEY_SERIALIZATION (-162) or _VALUE_SERIALIZATION
// (-161); one that cannot be deserialized comes back as a message whose Err is an
// [*Error] with code _KEY_DESERIALIZATION (-160) or _VALUE_DESERIALIZATION (-159). The
// text is the cause's, which for a registry's refusal ends "(HTTP status code 409, SR
// code 409)".
//
// Serializer configurations use Python's names (auto.register.schemas,
// normalize.schemas, use.latest.version, use.schema.id, subject.name.strategy, …), read
// by one [Conf] so each format words its errors alike.
package serde
