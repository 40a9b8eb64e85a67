package testregistry

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/schemaregistry"
)

// NoRegistry explains how to give the tests a schema registry.
const NoRegistry = "no schema registry: SCHEMA_REGISTRY_URL is not set. Run the tests with `make test` " +
	"(it starts Apicurio Registry beside the broker), or start one with `registry/registry.sh up` and " +
	"`eval \"$(registry/registry.sh env)\"`, or point SCHEMA_REGISTRY_URL at a Confluent-compatible registry of yours"

// URL is the registry's Confluent-compatible API from SCHEMA_REGISTRY_URL; the test
// fails when it is unset.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SCHEMA_REGISTRY_URL")
	if u == "" {
		t.Fatal(NoRegistry)
	}
	return u
}

// Client is a client of the test registry with a fresh cache, closed when the test
// ends.
func Client(t testing.TB) *schemaregistry.Client {
	t.Helper()
	c, err := schemaregistry.New(map[string]any{"url": URL(t)})
	if err != nil {
		t.Fatalf("schemaregistry.New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Subject is a subject name of this test's own: prefix, a dash and random hex.
func Subject(prefix string) string { return testkafka.UniqueName(prefix) }

// Context is a context for registry calls that ends with the test or after a minute.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
