// Package jsonschema is confluent-kafka-python's JSONSerializer and JSONDeserializer in
// Go: values written as JSON after the Confluent wire format's magic byte and schema
// id, validated against the JSON Schema on both sides (validate, on by default, as in
// Python), the schema registered under the subject the strategy names.
//
// A Go value becomes JSON with encoding/json (Python's to_dict is the value's JSON
// form: struct tags, or a json.Marshaler) and is read back the same way (from_dict).
// The record name the record strategies use is the schema's title.
//
// Write schemas as draft-07: Apicurio Registry, the registry rdstreams is tested
// against, cannot check the compatibility of 2020-12 schemas. A schema without
// $schema is read as draft-07.
package jsonschema
