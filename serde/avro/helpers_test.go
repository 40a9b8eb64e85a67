package avro_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde/avro"
)

// serializer is an Avro serializer for schema on the test registry.
func serializer[T any](t *testing.T, schema string, conf map[string]any) *avro.Serializer[T] {
	t.Helper()
	s, err := avro.NewSerializer[T](schema, testregistry.Client(t), conf)
	require.NoError(t, err)
	return s
}

// deserializer is an Avro deserializer (schema "": the writer's) on the test registry.
func deserializer[T any](t *testing.T, schema string, conf map[string]any) *avro.Deserializer[T] {
	t.Helper()
	d, err := avro.NewDeserializer[T](schema, testregistry.Client(t), conf)
	require.NoError(t, err)
	return d
}

// avroSchema is an Avro schema text as the registry takes it.
func avroSchema(text string) schemaregistry.Schema {
	return schemaregistry.Schema{Schema: text, SchemaType: schemaregistry.Avro}
}
