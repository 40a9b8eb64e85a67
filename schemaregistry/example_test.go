package schemaregistry_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/schemaregistry"
)

// Register a JSON schema under a subject, then find it again and read it by id.
func ExampleClient_RegisterSchema() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := schemaregistry.New(map[string]any{"url": os.Getenv("SCHEMA_REGISTRY_URL")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	subject := testkafka.UniqueName("example-user") + "-value"
	schema := schemaregistry.Schema{
		Schema:     `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"name":{"type":"string"}}}`,
		SchemaType: schemaregistry.JSON,
	}
	id, err := client.RegisterSchema(ctx, subject, schema, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	found, err := client.LookupSchema(ctx, subject, schema, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	byID, err := client.GetSchema(ctx, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same id:", found.ID == id, "version:", found.Version, "type:", byID.Type())
	// Output: same id: true version: 1 type: JSON
}

// A refusal carries the registry's HTTP status and its own code.
func ExampleError() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := schemaregistry.New(map[string]any{"url": os.Getenv("SCHEMA_REGISTRY_URL")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	_, err = client.GetLatestVersion(ctx, testkafka.UniqueName("no-such-subject"))
	var srErr *schemaregistry.Error
	if errors.As(err, &srErr) {
		fmt.Println("HTTP", srErr.HTTPStatus, "not found:", schemaregistry.IsNotFound(err))
	}
	// Output: HTTP 404 not found: true
}
