package stream_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/stream"
)

// FuzzDecode: reading a message by its hop headers never panics and is consistent.
// The fuzzer chooses the payload, the _format and _id headers (each present or not),
// and an extra header before or after them (sometimes another _format or _id: the
// first header of a name is the one that counts).
//
// Each input goes through the reader's own decoding step (stream.FromConsumed, from
// export_test.go: what the reader does with each consumed message), which must pick
// the format as the package documents Message.Format: the first _format header, else
// "json" when the payload is valid JSON, else "blob". Then everything after it is
// fuzzed: Metadata.Header, Message.ID, Decode into each kind of target, and Content,
// plus the write side's JSON and Blob models.
// Seeds: testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	// flags: 1 = a _format header, 2 = an _id header, 4 = the extra header goes last.
	f.Add([]byte(`{"from":"hop","n":1}`), "json", []byte("0123456789abcdef"), "", []byte(""), uint8(3))
	f.Add([]byte("\x00\x01raw"), "blob", []byte("0123456789abcdef"), "_sender", []byte("alice"), uint8(7))
	f.Add([]byte(`[1,2,3]`), "", []byte(""), "", []byte(""), uint8(0))
	f.Add([]byte(`1e400`), "", []byte("short"), "", []byte(""), uint8(2))
	f.Add([]byte(`<voevent/>`), "voevent", []byte("0123456789abcdef"), "_format", []byte("json"), uint8(3))
	f.Add([]byte(`{"a":"\xff"}`), "json", []byte(""), "_id", []byte("fedcba9876543210"), uint8(1))
	avroSeed, err := stream.Avro{Records: []any{map[string]any{"a": int64(1), "b": []any{"x", nil}}}}.Serialize()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(avroSeed, "avro", []byte("0123456789abcdef"), "", []byte(""), uint8(3))
	f.Add([]byte("TITLE: GCN\nRA: 1d\n  more\n"), "gcntextnotice", []byte(""), "", []byte(""), uint8(1))
	f.Add([]byte(`<voe:VOEvent ivorn="ivo://x"><Who><Date>d</Date></Who></voe:VOEvent>`), "voevent", []byte(""), "", []byte(""), uint8(1))
	f.Add([]byte(`{"header":{"title":"T","n":1},"body":"b"}`), "circular", []byte(""), "", []byte(""), uint8(1))
	f.Add([]byte(`{"url":"https://x"}`), "external", []byte(""), "", []byte(""), uint8(1))
	f.Fuzz(func(t *testing.T, payload []byte, format string, id []byte, extraKey string, extraValue []byte, flags uint8) {
		var headers []message.Header
		extra := message.Header{Key: extraKey, Value: extraValue}
		if extraKey != "" && flags&4 == 0 {
			headers = append(headers, extra)
		}
		if flags&2 != 0 {
			headers = append(headers, message.Header{Key: stream.HeaderID, Value: id})
		}
		if flags&1 != 0 {
			headers = append(headers, message.Header{Key: stream.HeaderFormat, Value: []byte(format)})
		}
		if extraKey != "" && flags&4 != 0 {
			headers = append(headers, extra)
		}
		m := stream.FromConsumed("fuzz", 3, 42, payload, headers)
		md := m.Metadata
		if md.Topic != "fuzz" || md.Partition != 3 || md.Offset != 42 || !bytes.Equal(m.Payload, payload) || len(md.Headers) != len(headers) {
			t.Fatalf("FromConsumed lost the message's position, payload or headers: %+v", m)
		}

		// Header: the first header of the name, nil when there is none.
		wantFormat := firstHeader(headers, stream.HeaderFormat)
		if got := md.Header(stream.HeaderFormat); !bytes.Equal(got, wantFormat) || (got == nil) != (wantFormat == nil) {
			t.Fatalf("Header(_format) = %q, want %q", got, wantFormat)
		}
		wantID := firstHeader(headers, stream.HeaderID)
		if got := md.Header(stream.HeaderID); !bytes.Equal(got, wantID) {
			t.Fatalf("Header(_id) = %q, want %q", got, wantID)
		}
		if got := md.Header("\x00no such header"); got != nil {
			t.Fatalf("Header of an absent name = %q", got)
		}

		want := string(wantFormat)
		if want == "" {
			want = stream.FormatBlob
			if len(payload) > 0 && json.Valid(payload) {
				want = stream.FormatJSON
			}
		}
		if m.Format != want {
			t.Fatalf("Format = %q, want %q (headers %q, payload %q)", m.Format, want, headers, payload)
		}

		// ID: the 16-byte _id as a UUID, "" otherwise.
		uuid := m.ID()
		if len(wantID) != 16 {
			if uuid != "" {
				t.Fatalf("ID() = %q for a %d-byte _id", uuid, len(wantID))
			}
		} else {
			if len(uuid) != 36 || strings.Count(uuid, "-") != 4 {
				t.Fatalf("ID() = %q, not a UUID", uuid)
			}
			raw, err := hex.DecodeString(strings.ReplaceAll(uuid, "-", ""))
			if err != nil || !bytes.Equal(raw, wantID) {
				t.Fatalf("ID() = %q does not spell the _id %x", uuid, wantID)
			}
		}

		// Decode and Content.
		content, contentErr := m.Content()
		if m.Format == stream.FormatJSON {
			var v any
			err := m.Decode(&v)
			checkJSONDecode(t, payload, err)
			if (err == nil) != (contentErr == nil) {
				t.Fatalf("Decode error %v but Content error %v", err, contentErr)
			}
			if err == nil {
				if !reflect.DeepEqual(v, content) {
					t.Fatalf("Content() = %#v, Decode gave %#v", content, v)
				}
				// What was read writes back as an equal JSON value.
				again, err := stream.JSON(v).Serialize()
				if err != nil {
					t.Fatalf("JSON(%#v).Serialize: %v", v, err)
				}
				var w any
				if err := json.Unmarshal(again, &w); err != nil || !reflect.DeepEqual(v, w) {
					t.Fatalf("JSON round trip of %q: %q gives %#v (%v)", payload, again, w, err)
				}
			}
			var b []byte
			if err := m.Decode(&b); err == nil && !json.Valid(payload) {
				t.Fatalf("Decode(*[]byte) of invalid JSON %q succeeded", payload)
			}
		} else {
			typed := checkTypedContent(t, m, content, contentErr)
			if !typed {
				if contentErr != nil {
					t.Fatalf("Content() of a %q payload: %v", m.Format, contentErr)
				}
				if got, ok := content.([]byte); !ok || !bytes.Equal(got, payload) {
					t.Fatalf("Content() = %#v, want the payload %q", content, payload)
				}
			}
			var b []byte
			if err := m.Decode(&b); err != nil || !bytes.Equal(b, payload) {
				t.Fatalf("Decode(*[]byte) = %q, %v; want the payload %q", b, err, payload)
			}
			var str string
			if err := m.Decode(&str); err != nil || str != string(payload) {
				t.Fatalf("Decode(*string) = %q, %v; want the payload", str, err)
			}
			var n int
			// (A JSON-based format may hold a number, and an avro file an int record.)
			if err := m.Decode(&n); !typed && (err == nil || !strings.Contains(err.Error(), "*int")) {
				t.Fatalf("Decode(*int) of a %q payload: error %v, want one naming *int", m.Format, err)
			}
			blob, err := stream.Blob(payload).Serialize()
			if err != nil || !bytes.Equal(blob, payload) || stream.Blob(payload).Format() != stream.FormatBlob {
				t.Fatalf("Blob(%q) serializes to %q, %v", payload, blob, err)
			}
		}
	})
}

// checkTypedContent checks Content for the formats hop-client reads into a model of
// its own (reporting whether m is of one): the model's type, or an error naming the
// message; Decode into that type agrees with Content.
func checkTypedContent(t *testing.T, m *stream.Message, content any, err error) bool {
	t.Helper()
	var target any
	switch m.Format {
	case stream.FormatAvro:
		target = &stream.Avro{}
	case stream.FormatVOEvent:
		target = &stream.VOEvent{}
	case stream.FormatCircular:
		target = &stream.Circular{}
	case stream.FormatGCNTextNotice:
		target = &stream.GCNTextNotice{}
	case stream.FormatExternal:
		target = &stream.External{}
	default:
		return false
	}
	decodeErr := m.Decode(target)
	if err != nil {
		if !strings.Contains(err.Error(), "fuzz[3]@42") {
			t.Fatalf("Content error %q does not name the message fuzz[3]@42", err)
		}
		if decodeErr == nil {
			t.Fatalf("Content failed (%v) where Decode into %T did not", err, target)
		}
		return true
	}
	if decodeErr != nil {
		t.Fatalf("Decode into %T: %v where Content did not fail", target, decodeErr)
	}
	got := reflect.ValueOf(target).Elem().Interface()
	if ev, ok := content.(*stream.VOEvent); ok {
		content = *ev
	}
	if !reflect.DeepEqual(got, content) {
		t.Fatalf("Content() = %#v, Decode gave %#v", content, got)
	}
	// Formats that keep their text give it back to write.
	if raw, ok := content.(interface{ Serialize() ([]byte, error) }); ok && m.Format != stream.FormatAvro &&
		m.Format != stream.FormatCircular && m.Format != stream.FormatExternal {
		if again, err := raw.Serialize(); err != nil || !bytes.Equal(again, m.Payload) {
			t.Fatalf("%s read back serializes to %q, %v; want the payload", m.Format, again, err)
		}
	}
	return true
}

// checkJSONDecode checks Decode's answer for a JSON payload: success exactly when the
// payload is valid JSON whose numbers fit a float64; a syntax error otherwise, and an
// error that says where the message came from.
func checkJSONDecode(t *testing.T, payload []byte, err error) {
	t.Helper()
	if err == nil {
		if !json.Valid(payload) {
			t.Fatalf("Decode of invalid JSON %q succeeded", payload)
		}
		return
	}
	if !strings.Contains(err.Error(), "fuzz[3]@42") {
		t.Fatalf("Decode error %q does not name the message fuzz[3]@42", err)
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		if json.Valid(payload) {
			t.Fatalf("Decode of valid JSON %q: syntax error %v", payload, err)
		}
	case errors.As(err, &typ):
		// Valid JSON with a number beyond float64 (1e400): json.Unmarshal refuses it.
		if !json.Valid(payload) || typ.Value != "number" && !strings.HasPrefix(typ.Value, "number ") {
			t.Fatalf("Decode of %q: unexpected type error %v", payload, err)
		}
	default:
		t.Fatalf("Decode of %q: error %v (%T) is neither a JSON syntax nor a number range error", payload, err, errors.Unwrap(err))
	}
}

func firstHeader(headers []message.Header, key string) []byte {
	for _, h := range headers {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}
