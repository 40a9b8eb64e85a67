// Package protobuf is confluent-kafka-python's ProtobufSerializer and
// ProtobufDeserializer in Go, on google.golang.org/protobuf: a message written after
// the Confluent wire format's magic byte, schema id and message indexes (where the
// message type sits in its .proto file), its file registered under the subject the
// strategy names (the record name is the message's full name) and each file it imports
// under a subject of its own, as a schema reference (Python's
// reference.subject.name.strategy: the import path), well-known types skipped
// (skip.known.types).
//
// Schemas are registered as Python registers them: the base64 of the file's
// FileDescriptorProto. The deserializer decodes into the reader's own message type
// (a generated type, or a dynamicpb type from a descriptor) without parsing the
// writer's schema, as Python does; Apicurio Registry keeps a schema registered this way
// as base64, which a deserializer that parsed the writer's schema as .proto text would
// fail on. The writer's schema id is still looked up, so an unknown id fails the record.
package protobuf
