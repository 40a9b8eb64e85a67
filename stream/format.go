package stream

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// The headers hop-client puts on every message, which rdstreams writes and reads too.
const (
	HeaderFormat = "_format" // the payload's format: "blob", "json", "voevent", …
	HeaderID     = "_id"     // 16 random bytes (a UUIDv4) naming the message
	HeaderSender = "_sender" // the authenticated username of the writer
)

// The formats of hop-client 0.13, which rdstreams writes and reads. On reading, a
// message of another format (a hop-client plugin's) keeps its raw bytes, as hop-client
// gives such a message back as a Blob.
const (
	FormatBlob          = "blob"          // Blob, []byte: bytes as they are
	FormatJSON          = "json"          // JSON(v), string: a JSON value
	FormatAvro          = "avro"          // Avro: an Avro Object Container File
	FormatVOEvent       = "voevent"       // VOEvent: an IVOA VOEvent XML document
	FormatCircular      = "circular"      // Circular: a GCN circular as JSON
	FormatGCNTextNotice = "gcntextnotice" // GCNTextNotice: a GCN notice in text form
	FormatExternal      = "external"      // External: a URL to data stored elsewhere, as JSON
)

// Model is a payload that knows its hop format: Write sends Serialize's bytes with the
// _format header set to Format.
type Model interface {
	Format() string
	Serialize() ([]byte, error)
}

// JSON wraps a value to be written as hop's "json" format (hop-client's JSONBlob).
func JSON(v any) Model { return jsonModel{v} }

type jsonModel struct{ v any }

// Format is "json".
func (j jsonModel) Format() string { return FormatJSON }

// Serialize is the value as JSON.
func (j jsonModel) Serialize() ([]byte, error) {
	b, err := json.Marshal(j.v)
	if err != nil {
		return nil, fmt.Errorf("stream: encoding JSON: %w", err)
	}
	return b, nil
}

// Blob is raw bytes, hop's "blob" format; writing a []byte does the same.
type Blob []byte

// Format is "blob".
func (Blob) Format() string { return FormatBlob }

// Serialize returns the bytes as they are.
func (b Blob) Serialize() ([]byte, error) { return b, nil }

// encode turns what Write was given into a format and payload, as hop-client's
// Producer.write does for the Python types these stand for:
//
//	Model (stream.JSON(v), Blob, yours)  its Format(), its Serialize()
//	[]byte                               "blob", the bytes as they are (Python bytes)
//	string                               "json", the JSON string (Python str: JSONBlob)
//	nil                                  "blob", a null value (a tombstone)
func encode(value any) (format string, payload []byte, err error) {
	switch v := value.(type) {
	case Model:
		payload, err = v.Serialize()
		return v.Format(), payload, err
	case []byte:
		return FormatBlob, v, nil
	case string:
		payload, err = jsonString(v)
		return FormatJSON, payload, err
	case nil:
		return FormatBlob, nil, nil
	}
	return "", nil, fmt.Errorf("stream: cannot write a %T: give []byte, string, stream.JSON(v) or a stream.Model", value)
}

// jsonString is s as a JSON string, with <, > and & as they are (as Python's json.dumps
// writes them). A string that is not valid UTF-8 is refused: JSON would replace its
// stray bytes, and the reader would not get back what was written.
func jsonString(s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("stream: cannot write a string that is not valid UTF-8 as hop's json format (a string is text, as in hop-client): give a []byte to write bytes as a blob")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("stream: encoding a string as JSON: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func newID() []byte {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// Message is what a reading stream yields: the payload, its hop format, and where it
// came from.
type Message struct {
	// Format is the _format header; without one, "json" when the payload is valid JSON,
	// else "blob" (as hop-client decides).
	Format string
	// Payload is the message value as written.
	Payload []byte
	// Metadata says where and when the message was stored; pass it to MarkDone.
	Metadata Metadata
}

// Metadata is a message's place in Kafka (hop-client's Metadata).
type Metadata struct {
	Topic     string
	Partition int32
	Offset    topicpartition.Offset
	Timestamp time.Time
	Key       []byte
	Headers   []message.Header

	msg *message.Message
}

// Header is the value of the first header named key, nil when absent.
func (md Metadata) Header(key string) []byte {
	for _, h := range md.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}

// ID is the _id header as a UUID string, "" when absent or not 16 bytes.
func (m *Message) ID() string {
	b := m.Metadata.Header(HeaderID)
	if len(b) != 16 {
		return ""
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Decode unpacks the payload by its format into v, as hop-client's models read it:
//
//	format         v
//	json           anything json.Unmarshal takes
//	avro           *Avro (every record, plain values, the writer's schema); a pointer to
//	               a slice (every record, each decoded as below); anything else takes
//	               the one record of a single-record message (hop-client's default),
//	               by hamba/avro's rules: a struct by its `avro:"name"` tags, a map, an
//	               *any for plain values
//	voevent        *VOEvent
//	circular       *Circular, or anything json.Unmarshal takes
//	gcntextnotice  *GCNTextNotice
//	external       *External, or anything json.Unmarshal takes
//	any format     *[]byte or *string: the payload as it is
//
// So Decode into a *string gives back a string as written — by Write (json), by
// hop-client from a Python str (json) — and the bytes of a blob as text.
func (m *Message) Decode(v any) error {
	if err := m.decode(v); err != nil {
		return fmt.Errorf("stream: decoding %s[%d]@%d as %s: %w", m.Metadata.Topic, m.Metadata.Partition, m.Metadata.Offset, m.Format, err)
	}
	return nil
}

func (m *Message) decode(v any) error {
	if m.Format == FormatJSON {
		return json.Unmarshal(m.Payload, v)
	}
	switch p := v.(type) {
	case *[]byte:
		*p = m.Payload
		return nil
	case *string:
		*p = string(m.Payload)
		return nil
	}
	switch m.Format {
	case FormatAvro:
		if p, ok := v.(*Avro); ok {
			a, err := readAvro(m.Payload)
			*p = a
			return err
		}
		return decodeAvro(m.Payload, v)
	case FormatVOEvent:
		if p, ok := v.(*VOEvent); ok {
			ev, err := ParseVOEvent(m.Payload)
			if err != nil {
				return err
			}
			*p = *ev
			return nil
		}
	case FormatGCNTextNotice:
		if p, ok := v.(*GCNTextNotice); ok {
			*p = ParseGCNTextNotice(m.Payload)
			return nil
		}
	case FormatExternal:
		if p, ok := v.(*External); ok {
			e, err := decodeExternal(m.Payload)
			*p = e
			return err
		}
		return json.Unmarshal(m.Payload, v)
	case FormatCircular:
		return json.Unmarshal(m.Payload, v)
	}
	return fmt.Errorf("a %q payload decodes into %s, not %T", m.Format, decodeTargets(m.Format), v)
}

// decodeTargets names what Decode takes for a format, for its error.
func decodeTargets(format string) string {
	switch format {
	case FormatVOEvent:
		return "*stream.VOEvent, *[]byte or *string"
	case FormatGCNTextNotice:
		return "*stream.GCNTextNotice, *[]byte or *string"
	}
	return "*[]byte or *string"
}

// Content is the payload decoded into the value hop-client's model for its format
// holds:
//
//	json           the value json.Unmarshal gives into an any (JSONBlob.content)
//	avro           Avro (AvroBlob: its records and schema)
//	voevent        *VOEvent
//	circular       Circular (GCNCircular)
//	gcntextnotice  GCNTextNotice
//	external       External (ExternalMessage)
//	blob, others   []byte, the payload as it is (Blob.content)
func (m *Message) Content() (any, error) {
	switch m.Format {
	case FormatJSON:
		var v any
		err := m.Decode(&v)
		return v, err
	case FormatAvro:
		var a Avro
		err := m.Decode(&a)
		return a, err
	case FormatVOEvent:
		var ev VOEvent
		if err := m.Decode(&ev); err != nil {
			return nil, err
		}
		return &ev, nil
	case FormatCircular:
		var c Circular
		err := m.Decode(&c)
		return c, err
	case FormatGCNTextNotice:
		var n GCNTextNotice
		err := m.Decode(&n)
		return n, err
	case FormatExternal:
		var e External
		err := m.Decode(&e)
		return e, err
	}
	return m.Payload, nil
}

// fromConsumed builds a stream Message from a consumed one.
func fromConsumed(cm *message.Message) *Message {
	_, ts := cm.Timestamp()
	m := &Message{
		Payload: cm.Value(),
		Metadata: Metadata{
			Topic: cm.Topic(), Partition: cm.Partition(), Offset: cm.Offset(), Timestamp: ts,
			Key: cm.Key(), Headers: cm.Headers(), msg: cm,
		},
	}
	m.Format = string(m.Metadata.Header(HeaderFormat))
	if m.Format == "" {
		// As hop-client reads a message without _format: JSON if it parses, else a blob.
		m.Format = FormatBlob
		if len(m.Payload) > 0 && json.Valid(m.Payload) {
			m.Format = FormatJSON
		}
	}
	return m
}
