package avro

import (
	"context"
	"fmt"
	"sync"

	"github.com/hamba/avro/v2"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
)

// parse parses an Avro schema in a cache of its own (so that two schemas with one
// full name never meet), after the named types of refs.
func parse(text string, refs []string) (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	for _, r := range refs {
		if _, err := avro.ParseWithCache(r, "", cache); err != nil {
			return nil, fmt.Errorf("a referenced Avro schema: %w", err)
		}
	}
	s, err := avro.ParseWithCache(text, "", cache)
	if err != nil {
		return nil, fmt.Errorf("the Avro schema: %w", err)
	}
	return s, nil
}

// fullName is a named schema's full name, "" for others.
func fullName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return ""
}

// resolve fetches the texts of every schema s references, depth first, so that their
// named types can be parsed before s.
func resolve(ctx context.Context, client *schemaregistry.Client, s schemaregistry.Schema, seen map[string]bool) ([]string, error) {
	var out []string
	for _, ref := range s.References {
		key := fmt.Sprintf("%s/%d", ref.Subject, ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		rs, err := client.GetVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return nil, fmt.Errorf("reference %q (subject %q version %d): %w", ref.Name, ref.Subject, ref.Version, err)
		}
		deeper, err := resolve(ctx, client, rs.Schema, seen)
		if err != nil {
			return nil, err
		}
		out = append(append(out, deeper...), rs.Schema.Schema)
	}
	return out, nil
}

// parseRegistered parses a schema from the registry with its references.
func parseRegistered(ctx context.Context, client *schemaregistry.Client, s schemaregistry.Schema) (avro.Schema, error) {
	refs, err := resolve(ctx, client, s, map[string]bool{})
	if err != nil {
		return nil, err
	}
	return parse(s.Schema, refs)
}

// marshal and unmarshal are hamba/avro's, with any panic of its reflection on an odd
// type turned into an error: none escapes.
func marshal(s avro.Schema, v any) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return avro.Marshal(s, v)
}

func unmarshal(s avro.Schema, data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return avro.Unmarshal(s, data, v)
}

// Serializer writes a T in Avro: Python's AvroSerializer.
type Serializer[T any] struct {
	client *schemaregistry.Client
	schema schemaregistry.Schema
	own    avro.Schema
	conf   serde.SerializerConfig

	writers serde.Writers[avro.Schema] // by subject
}

// NewSerializer makes a serializer for schema (an Avro schema as JSON; references, if
// any, registered already) with Python's configuration names: auto.register.schemas,
// normalize.schemas, use.latest.version, use.schema.id, subject.name.strategy(.type).
func NewSerializer[T any](schema string, client *schemaregistry.Client, conf map[string]any, references ...schemaregistry.Reference) (*Serializer[T], error) {
	r := serde.ReadConf("avro.NewSerializer", conf)
	s := &Serializer[T]{
		client: client,
		schema: schemaregistry.Schema{Schema: schema, SchemaType: schemaregistry.Avro, References: references},
		conf:   r.Serializer(),
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "avro.NewSerializer: a schema registry client is required")
	}
	var err error
	if len(references) > 0 {
		s.own, err = parseRegistered(context.Background(), client, s.schema)
	} else {
		s.own, err = parse(schema, nil)
	}
	if err != nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "avro.NewSerializer: %v", err)
	}
	return s, nil
}

// Serialize writes v in Avro after the wire format's header, registering or looking
// up the schema first (once per subject). A nil v (serde.IsNull) is a null value.
func (s *Serializer[T]) Serialize(ctx context.Context, sc serde.SerializationContext, v T) ([]byte, error) {
	if serde.IsNull(v) {
		return nil, nil
	}
	subject, err := s.conf.Subject(sc, fullName(s.own))
	if err != nil {
		return nil, err
	}
	w, err := s.writer(ctx, subject)
	if err != nil {
		return nil, err
	}
	payload, err := marshal(w.Schema, v)
	if err != nil {
		return nil, fmt.Errorf("the value does not fit its Avro schema: %w", err)
	}
	return append(serde.AppendHeader(make([]byte, 0, 5+len(payload)), w.ID), payload...), nil
}

func (s *Serializer[T]) writer(ctx context.Context, subject string) (serde.Writer[avro.Schema], error) {
	return s.writers.Get(ctx, s.conf, s.client, subject, s.schema, s.own, func(ctx context.Context, used schemaregistry.Schema) (avro.Schema, error) {
		return parseRegistered(ctx, s.client, used)
	})
}

// Deserializer reads Avro written with a registered schema into a T: Python's
// AvroDeserializer.
type Deserializer[T any] struct {
	client *schemaregistry.Client
	reader avro.Schema
	conf   serde.DeserializerConfig

	mu       sync.Mutex
	writers  map[int]avro.Schema
	resolved map[[2]int]avro.Schema // writer id, reader id (0: the deserializer's own)
}

// NewDeserializer makes a deserializer reading into T with schema as the reader's
// schema when it is not "" (else the writer's); client fetches writer schemas by id.
// Configuration: use.latest.version, subject.name.strategy(.type).
func NewDeserializer[T any](schema string, client *schemaregistry.Client, conf map[string]any) (*Deserializer[T], error) {
	r := serde.ReadConf("avro.NewDeserializer", conf)
	d := &Deserializer[T]{
		client:   client,
		conf:     r.Deserializer(),
		writers:  map[int]avro.Schema{},
		resolved: map[[2]int]avro.Schema{},
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "avro.NewDeserializer: a schema registry client is required")
	}
	if schema != "" {
		var err error
		if d.reader, err = parse(schema, nil); err != nil {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "avro.NewDeserializer: %v", err)
		}
	}
	return d, nil
}

// Deserialize checks the wire format's header, fetches the writer's schema by its id,
// resolves it against the reader's schema and decodes into a T.
func (d *Deserializer[T]) Deserialize(ctx context.Context, sc serde.SerializationContext, data []byte) (T, error) {
	var v T
	id, payload, err := serde.ParseHeader(data)
	if err != nil {
		return v, err
	}
	schema, err := d.readSchema(ctx, sc, id)
	if err != nil {
		return v, err
	}
	if err := unmarshal(schema, payload, &v); err != nil {
		return v, fmt.Errorf("schema id %d: decoding the Avro record: %w", id, err)
	}
	return v, nil
}

// readSchema is the schema to decode a record of writer schema id with: the writer's
// own, or the writer's resolved against the reader's.
func (d *Deserializer[T]) readSchema(ctx context.Context, sc serde.SerializationContext, id int) (avro.Schema, error) {
	writer, err := d.writerSchema(ctx, id)
	if err != nil {
		return nil, err
	}
	reader, readerID := d.reader, 0
	if d.conf.UseLatest {
		subject, err := d.conf.Subject(sc, fullName(writer))
		if err != nil {
			return nil, err
		}
		rs, err := d.client.GetLatestVersion(ctx, subject)
		if err != nil {
			return nil, err
		}
		if reader, err = d.writerSchema(ctx, rs.ID); err != nil {
			return nil, err
		}
		readerID = rs.ID
	}
	if reader == nil || readerID == id {
		return writer, nil
	}
	key := [2]int{id, readerID}
	d.mu.Lock()
	r, ok := d.resolved[key]
	d.mu.Unlock()
	if ok {
		return r, nil
	}
	if r, err = avro.NewSchemaCompatibility().Resolve(reader, writer); err != nil {
		return nil, fmt.Errorf("schema id %d cannot be read with the reader's schema: %w", id, err)
	}
	d.mu.Lock()
	d.resolved[key] = r
	d.mu.Unlock()
	return r, nil
}

func (d *Deserializer[T]) writerSchema(ctx context.Context, id int) (avro.Schema, error) {
	d.mu.Lock()
	s, ok := d.writers[id]
	d.mu.Unlock()
	if ok {
		return s, nil
	}
	rs, err := d.client.GetSchema(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	if s, err = parseRegistered(ctx, d.client, rs); err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	d.mu.Lock()
	d.writers[id] = s
	d.mu.Unlock()
	return s, nil
}
