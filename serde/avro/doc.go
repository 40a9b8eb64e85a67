// Package avro is confluent-kafka-python's AvroSerializer and AvroDeserializer in Go,
// on github.com/hamba/avro/v2: values written in Avro's binary encoding after the
// Confluent wire format's magic byte and schema id, the schema registered under the
// subject the strategy names (the record name the record strategies use is the
// schema's full name).
//
// Values are generic — map[string]any for records, a union's value as itself (nil for
// null), as Python's dicts — or Go structs whose fields carry `avro:"name"` tags (a
// pointer field for a ["null", T] union). Reading resolves the writer's schema against
// the reader's (the deserializer's own schema, or the subject's latest with
// use.latest.version) by Avro's schema resolution rules; without one it reads with the
// writer's schema. Named types from schema references are fetched and resolved.
package avro
