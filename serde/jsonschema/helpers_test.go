package jsonschema_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/serde/jsonschema"
)

// serializer is a JSON Schema serializer of User for schema on the test registry.
func serializer(t *testing.T, schema string, conf map[string]any) *jsonschema.Serializer[User] {
	t.Helper()
	s, err := jsonschema.NewSerializer[User](schema, testregistry.Client(t), conf)
	require.NoError(t, err)
	return s
}

// deserializer is a JSON Schema deserializer of User (schema "": the writer's) on the
// test registry.
func deserializer(t *testing.T, schema string) *jsonschema.Deserializer[User] {
	t.Helper()
	d, err := jsonschema.NewDeserializer[User](schema, testregistry.Client(t), nil)
	require.NoError(t, err)
	return d
}
