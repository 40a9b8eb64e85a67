package stream_test

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/stream"
)

// voeventXML is a small VOEvent 2.0 document as the standard's examples write one.
const voeventXML = `<?xml version="1.0" encoding="UTF-8"?>
<voe:VOEvent xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.ivoa.net/xml/VOEvent/v2.0 http://www.ivoa.net/xml/VOEvent/VOEvent-v2.0.xsd"
    version="2.0" role="test" ivorn="ivo://rdstreams.test/alert#42">
  <Who>
    <AuthorIVORN>ivo://rdstreams.test/authors</AuthorIVORN>
    <Date>2026-11-30T12:00:00</Date>
    <Author><contactName> Ada </contactName></Author>
  </Who>
  <What>
    <Param name="snr" value="12.5" unit="sigma"/>
    <Param name="kind" value="burst">a note<Description>bright</Description></Param>
  </What>
  <WhereWhen><ObsDataLocation><ObservatoryLocation id="GEOLUN"/></ObsDataLocation></WhereWhen>
  <Why importance="0.9"><Inference probability="0.5"/></Why>
  <Description>An alert for tests</Description>
</voe:VOEvent>
`

// gcnNoticeText is a GCN notice in text form: a continued value, a repeated key.
const gcnNoticeText = `TITLE:            GCN/SWIFT NOTICE
NOTICE_DATE:      Mon 30 Nov 26 12:00:00 UT
COMMENTS:         First line.
  Second line, continued.
COMMENTS:         Repeated key.
RA:               12.3456d {+00h 49m 22s} (J2000)
`

// hopFormatsScript writes every hop-client 0.13 format, or reads a stream and prints
// each message's model as JSON (bytes as hex).
const hopFormatsScript = `
import json, sys
from hop import Stream
from hop.io import StartPosition
from hop.models import AvroBlob, Blob, ExternalMessage, GCNCircular, GCNTextNotice, JSONBlob, VOEvent
mode, url = sys.argv[1], sys.argv[2]

def plain(v):
    if isinstance(v, bytes):
        return {"hex": v.hex()}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v

if mode == "write":
    voevent, notice = sys.argv[3], sys.argv[4]
    with Stream(auth=False).open(url, "w") as s:
        s.write(AvroBlob({"name": "Bob", "age": 40, "height": 2.05, "tags": ["a", "b"],
                          "nested": {"x": 1, "y": "z"}, "raw": b"\x00\x01", "none": None}))
        s.write(AvroBlob([{"n": 1}, {"n": 2}], schema={"type": "record", "name": "N", "fields": [{"name": "n", "type": "long"}]},
                         single_record=False))
        s.write(AvroBlob([1, "two", None, {"k": [1.5]}]))
        s.write(VOEvent.load(voevent))
        s.write(GCNTextNotice.load(notice.encode()))
        s.write(GCNCircular(header={"title": "GCN CIRCULAR", "number": "40000", "subject": "GRB 261130A"},
                            body="A burst was seen.\n"))
        s.write(ExternalMessage(url="https://example.org/data/42"))
        s.write(Blob(b"\xff\x00blob"))
        s.write(JSONBlob({"j": [1, True, None]}))
else:
    # fetch_external=False: hop-client would otherwise download what an external message points at
    with Stream(auth=False, start_at=StartPosition.EARLIEST, until_eos=True).open(url, "r", fetch_external=False) as s:
        for m in s:
            t = type(m).__name__
            if t == "AvroBlob":
                out = {"content": m.content, "schema": m.schema}
            elif t == "VOEvent":
                out = {k: getattr(m, k) for k in ("ivorn", "role", "version", "Who", "What", "WhereWhen", "How", "Why", "Citations", "Description", "Reference")}
                out["raw"] = bytes(m).decode()
            elif t == "GCNTextNotice":
                out = {"fields": m.fields, "raw": m.raw}
            elif t == "GCNCircular":
                out = {"header": m.header, "body": m.body}
            elif t == "ExternalMessage":
                out = {"url": m.url}
            else:
                out = {"content": m.content}
            print(json.dumps({"type": t, "model": plain(out)}))
`

// hopModel is one line the script prints when reading.
type hopModel struct {
	Type  string         `json:"type"`
	Model map[string]any `json:"model"`
}

func readWithHop(t *testing.T, rawURL string) []hopModel {
	t.Helper()
	var got []hopModel
	for _, line := range strings.Split(strings.TrimSpace(runPython(t, hopFormatsScript, "read", rawURL)), "\n") {
		var m hopModel
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		got = append(got, m)
	}
	return got
}

// person is an avro record decoded into a struct by its tags.
type person struct {
	Name   string         `avro:"name"`
	Age    int64          `avro:"age"`
	Height float64        `avro:"height"`
	Tags   []string       `avro:"tags"`
	Nested map[string]any `avro:"nested"`
	Raw    []byte         `avro:"raw"`
	None   *string        `avro:"none"`
}

// hop-client writes every format of 0.13; rdstreams reads each into its typed value.
func TestHopClientWritesEveryFormat(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	runPython(t, hopFormatsScript, "write", url(t, topic), voeventXML, gcnNoticeText)
	got := readAll(t, url(t, topic), stream.StartAt(stream.Earliest))
	require.Len(t, got, 9)
	formats := make([]string, len(got))
	for i, m := range got {
		formats[i] = m.Format
		assert.NotEmpty(t, m.ID(), "hop's _id on message %d", i)
	}
	assert.Equal(t, []string{"avro", "avro", "avro", "voevent", "gcntextnotice", "circular", "external", "blob", "json"}, formats)

	// avro: one record made up by hop-client's schema generator.
	content, err := got[0].Content()
	require.NoError(t, err)
	av, ok := content.(stream.Avro)
	require.True(t, ok, "%T", content)
	rec, err := av.Record()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"name": "Bob", "age": int64(40), "height": 2.05, "tags": []any{"a", "b"},
		"nested": map[string]any{"x": int64(1), "y": "z"}, "raw": []byte{0, 1}, "none": nil}, rec)
	assert.Contains(t, av.Schema, `"auto_record`)
	var p person
	require.NoError(t, got[0].Decode(&p))
	assert.Equal(t, person{Name: "Bob", Age: 40, Height: 2.05, Tags: []string{"a", "b"},
		Nested: map[string]any{"x": int64(1), "y": "z"}, Raw: []byte{0, 1}}, p)

	// avro: several records with the writer's own schema; one record needs a slice.
	type n struct {
		N int64 `avro:"n"`
	}
	var ns []n
	require.NoError(t, got[1].Decode(&ns))
	assert.Equal(t, []n{{1}, {2}}, ns)
	var one n
	err = got[1].Decode(&one)
	assert.ErrorContains(t, err, "2 records")
	content, err = got[1].Content()
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"n": int64(1)}, map[string]any{"n": int64(2)}}, content.(stream.Avro).Records)
	_, err = content.(stream.Avro).Record()
	assert.Error(t, err)

	// avro: a union of every kind, each value as itself.
	var mixed any
	require.NoError(t, got[2].Decode(&mixed))
	assert.Equal(t, []any{int64(1), "two", nil, map[string]any{"k": []any{1.5}}}, mixed)

	// voevent
	content, err = got[3].Content()
	require.NoError(t, err)
	ev, ok := content.(*stream.VOEvent)
	require.True(t, ok, "%T", content)
	assert.Equal(t, "ivo://rdstreams.test/alert#42", ev.IVORN)
	assert.Equal(t, "test", ev.Role)
	assert.Equal(t, "2.0", ev.Version)
	assert.Equal(t, map[string]any{"AuthorIVORN": "ivo://rdstreams.test/authors", "Date": "2026-11-30T12:00:00",
		"Author": map[string]any{"contactName": "Ada"}}, ev.Who)
	assert.Equal(t, map[string]any{"Param": []any{
		map[string]any{"name": "snr", "value": "12.5", "unit": "sigma"},
		map[string]any{"name": "kind", "value": "burst", "Description": "bright", "#text": "a note"},
	}}, ev.What)
	assert.Equal(t, map[string]any{"importance": "0.9", "Inference": map[string]any{"probability": "0.5"}}, ev.Why)
	assert.Equal(t, "An alert for tests", ev.Description)
	assert.Equal(t, map[string]any{}, ev.How, "a section the document lacks, as hop-client has it")
	assert.Equal(t, voeventXML, string(ev.Raw))

	// gcntextnotice
	var notice stream.GCNTextNotice
	require.NoError(t, got[4].Decode(&notice))
	assert.Equal(t, gcnNoticeText, string(notice.Raw))
	assert.Equal(t, map[string]string{
		"title":       "GCN/SWIFT NOTICE",
		"notice_date": "Mon 30 Nov 26 12:00:00 UT",
		"comments":    "First line.\nSecond line, continued.\nRepeated key.",
		"ra":          "12.3456d {+00h 49m 22s} (J2000)",
	}, notice.Fields)

	// circular, external, blob, json
	content, err = got[5].Content()
	require.NoError(t, err)
	assert.Equal(t, stream.Circular{Header: map[string]string{"title": "GCN CIRCULAR", "number": "40000", "subject": "GRB 261130A"},
		Body: "A burst was seen.\n"}, content)
	content, err = got[6].Content()
	require.NoError(t, err)
	assert.Equal(t, stream.External{URL: "https://example.org/data/42"}, content)
	content, err = got[7].Content()
	require.NoError(t, err)
	assert.Equal(t, []byte("\xff\x00blob"), content)
	content, err = got[8].Content()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"j": []any{1.0, true, nil}}, content)

	// Decode refuses what a format cannot go into, naming both.
	var wrong stream.External
	err = got[3].Decode(&wrong)
	assert.ErrorContains(t, err, "voevent")
	assert.ErrorContains(t, err, "*stream.VOEvent")
}

// rdstreams writes every format; hop-client reads each into its own model.
func TestRdstreamsWritesEveryFormatHopReads(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	ev, err := stream.ParseVOEvent([]byte(voeventXML))
	require.NoError(t, err)
	for i, v := range []any{
		stream.Avro{Records: []any{map[string]any{"name": "Ann", "age": 7, "scores": []any{1.5, 2}, "pic": []byte{9},
			"nested": map[string]any{"a": "b", "c": int64(3)}, "none": nil}}},
		stream.Avro{Records: []any{person{Name: "Typed", Age: 1, Height: 1.5, Tags: []string{}, Nested: map[string]any{}, Raw: []byte{}}},
			Schema: `{"type":"record","name":"person","fields":[{"name":"name","type":"string"},{"name":"age","type":"long"},
				{"name":"height","type":"double"},{"name":"tags","type":{"type":"array","items":"string"}},
				{"name":"nested","type":{"type":"map","values":["long","string"]}},{"name":"raw","type":"bytes"},
				{"name":"none","type":["null","string"]}]}`},
		stream.Avro{Records: []any{[]any{1, "two", nil, map[string]any{"k": []any{1.5}}}}},
		ev,
		stream.ParseGCNTextNotice([]byte(gcnNoticeText)),
		stream.Circular{Header: map[string]string{"title": "GCN CIRCULAR", "number": "40001"}, Body: "Body text.\n"},
		stream.External{URL: "https://example.org/x"},
	} {
		require.NoError(t, w.Write(v), "value %d", i)
	}
	assert.ErrorContains(t, w.Write(stream.VOEvent{IVORN: "ivo://no/raw"}), "ParseVOEvent", "a VOEvent is written as its XML")
	require.NoError(t, w.Close())

	got := readWithHop(t, url(t, topic))
	require.Len(t, got, 7)
	assert.Equal(t, "AvroBlob", got[0].Type)
	assert.Equal(t, map[string]any{"name": "Ann", "age": 7.0, "scores": []any{1.5, 2.0}, "pic": map[string]any{"hex": "09"},
		"nested": map[string]any{"a": "b", "c": 3.0}, "none": nil}, got[0].Model["content"])
	assert.Equal(t, map[string]any{"name": "Typed", "age": 1.0, "height": 1.5, "tags": []any{}, "nested": map[string]any{},
		"raw": map[string]any{"hex": ""}, "none": nil}, got[1].Model["content"])
	assert.Equal(t, "person", got[1].Model["schema"].(map[string]any)["name"])
	assert.Equal(t, []any{1.0, "two", nil, map[string]any{"k": []any{1.5}}}, got[2].Model["content"])

	assert.Equal(t, "VOEvent", got[3].Type)
	assert.Equal(t, "ivo://rdstreams.test/alert#42", got[3].Model["ivorn"])
	assert.Equal(t, "test", got[3].Model["role"])
	assert.Equal(t, voeventXML, got[3].Model["raw"])
	// What hop-client parsed from the XML is what ParseVOEvent parsed.
	for key, mine := range map[string]any{"Who": ev.Who, "What": ev.What, "WhereWhen": ev.WhereWhen, "Why": ev.Why,
		"Description": ev.Description, "How": ev.How} {
		assert.Equal(t, jsonRoundTrip(t, mine), got[3].Model[key], key)
	}

	assert.Equal(t, hopModel{Type: "GCNTextNotice", Model: map[string]any{
		"raw": map[string]any{"hex": hex.EncodeToString([]byte(gcnNoticeText))},
		"fields": map[string]any{"title": "GCN/SWIFT NOTICE", "notice_date": "Mon 30 Nov 26 12:00:00 UT",
			"comments": "First line.\nSecond line, continued.\nRepeated key.", "ra": "12.3456d {+00h 49m 22s} (J2000)"},
	}}, got[4])
	assert.Equal(t, hopModel{Type: "GCNCircular", Model: map[string]any{
		"header": map[string]any{"title": "GCN CIRCULAR", "number": "40001"}, "body": "Body text.\n",
	}}, got[5])
	assert.Equal(t, hopModel{Type: "ExternalMessage", Model: map[string]any{"url": "https://example.org/x"}}, got[6])
}

// jsonRoundTrip is v as encoding/json gives it back from its JSON, to compare with
// what the Python script printed.
func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// circularScript parses the circular on its standard input with hop-client's
// GCNCircular.load and prints header and body as JSON.
const circularScript = `
import json, sys
from hop.models import GCNCircular
c = GCNCircular.load(sys.stdin.read())
print(json.dumps({"header": c.header, "body": c.body}))
`

// ParseCircular reads a circular's e-mail form as hop-client's GCNCircular.load does.
func TestParseCircularAsHop(t *testing.T) {
	for _, text := range []string{
		"TITLE:   GCN CIRCULAR\nNUMBER:  40000\nSUBJECT: GRB 261130A: Swift detection\n" +
			"DATE:    26/11/30 12:00:00 GMT\nFROM:    Ada Lovelace at Example <ada@example.org>\n\nA burst was seen.\nSecond line.\n",
		"Title: folded\nSubject: a subject that goes on\n  onto a second line\n\nbody\n",
		"TITLE: no blank line\nthe body starts here\nSUBJECT: not a header now\n",
		"Title: twice\nTITLE: the last wins\n\n",
	} {
		var hops stream.Circular
		require.NoError(t, json.Unmarshal([]byte(runPythonInput(t, circularScript, []byte(text))), &hops))
		mine, err := stream.ParseCircular(strings.NewReader(text))
		require.NoError(t, err)
		assert.Equal(t, hops, mine, text)
	}
}
