package stream

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"

	"github.com/hamba/avro/v2"
	"github.com/hamba/avro/v2/ocf"
)

// Avro is hop's "avro" format (hop-client's AvroBlob): an Avro Object Container File
// holding one record or several, with the writer's schema in its header.
//
// Writing: Records are the records; Schema is the schema's JSON, or "" to have one
// made up from the records as hop-client does (strings, bytes, null, booleans, integers
// as long, floats as double, slices as arrays, maps with string keys as maps, or as
// records when their values are of many types; several types make a union). Without a
// Schema, records must be such plain values; with one, they may also be Go structs with
// `avro:"name"` field tags. hop-client reads one record per message unless told
// otherwise (single_record=True), so write one record per message for hop readers.
//
// Reading (Message.Content, Message.Decode into *Avro): Records are plain Go values
// (records and maps as map[string]any, arrays as []any, long as int64, int as int,
// double as float64, bytes as []byte, a union as the value of its branch), and Schema
// is the writer's schema.
type Avro struct {
	Records []any
	Schema  string
}

// Format is "avro".
func (Avro) Format() string { return FormatAvro }

// Record is the one record of a; an error when a holds none or several (hop-client's
// single_record=True).
func (a Avro) Record() (any, error) {
	if len(a.Records) != 1 {
		return nil, fmt.Errorf("stream: an avro message of %d records where one was expected (hop-client's single_record)", len(a.Records))
	}
	return a.Records[0], nil
}

// Serialize writes the records as an Avro Object Container File (codec null, as
// hop-client writes it).
func (a Avro) Serialize() (_ []byte, err error) {
	defer recoverAvro(&err)
	schemaJSON := a.Schema
	if schemaJSON == "" {
		inferred, err := inferAvroSchema(a.Records)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(inferred)
		if err != nil {
			return nil, fmt.Errorf("stream: encoding avro: the schema made up: %w", err)
		}
		schemaJSON = string(b)
	}
	schema, err := avro.ParseWithCache(schemaJSON, "", &avro.SchemaCache{})
	if err != nil {
		return nil, fmt.Errorf("stream: encoding avro: schema: %w", err)
	}
	if !allPlain(a.Records) {
		// Structs and other typed values: hamba/avro encodes them by their tags.
		var buf bytes.Buffer
		enc, err := ocf.NewEncoder(schemaJSON, &buf, ocf.WithEncoderSchemaCache(&avro.SchemaCache{}))
		if err != nil {
			return nil, fmt.Errorf("stream: encoding avro: %w", err)
		}
		for i, r := range a.Records {
			if err := enc.Encode(r); err != nil {
				return nil, fmt.Errorf("stream: encoding avro record %d: %w", i, err)
			}
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("stream: encoding avro: %w", err)
		}
		return buf.Bytes(), nil
	}
	var block []byte
	for i, r := range a.Records {
		if block, err = appendAvro(block, schema, r); err != nil {
			return nil, fmt.Errorf("stream: encoding avro record %d: %w", i, err)
		}
	}
	return containerFile(schemaJSON, len(a.Records), block), nil
}

// containerFile frames one block of n encoded records as an Object Container File:
// magic, metadata (schema, codec null), sync marker, the block, the marker again.
func containerFile(schema string, n int, block []byte) []byte {
	var sync [16]byte
	_, _ = rand.Read(sync[:])
	out := []byte("Obj\x01")
	out = appendLong(out, 2) // metadata entries
	for _, kv := range [][2]string{{"avro.schema", schema}, {"avro.codec", "null"}} {
		out = appendAvroBytes(out, []byte(kv[0]))
		out = appendAvroBytes(out, []byte(kv[1]))
	}
	out = appendLong(out, 0)
	out = append(out, sync[:]...)
	if n > 0 {
		out = appendLong(out, int64(n))
		out = appendLong(out, int64(len(block)))
		out = append(out, block...)
		out = append(out, sync[:]...)
	}
	return out
}

func appendLong(b []byte, v int64) []byte {
	return binary.AppendUvarint(b, uint64((v<<1)^(v>>63)))
}

func appendAvroBytes(b, v []byte) []byte {
	return append(appendLong(b, int64(len(v))), v...)
}

// appendAvro appends v encoded by schema: the binary encoding, for plain values (as
// Message.Content returns them and hop-client's made-up schemas describe them), with
// a union's branch chosen by the value's kind.
func appendAvro(b []byte, schema avro.Schema, v any) ([]byte, error) {
	if ref, ok := schema.(*avro.RefSchema); ok {
		schema = ref.Schema()
	}
	switch s := schema.(type) {
	case *avro.UnionSchema:
		i := unionBranch(s, v)
		if i < 0 {
			return nil, fmt.Errorf("a %T fits none of the union %s", v, s)
		}
		return appendAvro(appendLong(b, int64(i)), s.Types()[i], v)
	case *avro.RecordSchema:
		m, ok := plainMap(v)
		if !ok {
			return nil, fmt.Errorf("record %s needs a map with string keys, not a %T", s.FullName(), v)
		}
		for _, f := range s.Fields() {
			fv, present := m[f.Name()]
			if !present && f.HasDefault() {
				fv = f.Default()
			}
			var err error
			if b, err = appendAvro(b, f.Type(), fv); err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name(), err)
			}
		}
		return b, nil
	case *avro.MapSchema:
		m, ok := plainMap(v)
		if !ok {
			return nil, fmt.Errorf("a map needs string keys, not a %T", v)
		}
		if len(m) > 0 {
			b = appendLong(b, int64(len(m)))
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				b = appendAvroBytes(b, []byte(k))
				var err error
				if b, err = appendAvro(b, s.Values(), m[k]); err != nil {
					return nil, fmt.Errorf("map value %q: %w", k, err)
				}
			}
		}
		return appendLong(b, 0), nil
	case *avro.ArraySchema:
		items, ok := plainSlice(v)
		if !ok {
			return nil, fmt.Errorf("an array needs a slice, not a %T", v)
		}
		if len(items) > 0 {
			b = appendLong(b, int64(len(items)))
			for i, it := range items {
				var err error
				if b, err = appendAvro(b, s.Items(), it); err != nil {
					return nil, fmt.Errorf("item %d: %w", i, err)
				}
			}
		}
		return appendLong(b, 0), nil
	case *avro.EnumSchema:
		str, _ := v.(string)
		i := slices.Index(s.Symbols(), str)
		if i < 0 {
			return nil, fmt.Errorf("%v is not a symbol of enum %s", v, s.FullName())
		}
		return appendLong(b, int64(i)), nil
	case *avro.FixedSchema:
		raw, ok := v.([]byte)
		if rv := reflect.ValueOf(v); !ok && rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 {
			raw, ok = make([]byte, rv.Len()), true // hamba/avro reads a fixed as a [n]byte
			reflect.Copy(reflect.ValueOf(raw), rv)
		}
		if !ok || len(raw) != s.Size() {
			return nil, fmt.Errorf("fixed %s needs %d bytes, not %T", s.FullName(), s.Size(), v)
		}
		return append(b, raw...), nil
	}
	switch schema.Type() {
	case avro.Null:
		if v != nil {
			return nil, fmt.Errorf("null needs nil, not a %T", v)
		}
		return b, nil
	case avro.Boolean:
		t, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("boolean needs a bool, not a %T", v)
		}
		if t {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case avro.Int, avro.Long:
		n, ok := integer(v)
		if !ok {
			return nil, fmt.Errorf("%s needs an integer, not %T %v", schema.Type(), v, v)
		}
		return appendLong(b, n), nil
	case avro.Float:
		f, ok := number(v)
		if !ok {
			return nil, fmt.Errorf("float needs a number, not a %T", v)
		}
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(f))), nil
	case avro.Double:
		f, ok := number(v)
		if !ok {
			return nil, fmt.Errorf("double needs a number, not a %T", v)
		}
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(f)), nil
	case avro.String, avro.Bytes:
		switch t := v.(type) {
		case string:
			return appendAvroBytes(b, []byte(t)), nil
		case []byte:
			return appendAvroBytes(b, t), nil
		}
		return nil, fmt.Errorf("%s needs a string or []byte, not a %T", schema.Type(), v)
	}
	return nil, fmt.Errorf("avro type %s is not supported for plain values", schema.Type())
}

// unionBranch picks the union's branch for v: one of v's own kind first (a map goes
// to the record whose fields it names, else to a map), then a number of the other kind.
func unionBranch(u *avro.UnionSchema, v any) int {
	types := u.Types()
	find := func(ok func(s avro.Schema) bool) int {
		for i, s := range types {
			if ref, isRef := s.(*avro.RefSchema); isRef {
				s = ref.Schema()
			}
			if ok(s) {
				return i
			}
		}
		return -1
	}
	is := func(ts ...avro.Type) func(avro.Schema) bool {
		return func(s avro.Schema) bool { return slices.Contains(ts, s.Type()) }
	}
	switch t := v.(type) {
	case nil:
		return find(is(avro.Null))
	case bool:
		return find(is(avro.Boolean))
	case string:
		if i := find(is(avro.String)); i >= 0 {
			return i
		}
		return find(func(s avro.Schema) bool {
			e, ok := s.(*avro.EnumSchema)
			return ok && slices.Contains(e.Symbols(), t)
		})
	case []byte:
		return find(is(avro.Bytes, avro.Fixed))
	}
	if _, ok := integer(v); ok {
		if i := find(is(avro.Long, avro.Int)); i >= 0 {
			return i
		}
	}
	if _, ok := number(v); ok {
		if i := find(is(avro.Double, avro.Float)); i >= 0 {
			return i
		}
	}
	if m, ok := plainMap(v); ok {
		if i := find(func(s avro.Schema) bool { rec, ok := s.(*avro.RecordSchema); return ok && namesFields(rec, m) }); i >= 0 {
			return i
		}
		return find(is(avro.Map))
	}
	if _, ok := plainSlice(v); ok {
		return find(is(avro.Array))
	}
	return -1
}

// namesFields reports whether every key of m is a field of rec and every field
// without a default is a key.
func namesFields(rec *avro.RecordSchema, m map[string]any) bool {
	fields := map[string]bool{}
	for _, f := range rec.Fields() {
		fields[f.Name()] = true
		if _, ok := m[f.Name()]; !ok && !f.HasDefault() {
			return false
		}
	}
	for k := range m {
		if !fields[k] {
			return false
		}
	}
	return true
}

// integer is v as an int64 if it is a Go integer, or a float or json.Number holding
// a whole number.
func integer(v any) (int64, bool) {
	switch t := v.(type) {
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	case float64, float32:
		f, _ := number(v)
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), true
		}
		return 0, false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if rv.Uint() <= math.MaxInt64 {
			return int64(rv.Uint()), true
		}
	}
	return 0, false
}

// number is v as a float64 if it is any Go number or a json.Number.
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case float32:
		return float64(t), true
	}
	if n, ok := integer(v); ok {
		return float64(n), true
	}
	return 0, false
}

// plainMap is v as a map[string]any if it is a map with string keys.
func plainMap(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	m := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		m[it.Key().String()] = it.Value().Interface()
	}
	return m, true
}

// plainSlice is v as a []any if it is a slice or array other than []byte.
func plainSlice(v any) ([]any, bool) {
	if s, ok := v.([]any); ok {
		return s, true
	}
	if _, isBytes := v.([]byte); isBytes {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	s := make([]any, rv.Len())
	for i := range s {
		s[i] = rv.Index(i).Interface()
	}
	return s, true
}

// allPlain reports whether every value is made of plain values only (no structs or
// pointers), which appendAvro encodes.
func allPlain(values []any) bool {
	for _, v := range values {
		if !isPlain(v) {
			return false
		}
	}
	return true
}

func isPlain(v any) bool {
	switch v.(type) {
	case nil, bool, string, []byte, json.Number:
		return true
	}
	if _, ok := number(v); ok {
		return true
	}
	if m, ok := plainMap(v); ok {
		for _, x := range m {
			if !isPlain(x) {
				return false
			}
		}
		return true
	}
	if s, ok := plainSlice(v); ok {
		return allPlain(s)
	}
	return false
}

// inferAvroSchema makes up a schema for records as hop-client's SchemaGenerator does:
// the records' common type.
func inferAvroSchema(records []any) (any, error) {
	g := &schemaGuess{}
	return g.common(records)
}

// schemaGuess is hop-client's SchemaGenerator: it names the records it makes up
// auto_record0, auto_record1, … in the order it finishes them.
type schemaGuess struct{ records int }

// common is the one type of all values, or the union of their types.
func (g *schemaGuess) common(values []any) (any, error) {
	types, err := g.typesOf(values)
	if err != nil {
		return nil, err
	}
	return union(types), nil
}

func (g *schemaGuess) typesOf(values []any) ([]any, error) {
	types := make([]any, len(values))
	for i, v := range values {
		t, err := g.typeOf(v)
		if err != nil {
			return nil, err
		}
		types[i] = t
	}
	return types, nil
}

// union is the distinct types in order of first appearance: the type itself when
// there is one, else a union (a list).
func union(types []any) any {
	var distinct []any
	seen := map[string]bool{}
	for _, t := range types {
		key, _ := json.Marshal(t)
		if !seen[string(key)] {
			seen[string(key)] = true
			distinct = append(distinct, t)
		}
	}
	if len(distinct) == 1 {
		return distinct[0]
	}
	if distinct == nil {
		return []any{}
	}
	return distinct
}

func (g *schemaGuess) typeOf(v any) (any, error) {
	switch v.(type) {
	case nil:
		return "null", nil
	case bool:
		return "boolean", nil
	case string:
		return "string", nil
	case []byte:
		return "bytes", nil
	}
	if _, ok := integer(v); ok {
		if _, isFloat := v.(float64); !isFloat {
			if _, isFloat32 := v.(float32); !isFloat32 {
				return "long", nil
			}
		}
	}
	if _, ok := number(v); ok {
		return "double", nil
	}
	if m, ok := plainMap(v); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		values := make([]any, len(keys))
		for i, k := range keys {
			values[i] = m[k]
		}
		types, err := g.typesOf(values)
		if err != nil {
			return nil, err
		}
		item := union(types)
		// Many value types for few entries look like a record (a struct), not a map.
		if u, isUnion := item.([]any); isUnion && len(u) > len(m)/2 {
			name := fmt.Sprintf("auto_record%d", g.records)
			g.records++
			fields := make([]any, len(keys))
			for i, k := range keys {
				fields[i] = map[string]any{"name": k, "type": types[i]}
			}
			return map[string]any{"type": "record", "name": name, "fields": fields}, nil
		}
		return map[string]any{"type": "map", "values": item}, nil
	}
	if s, ok := plainSlice(v); ok {
		item, err := g.common(s)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": item}, nil
	}
	return nil, fmt.Errorf("stream: cannot make up an avro type for a %T (give Avro.Schema to write typed values)", v)
}

// readAvro reads an Object Container File: its records as plain values and the
// writer's schema.
func readAvro(data []byte) (out Avro, err error) {
	defer recoverAvro(&err)
	dec, err := ocf.NewDecoder(bytes.NewReader(data), ocf.WithDecoderSchemaCache(&avro.SchemaCache{}))
	if err != nil {
		return Avro{}, fmt.Errorf("stream: decoding avro: %w", err)
	}
	out = Avro{Schema: string(dec.Metadata()["avro.schema"]), Records: []any{}}
	for dec.HasNext() {
		var v any
		if err := dec.Decode(&v); err != nil {
			return Avro{}, fmt.Errorf("stream: decoding avro record %d: %w", len(out.Records), err)
		}
		out.Records = append(out.Records, plainAvro(dec.Schema(), v))
	}
	if err := dec.Error(); err != nil {
		return Avro{}, fmt.Errorf("stream: decoding avro: %w", err)
	}
	return out, nil
}

// decodeAvro decodes the records into v: all of them into a pointer to a slice, else
// exactly one (hop-client's single_record) into v, by hamba/avro's rules (structs by
// their avro tags).
func decodeAvro(data []byte, v any) (err error) {
	defer recoverAvro(&err)
	dec, err := ocf.NewDecoder(bytes.NewReader(data), ocf.WithDecoderSchemaCache(&avro.SchemaCache{}))
	if err != nil {
		return fmt.Errorf("decoding avro: %w", err)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Slice {
		slice := rv.Elem()
		slice.SetLen(0)
		for dec.HasNext() {
			item := reflect.New(slice.Type().Elem())
			if err := decodeAvroInto(dec, item.Interface()); err != nil {
				return fmt.Errorf("decoding avro record %d: %w", slice.Len(), err)
			}
			slice.Set(reflect.Append(slice, item.Elem()))
		}
		return dec.Error()
	}
	n := 0
	for dec.HasNext() {
		if n == 0 {
			if err := decodeAvroInto(dec, v); err != nil {
				return fmt.Errorf("decoding avro record: %w", err)
			}
		} else {
			var skip any
			_ = dec.Decode(&skip)
		}
		n++
	}
	if err := dec.Error(); err != nil {
		return fmt.Errorf("decoding avro: %w", err)
	}
	if n != 1 {
		return fmt.Errorf("an avro message of %d records decodes into a pointer to a slice, not into one %T (hop-client's single_record)", n, v)
	}
	return nil
}

// recoverAvro turns a panic of hamba/avro on input it does not expect (corrupt data,
// an odd target type) into an error: no panic leaves the library.
func recoverAvro(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("avro: %v", r)
	}
}

// decodeAvroInto decodes the next record into v; into an *any, as plain values.
func decodeAvroInto(dec *ocf.Decoder, v any) error {
	if p, ok := v.(*any); ok {
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		*p = plainAvro(dec.Schema(), raw)
		return nil
	}
	return dec.Decode(v)
}

// plainAvro takes the branch wrappers off hamba/avro's generic values: a union value
// other than null+one type decodes as map[string]any{branch name: value}; fastavro
// (and so hop-client) gives the value alone.
func plainAvro(schema avro.Schema, v any) any {
	if ref, ok := schema.(*avro.RefSchema); ok {
		schema = ref.Schema()
	}
	switch s := schema.(type) {
	case *avro.UnionSchema:
		if v == nil {
			return nil
		}
		if s.Nullable() {
			_, i := s.Indices()
			return plainAvro(s.Types()[i], v)
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for name, inner := range m {
				for _, branch := range s.Types() {
					if branchName(branch) == name {
						return plainAvro(branch, inner)
					}
				}
			}
		}
		return v
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for _, f := range s.Fields() {
			if fv, present := m[f.Name()]; present {
				m[f.Name()] = plainAvro(f.Type(), fv)
			}
		}
		return m
	case *avro.MapSchema:
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				m[k] = plainAvro(s.Values(), x)
			}
		}
		return v
	case *avro.ArraySchema:
		if items, ok := v.([]any); ok {
			for i, x := range items {
				items[i] = plainAvro(s.Items(), x)
			}
		}
		return v
	}
	return v
}

// branchName is how hamba/avro names a union branch in its generic values.
func branchName(s avro.Schema) string {
	if ref, ok := s.(*avro.RefSchema); ok {
		return ref.Schema().FullName()
	}
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}
