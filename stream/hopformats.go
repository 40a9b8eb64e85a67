package stream

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
)

// GCNTextNotice is hop's "gcntextnotice" format: a GCN notice in its plain-text form,
// "KEY: value" lines. Raw is what is written and read; Fields is parsed from it as
// hop-client parses it: keys trimmed and lower-cased, values trimmed, a line without
// a colon continuing the value before it, and a repeated key adding a line to its
// value.
type GCNTextNotice struct {
	Raw    []byte
	Fields map[string]string
}

// ParseGCNTextNotice reads a notice in GCN's text form.
func ParseGCNTextNotice(raw []byte) GCNTextNotice {
	fields := map[string]string{}
	last := ""
	for _, line := range pySplitLines(strings.TrimFunc(string(raw), unicode.IsSpace)) {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			if last != "" {
				fields[last] += "\n" + strings.TrimLeftFunc(line, unicode.IsSpace)
			}
			continue
		}
		last = strings.ToLower(strings.TrimFunc(key, unicode.IsSpace))
		value = strings.TrimFunc(value, unicode.IsSpace)
		if prev, seen := fields[last]; seen {
			fields[last] = prev + "\n" + value
		} else {
			fields[last] = value
		}
	}
	return GCNTextNotice{Raw: raw, Fields: fields}
}

// pySplitLines splits s at line boundaries as Python's str.splitlines does (\n, \r,
// \r\n, \v, \f, \x1c–\x1e, \x85, U+2028, U+2029), without a last empty line.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= 0x80 {
			r, size = decodeRune(s[i:])
		}
		switch r {
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			start = i + size
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				size = 2
			}
			start = i + size
		}
		i += size
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

func decodeRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 1
}

// Format is "gcntextnotice".
func (GCNTextNotice) Format() string { return FormatGCNTextNotice }

// Serialize is the notice's raw text.
func (n GCNTextNotice) Serialize() ([]byte, error) { return n.Raw, nil }

// Circular is hop's "circular" format (hop-client's GCNCircular): a GCN circular's
// header lines (keys lower-case: "title", "number", "subject", "date", "from", …) and
// its body, written as JSON {"header": {…}, "body": "…"}.
type Circular struct {
	Header map[string]string `json:"header"`
	Body   string            `json:"body"`
}

// Format is "circular".
func (Circular) Format() string { return FormatCircular }

// Serialize is the circular as JSON.
func (c Circular) Serialize() ([]byte, error) {
	if c.Header == nil {
		c.Header = map[string]string{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("stream: encoding a circular: %w", err)
	}
	return b, nil
}

// UnmarshalJSON reads a circular as hop-client writes it; header values that are not
// strings (a number, say) are kept as their JSON text.
func (c *Circular) UnmarshalJSON(b []byte) error {
	var raw struct {
		Header map[string]json.RawMessage `json:"header"`
		Body   string                     `json:"body"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	c.Body = raw.Body
	c.Header = make(map[string]string, len(raw.Header))
	for k, v := range raw.Header {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		c.Header[k] = s
	}
	return nil
}

// String is the circular as GCN prints it: each header as "KEY:" padded to 9
// characters then its value, in the order hop-client's e-mail parsing keeps (here:
// title, number, subject, date, from, then the rest by name), a blank line, the body.
func (c Circular) String() string {
	var b strings.Builder
	for _, k := range circularHeaderOrder(c.Header) {
		fmt.Fprintf(&b, "%-9s%s\n", strings.ToUpper(k)+":", c.Header[k])
	}
	b.WriteString("\n")
	b.WriteString(c.Body)
	return b.String()
}

func circularHeaderOrder(h map[string]string) []string {
	rank := map[string]int{"title": 0, "number": 1, "subject": 2, "date": 3, "from": 4}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, iok := rank[keys[i]]
		rj, jok := rank[keys[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return keys[i] < keys[j]
	})
	return keys
}

// ParseCircular reads a circular in its e-mail form (RFC 822 header lines, a blank
// line, the body), as hop-client's GCNCircular.load does with Python's e-mail parser:
// header names lower-cased, a folded header's lines kept as they are, the last of a
// repeated header kept, and the body from the first line that is not a header.
func ParseCircular(r io.Reader) (Circular, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Circular{}, fmt.Errorf("stream: reading a circular: %w", err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	c := Circular{Header: map[string]string{}}
	var name string
	var value []string
	flush := func() {
		if name != "" {
			v := strings.TrimLeft(value[0], " \t") + strings.Join(value[1:], "")
			c.Header[strings.ToLower(name)] = strings.TrimRight(v, "\r\n")
		}
	}
	i := 0
	for ; i < len(lines); i++ {
		line := lines[i]
		if line == "" || line == "\n" || line == "\r\n" {
			i++ // the blank line between header and body
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" {
				value = append(value, line)
			}
			continue
		}
		colon := strings.IndexByte(line, ':')
		if colon < 0 || !headerName(line[:colon]) {
			break // not a header line: the body begins here
		}
		flush()
		name, value = line[:colon], []string{line[colon+1:]}
	}
	flush()
	if i < len(lines) {
		c.Body = strings.Join(lines[i:], "")
	}
	return c, nil
}

// headerName reports whether s can name an e-mail header: printable ASCII other than
// space and colon.
func headerName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ':' {
			return false
		}
	}
	return true
}

// External is hop's "external" format (hop-client's ExternalMessage): a message that
// only points at data stored elsewhere, written as JSON {"url": "…"}.
type External struct {
	URL string `json:"url"`
}

// Format is "external".
func (External) Format() string { return FormatExternal }

// Serialize is the reference as JSON.
func (e External) Serialize() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("stream: encoding an external message: %w", err)
	}
	return b, nil
}

// decodeExternal reads an external message; like hop-client it needs the url key.
func decodeExternal(b []byte) (External, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return External{}, err
	}
	u, ok := raw["url"]
	if !ok {
		return External{}, fmt.Errorf("no \"url\" in %s", truncate(b))
	}
	var e External
	if err := json.Unmarshal(u, &e.URL); err != nil {
		return External{}, fmt.Errorf("\"url\": %w", err)
	}
	return e, nil
}

// truncate is b as text, cut to 60 bytes for an error message.
func truncate(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}
