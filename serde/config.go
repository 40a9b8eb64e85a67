package serde

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
)

// Conf reads a serializer's or deserializer's configuration map, which uses Python's
// names (auto.register.schemas, use.latest.version, …): each getter takes one name and
// its default, and Done reports the first bad value or a name nobody asked for. The
// format packages read their configurations with it, so every one words its errors
// alike.
type Conf struct {
	op   string
	conf map[string]any
	used map[string]bool
	err  error
}

// ReadConf starts reading conf for op (e.g. "jsonschema.NewSerializer"), the name
// errors start with.
func ReadConf(op string, conf map[string]any) *Conf {
	return &Conf{op: op, conf: conf, used: map[string]bool{}}
}

func (c *Conf) fail(key string, v any, want string) {
	if c.err == nil {
		c.err = kafkaerror.Newf(kafkaerror.InvalidArg, "%s: %s=%v: want %s", c.op, key, v, want)
	}
}

// Bool is the boolean key (a bool, or "true"/"false"), def when absent.
func (c *Conf) Bool(key string, def bool) bool {
	c.used[key] = true
	v, ok := c.conf[key]
	if !ok || v == nil {
		return def
	}
	switch b := v.(type) {
	case bool:
		return b
	case string:
		if p, err := strconv.ParseBool(b); err == nil {
			return p
		}
	}
	c.fail(key, v, "true or false")
	return def
}

// Int is the integer key, def when absent.
func (c *Conf) Int(key string, def int) int {
	c.used[key] = true
	v, ok := c.conf[key]
	if !ok || v == nil {
		return def
	}
	if n, err := strconv.Atoi(fmt.Sprint(v)); err == nil {
		return n
	}
	c.fail(key, v, "an integer")
	return def
}

// Strategy reads subject.name.strategy (a SubjectNameStrategy or a function of its
// shape) and subject.name.strategy.type (TOPIC, RECORD or TOPIC_RECORD);
// TopicNameStrategy when neither is set.
func (c *Conf) Strategy() SubjectNameStrategy {
	c.used["subject.name.strategy"], c.used["subject.name.strategy.type"] = true, true
	if v, ok := c.conf["subject.name.strategy"]; ok && v != nil {
		switch f := v.(type) {
		case SubjectNameStrategy:
			return f
		case func(string, MessageField, string) (string, error):
			return f
		}
		c.fail("subject.name.strategy", v, "a serde.SubjectNameStrategy")
	}
	if v, ok := c.conf["subject.name.strategy.type"]; ok && v != nil {
		if f, ok := strategyByType[strings.ToUpper(fmt.Sprint(v))]; ok {
			return f
		}
		c.fail("subject.name.strategy.type", v, "TOPIC, RECORD or TOPIC_RECORD")
	}
	return TopicNameStrategy
}

// Any is the key's value as given, nil when absent.
func (c *Conf) Any(key string) any {
	c.used[key] = true
	return c.conf[key]
}

// Done is the first error met, or an _INVALID_ARG error naming the keys nobody read.
func (c *Conf) Done() error {
	if c.err != nil {
		return c.err
	}
	var unknown []string
	for k := range c.conf {
		if !c.used[k] {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: unknown configuration property %s", c.op, strings.Join(unknown, ", "))
	}
	return nil
}

// SerializerConfig is what every schema-registry serializer is configured with,
// under Python's names.
type SerializerConfig struct {
	// AutoRegister (auto.register.schemas, default true) registers the serializer's
	// schema under the subject when it is not there yet.
	AutoRegister bool
	// Normalize (normalize.schemas, default false) asks the registry to normalize the
	// schema before registering or looking it up.
	Normalize bool
	// UseLatest (use.latest.version, default false) writes with the subject's latest
	// registered schema instead of the serializer's own; AutoRegister must be off.
	UseLatest bool
	// UseSchemaID (use.schema.id, default unset: 0) writes with that registered schema.
	UseSchemaID int
	// Strategy (subject.name.strategy / subject.name.strategy.type) names the subject.
	Strategy SubjectNameStrategy
}

// Serializer reads the settings every schema-registry serializer shares.
func (c *Conf) Serializer() SerializerConfig {
	sc := SerializerConfig{
		AutoRegister: c.Bool("auto.register.schemas", true),
		Normalize:    c.Bool("normalize.schemas", false),
		UseLatest:    c.Bool("use.latest.version", false),
		UseSchemaID:  c.Int("use.schema.id", 0),
		Strategy:     c.Strategy(),
	}
	if sc.UseLatest && sc.AutoRegister && c.err == nil {
		c.err = kafkaerror.Newf(kafkaerror.InvalidArg, "%s: cannot enable both use.latest.version and auto.register.schemas", c.op)
	}
	return sc
}

// DeserializerConfig is what every schema-registry deserializer is configured with.
type DeserializerConfig struct {
	// UseLatest (use.latest.version) reads with the subject's latest schema as the
	// reader's schema where the format resolves schemas (Avro).
	UseLatest bool
	// Strategy names the subject for UseLatest.
	Strategy SubjectNameStrategy
}

// Deserializer reads the settings every schema-registry deserializer shares.
func (c *Conf) Deserializer() DeserializerConfig {
	return DeserializerConfig{UseLatest: c.Bool("use.latest.version", false), Strategy: c.Strategy()}
}

// WriterSchema decides which registered schema a serializer writes with, as Python
// does: use.schema.id's, else the subject's latest (use.latest.version), else its own
// schema registered (auto.register.schemas) or looked up. It returns the schema's id
// and the schema itself (the registry's copy when it is not the serializer's own).
func (sc SerializerConfig) WriterSchema(ctx context.Context, client *schemaregistry.Client, subject string,
	own schemaregistry.Schema) (int, schemaregistry.Schema, error) {
	switch {
	case sc.UseSchemaID > 0:
		s, err := client.GetSchema(ctx, sc.UseSchemaID)
		return sc.UseSchemaID, s, err
	case sc.UseLatest:
		rs, err := client.GetLatestVersion(ctx, subject)
		return rs.ID, rs.Schema, err
	case sc.AutoRegister:
		id, err := client.RegisterSchema(ctx, subject, own, sc.Normalize)
		return id, own, err
	default:
		rs, err := client.LookupSchema(ctx, subject, own, sc.Normalize)
		return rs.ID, own, err
	}
}

// Subject names the subject for a record, with the strategy's error worded for ctx.
func (sc SerializerConfig) Subject(ctx SerializationContext, recordName string) (string, error) {
	return subject(sc.Strategy, ctx, recordName)
}

// Subject names the subject for a record.
func (dc DeserializerConfig) Subject(ctx SerializationContext, recordName string) (string, error) {
	return subject(dc.Strategy, ctx, recordName)
}

func subject(s SubjectNameStrategy, ctx SerializationContext, recordName string) (string, error) {
	if s == nil {
		s = TopicNameStrategy
	}
	return s(ctx.Topic, ctx.Field, recordName)
}

// Writer is the schema a serializer writes a subject's records with: its registry id
// and the schema parsed by the format package (S).
type Writer[S any] struct {
	ID     int
	Schema S
}

// Writers keeps, per subject, the schema a format's serializer writes with; the zero
// value is ready. It is safe for concurrent use.
type Writers[S any] struct {
	mu sync.Mutex
	m  map[string]Writer[S]
}

// Get is subject's writer: decided once with WriterSchema, then kept. When the
// registry's schema is not own (use.latest.version, use.schema.id), parse turns it
// into an S; ownParsed is own already parsed.
func (ws *Writers[S]) Get(ctx context.Context, sc SerializerConfig, client *schemaregistry.Client, subject string,
	own schemaregistry.Schema, ownParsed S, parse func(context.Context, schemaregistry.Schema) (S, error)) (Writer[S], error) {
	ws.mu.Lock()
	w, ok := ws.m[subject]
	ws.mu.Unlock()
	if ok {
		return w, nil
	}
	id, used, err := sc.WriterSchema(ctx, client, subject, own)
	if err != nil {
		return Writer[S]{}, err
	}
	w = Writer[S]{ID: id, Schema: ownParsed}
	if used.Schema != own.Schema {
		if w.Schema, err = parse(ctx, used); err != nil {
			return Writer[S]{}, fmt.Errorf("schema id %d of subject %q: %w", id, subject, err)
		}
	}
	ws.mu.Lock()
	if ws.m == nil {
		ws.m = map[string]Writer[S]{}
	}
	ws.m[subject] = w
	ws.mu.Unlock()
	return w, nil
}
