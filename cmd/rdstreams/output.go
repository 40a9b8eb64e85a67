package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/rdstreams/rdstreams/stream"
)

// outputHelp documents the output of subscribe and tail.
const outputHelp = `Output: each message's payload followed by the delimiter (--delimiter, default a
newline), or with --json one JSON object per line:

  {"topic":"alerts","partition":0,"offset":42,"timestamp":"2024-05-01T12:00:00.123Z",
   "key":"k1","headers":{"h":"v"},"format":"blob","id":"…","value":"hello"}

timestamp is RFC 3339 in UTC (null when the message has none); format is the hop
_format header ("blob" when absent); id is the hop _id header as a UUID (left out when
absent). Byte fields — key, header values, and value unless format is "json" — are a
string when they are valid UTF-8, else {"base64":"…"} (standard encoding), and null
when absent. A "json" value is the JSON itself (as bytes, when it does not parse).
headers holds every header except hop's _id and _format; a name that repeats has an
array of its values.`

// record is one message as --json prints it.
type record struct {
	Topic     string         `json:"topic"`
	Partition int32          `json:"partition"`
	Offset    int64          `json:"offset"`
	Timestamp any            `json:"timestamp"`
	Key       any            `json:"key"`
	Headers   map[string]any `json:"headers"`
	Format    string         `json:"format"`
	ID        string         `json:"id,omitempty"`
	Value     any            `json:"value"`
}

// bytesValue is how a byte field prints in JSON: a string when it is UTF-8 text,
// {"base64": …} when it is not, null when absent.
func bytesValue(b []byte) any {
	switch {
	case b == nil:
		return nil
	case utf8.Valid(b):
		return string(b)
	}
	return map[string]string{"base64": base64.StdEncoding.EncodeToString(b)}
}

func newRecord(m *stream.Message) record {
	md := m.Metadata
	r := record{
		Topic: md.Topic, Partition: md.Partition, Offset: int64(md.Offset),
		Key: bytesValue(md.Key), Headers: map[string]any{}, Format: m.Format, ID: m.ID(),
	}
	if !md.Timestamp.IsZero() {
		r.Timestamp = md.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	for _, h := range md.Headers {
		if h.Key == stream.HeaderFormat || h.Key == stream.HeaderID {
			continue
		}
		v := bytesValue(h.Value)
		switch prev, ok := r.Headers[h.Key]; {
		case !ok:
			r.Headers[h.Key] = v
		case isList(prev):
			r.Headers[h.Key] = append(prev.([]any), v)
		default:
			r.Headers[h.Key] = []any{prev, v}
		}
	}
	if m.Format == stream.FormatJSON && json.Valid(m.Payload) {
		r.Value = json.RawMessage(m.Payload)
	} else {
		r.Value = bytesValue(m.Payload) // null for a null payload
	}
	return r
}

func isList(v any) bool { _, ok := v.([]any); return ok }

// printer writes messages plain or as JSON lines.
type printer struct {
	w         *bufio.Writer
	enc       *json.Encoder
	asJSON    bool
	delimiter string
}

func newPrinter(w io.Writer, asJSON bool, delimiter string) *printer {
	bw := bufio.NewWriterSize(w, 64*1024)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &printer{w: bw, enc: enc, asJSON: asJSON, delimiter: delimiter}
}

func (p *printer) print(m *stream.Message) error {
	if p.asJSON {
		return p.enc.Encode(newRecord(m))
	}
	if _, err := p.w.Write(m.Payload); err != nil {
		return err
	}
	_, err := p.w.WriteString(p.delimiter)
	return err
}

func (p *printer) flush() error { return p.w.Flush() }

// outputError is what a failed write of the output means: a reader that went away
// (EPIPE: rdstreams subscribe … | head) ends the command cleanly; anything else is an
// error.
func outputError(c *command, err error) error {
	if errors.Is(err, syscall.EPIPE) {
		return nil
	}
	return fmt.Errorf("%s: writing the output: %w", c.name, err)
}
