package jsonschema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
)

// compiled is a schema ready to validate with, and its title.
type compiled struct {
	schema *jsv.Schema
	title  string
}

// compile parses and compiles a JSON Schema (draft-07 unless it says otherwise).
func compile(text string) (*compiled, error) {
	doc, err := jsv.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("the JSON schema is not JSON: %w", err)
	}
	c := jsv.NewCompiler()
	c.DefaultDraft(jsv.Draft7)
	const loc = "urn:rdstreams:schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("the JSON schema: %w", err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("the JSON schema does not compile: %w", err)
	}
	var title string
	if m, ok := doc.(map[string]any); ok {
		title, _ = m["title"].(string)
	}
	return &compiled{schema: s, title: title}, nil
}

// validate checks a JSON document against the schema; the error names what failed and
// where, in one line.
func (c *compiled) validate(doc []byte) error {
	inst, err := jsv.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	err = c.schema.Validate(inst)
	var ve *jsv.ValidationError
	if errors.As(err, &ve) {
		var parts []string
		for _, u := range ve.BasicOutput().Errors {
			if u.Error != nil {
				loc := u.InstanceLocation
				if loc == "" {
					loc = "/"
				}
				parts = append(parts, fmt.Sprintf("at %s: %s", loc, u.Error))
			}
		}
		return fmt.Errorf("the value does not match its JSON schema: %s", strings.Join(parts, "; "))
	}
	return err
}

// Serializer writes a T as JSON validated against its schema: Python's JSONSerializer.
type Serializer[T any] struct {
	client   *schemaregistry.Client
	schema   schemaregistry.Schema
	own      *compiled
	conf     serde.SerializerConfig
	validate bool

	writers serde.Writers[*compiled] // by subject
}

// NewSerializer makes a serializer for schema (a JSON Schema document, draft-07) with
// Python's configuration names: auto.register.schemas, normalize.schemas,
// use.latest.version, use.schema.id, subject.name.strategy(.type) and validate.
func NewSerializer[T any](schema string, client *schemaregistry.Client, conf map[string]any) (*Serializer[T], error) {
	r := serde.ReadConf("jsonschema.NewSerializer", conf)
	s := &Serializer[T]{
		client:   client,
		schema:   schemaregistry.Schema{Schema: schema, SchemaType: schemaregistry.JSON},
		conf:     r.Serializer(),
		validate: r.Bool("validate", true),
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "jsonschema.NewSerializer: a schema registry client is required")
	}
	own, err := compile(schema)
	if err != nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "jsonschema.NewSerializer: %v", err)
	}
	s.own = own
	return s, nil
}

// Serialize validates v's JSON against the schema and writes it after the wire
// format's header, registering or looking up the schema first (once per subject). A
// nil v (serde.IsNull) is a null value.
func (s *Serializer[T]) Serialize(ctx context.Context, sc serde.SerializationContext, v T) ([]byte, error) {
	if serde.IsNull(v) {
		return nil, nil
	}
	subject, err := s.conf.Subject(sc, s.own.title)
	if err != nil {
		return nil, err
	}
	w, err := s.writer(ctx, subject)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if s.validate {
		if err := w.Schema.validate(doc); err != nil {
			return nil, err
		}
	}
	return append(serde.AppendHeader(make([]byte, 0, 5+len(doc)), w.ID), doc...), nil
}

func (s *Serializer[T]) writer(ctx context.Context, subject string) (serde.Writer[*compiled], error) {
	return s.writers.Get(ctx, s.conf, s.client, subject, s.schema, s.own, func(_ context.Context, used schemaregistry.Schema) (*compiled, error) { return compile(used.Schema) })
}

// Deserializer reads JSON written with a schema into a T: Python's JSONDeserializer.
type Deserializer[T any] struct {
	client   *schemaregistry.Client
	reader   *compiled
	conf     serde.DeserializerConfig
	validate bool

	mu   sync.Mutex
	byID map[int]*compiled // compiled writer and latest schemas
}

// NewDeserializer makes a deserializer that validates against schema when it is not
// "", else against the writer's schema fetched by the record's id from client (client
// may be nil with a schema given: the id is then not looked up). Configuration:
// use.latest.version, subject.name.strategy(.type), validate.
func NewDeserializer[T any](schema string, client *schemaregistry.Client, conf map[string]any) (*Deserializer[T], error) {
	r := serde.ReadConf("jsonschema.NewDeserializer", conf)
	d := &Deserializer[T]{
		client:   client,
		conf:     r.Deserializer(),
		validate: r.Bool("validate", true),
		byID:     map[int]*compiled{},
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if schema == "" && client == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "jsonschema.NewDeserializer: give a schema or a schema registry client")
	}
	if d.conf.UseLatest && client == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "jsonschema.NewDeserializer: use.latest.version needs a schema registry client")
	}
	if schema != "" {
		var err error
		if d.reader, err = compile(schema); err != nil {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "jsonschema.NewDeserializer: %v", err)
		}
	}
	return d, nil
}

// Deserialize checks the wire format's header, validates the JSON against the
// subject's latest schema (use.latest.version), the deserializer's own schema, or the
// writer's (in that order, as Python), and decodes it into a T.
func (d *Deserializer[T]) Deserialize(ctx context.Context, sc serde.SerializationContext, data []byte) (T, error) {
	var v T
	id, payload, err := serde.ParseHeader(data)
	if err != nil {
		return v, err
	}
	if d.validate {
		schema, err := d.readerSchema(ctx, sc, id)
		if err != nil {
			return v, err
		}
		if err := schema.validate(payload); err != nil {
			return v, err
		}
	}
	if err := json.Unmarshal(payload, &v); err != nil {
		return v, fmt.Errorf("schema id %d: decoding the JSON: %w", id, err)
	}
	return v, nil
}

func (d *Deserializer[T]) readerSchema(ctx context.Context, sc serde.SerializationContext, id int) (*compiled, error) {
	var writer *compiled
	if d.client != nil {
		// As in Python, the writer's schema is fetched whenever there is a registry: an
		// id it does not know fails the record even when another schema validates it.
		var err error
		if writer, err = d.writerSchema(ctx, id); err != nil {
			return nil, err
		}
	}
	switch {
	case d.conf.UseLatest:
		return d.latestSchema(ctx, sc)
	case d.reader != nil:
		return d.reader, nil
	}
	return writer, nil
}

func (d *Deserializer[T]) writerSchema(ctx context.Context, id int) (*compiled, error) {
	s, err := d.client.GetSchema(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	return d.compiled(id, s.Schema)
}

func (d *Deserializer[T]) latestSchema(ctx context.Context, sc serde.SerializationContext) (*compiled, error) {
	subject, err := d.conf.Subject(sc, "")
	if err != nil {
		return nil, err
	}
	rs, err := d.client.GetLatestVersion(ctx, subject)
	if err != nil {
		return nil, err
	}
	return d.compiled(rs.ID, rs.Schema.Schema)
}

// compiled is the schema with the given id compiled, once.
func (d *Deserializer[T]) compiled(id int, text string) (*compiled, error) {
	d.mu.Lock()
	c, ok := d.byID[id]
	d.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := compile(text)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	d.mu.Lock()
	d.byID[id] = c
	d.mu.Unlock()
	return c, nil
}
