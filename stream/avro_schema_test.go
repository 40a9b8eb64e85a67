package stream_test

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/stream"
)

// schemaGeneratorScript prints the schema hop-client's SchemaGenerator makes up for
// each JSON list of records on its standard input, one JSON line each.
const schemaGeneratorScript = `
import json, sys
from hop.avro_utils import SchemaGenerator
for line in sys.stdin:
    print(json.dumps(SchemaGenerator().find_common_type(json.loads(line))))
`

// The schema made up for records without one is hop-client's, union order aside
// (hop-client keeps a union's types in a Python set, whose order varies run to run).
func TestMadeUpAvroSchemaIsHops(t *testing.T) {
	cases := []string{ // the records of one message; keys in sorted order, as rdstreams orders fields
		`[{"age": 40, "height": 2.05, "name": "Bob", "nested": {"x": 1, "y": "z"}, "tags": ["a", "b"]}]`,
		`[1, "two", null, {"k": [1.5]}]`,
		`[{"a": 1, "b": 2, "c": 3}]`,
		`[{"a": 1, "b": "x", "c": 2, "d": 3}]`,
		`[[1, 2], [3]]`,
		`[{}]`,
		`[true, 1.0, 2, "s"]`,
		`[{"n": 1}, {"n": 2}, {"m": "x", "n": 1.5}]`,
		`[{"deep": {"a": [{"p": 1, "q": "r"}], "b": false}}]`,
	}
	var input bytes.Buffer
	for _, c := range cases {
		input.WriteString(strings.ReplaceAll(c, "\n", " ") + "\n")
	}
	hopOut := strings.Split(strings.TrimSpace(runPythonInput(t, schemaGeneratorScript, input.Bytes())), "\n")
	require.Len(t, hopOut, len(cases))
	for i, c := range cases {
		dec := json.NewDecoder(strings.NewReader(c))
		dec.UseNumber()
		var records []any
		require.NoError(t, dec.Decode(&records))
		mine, err := stream.InferAvroSchema(goNumbers(records).([]any))
		require.NoError(t, err, c)
		var hops any
		require.NoError(t, json.Unmarshal([]byte(hopOut[i]), &hops))
		assert.Equal(t, sortedUnions(hops), sortedUnions(jsonRoundTrip(t, mine)), "records %s", c)

		// And the records write with it and read back as they were.
		b, err := stream.Avro{Records: goNumbers(records).([]any)}.Serialize()
		require.NoError(t, err, c)
		var back stream.Avro
		require.NoError(t, (&stream.Message{Format: stream.FormatAvro, Payload: b}).Decode(&back), c)
		assert.Equal(t, jsonRoundTrip(t, goNumbers(records)), jsonRoundTrip(t, back.Records), c)
	}
}

// goNumbers turns JSON numbers into what a Go program would hold: int64 for whole
// numbers written without a point, float64 for the others (as Python has int and
// float).
func goNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil && !strings.ContainsAny(t.String(), ".eE") {
			return n
		}
		f, _ := t.Float64()
		return f
	case []any:
		for i := range t {
			t[i] = goNumbers(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = goNumbers(t[k])
		}
	}
	return v
}

// sortedUnions orders every union of a schema (a JSON list) by its members' JSON.
func sortedUnions(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = sortedUnions(t[i])
		}
		sort.Slice(out, func(i, j int) bool {
			a, _ := json.Marshal(out[i])
			b, _ := json.Marshal(out[j])
			return string(a) < string(b)
		})
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if k == "fields" {
				fields := x.([]any)
				kept := make([]any, len(fields))
				for i, f := range fields {
					kept[i] = sortedUnions(f)
				}
				out[k] = kept // field order is meaningful
				continue
			}
			out[k] = sortedUnions(x)
		}
		return out
	}
	return v
}
