package schemaregistry

import (
	"encoding/json"
	"fmt"
)

// The schema types a registry knows, as Schema.SchemaType spells them. An empty type is
// Avro, the registry's default.
const (
	Avro     = "AVRO"
	Protobuf = "PROTOBUF"
	JSON     = "JSON"
)

// Schema is a schema's text, its type and the schemas it references.
type Schema struct {
	// Schema is the schema's text: Avro or JSON Schema as JSON, Protobuf as a .proto file
	// or a base64 FileDescriptorProto (as Python registers one).
	Schema string `json:"schema"`
	// SchemaType is Avro, Protobuf or JSON; empty means Avro.
	SchemaType string `json:"schemaType,omitempty"`
	// References are the schemas this one imports, each registered under its own subject.
	References []Reference `json:"references,omitempty"`
}

// Type is the schema's type with the registry's default filled in: Avro when empty.
func (s Schema) Type() string {
	if s.SchemaType == "" {
		return Avro
	}
	return s.SchemaType
}

// Reference names a schema that another one imports: Name is how the importing schema
// refers to it (a Protobuf import path, an Avro full name, a JSON $ref), Subject and
// Version where it is registered.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// RegisteredSchema is a schema as registered under a subject: its global id and its
// version within the subject.
type RegisteredSchema struct {
	ID      int    `json:"id"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
	Schema
}

// Compatibility is a compatibility level: which schemas a registry accepts as a new
// version of a subject.
type Compatibility string

// The compatibility levels. Confluent's registry starts at Backward; Apicurio at None.
const (
	None               Compatibility = "NONE"
	Backward           Compatibility = "BACKWARD"
	BackwardTransitive Compatibility = "BACKWARD_TRANSITIVE"
	Forward            Compatibility = "FORWARD"
	ForwardTransitive  Compatibility = "FORWARD_TRANSITIVE"
	Full               Compatibility = "FULL"
	FullTransitive     Compatibility = "FULL_TRANSITIVE"
)

// Config is a subject's or the registry's configuration (Python's ServerConfig): its
// compatibility level and whether schemas are normalized when registered.
type Config struct {
	Compatibility Compatibility
	Normalize     *bool
}

type configBody struct {
	Compatibility      Compatibility `json:"compatibility,omitempty"`
	CompatibilityLevel Compatibility `json:"compatibilityLevel,omitempty"`
	Normalize          *bool         `json:"normalize,omitempty"`
}

// Latest stands for a subject's latest version where a version number is asked for.
const Latest = -1

func versionPath(version int) string {
	if version == Latest {
		return "latest"
	}
	return fmt.Sprint(version)
}

// Error is a registry's answer to a request it refused: Python's SchemaRegistryError.
type Error struct {
	// HTTPStatus is the response's HTTP status, e.g. 409.
	HTTPStatus int
	// Code is the registry's own error code (error_code), e.g. 40401 for an unknown
	// subject; -1 when the response carried none.
	Code int
	// Message is the registry's message, or the response body when it was not JSON.
	Message string
}

// Error reads as Python's: the message, then "(HTTP status code N, SR code M)".
func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP status code %d, SR code %d)", e.Message, e.HTTPStatus, e.Code)
}

func responseError(status int, body []byte) *Error {
	var b struct {
		ErrorCode *int   `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.ErrorCode == nil {
		return &Error{HTTPStatus: status, Code: -1, Message: string(body)}
	}
	return &Error{HTTPStatus: status, Code: *b.ErrorCode, Message: b.Message}
}
