package stream

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// VOEvent is hop's "voevent" format: an IVOA VOEvent 2.0 document
// (https://www.ivoa.net/documents/VOEvent/), written and read as its XML (Raw). The
// other fields are parsed from Raw as hop-client parses it (with xmltodict): IVORN,
// Role and Version are the root's attributes; each section (Who, What, WhereWhen, How,
// Why, Citations, Description, Reference) is a map[string]any whose keys are its
// attributes and child elements (a repeated element gives a []any, the text beside
// children is under "#text"), or a string for an element holding only text; nil for
// an empty element, and an empty map for a section the document lacks (hop-client's
// defaults).
type VOEvent struct {
	IVORN   string
	Role    string // "observation" when the document does not say
	Version string // "2.0" when the document does not say

	Who, What, WhereWhen, How, Why, Citations, Description, Reference any

	Raw []byte
}

// Format is "voevent".
func (VOEvent) Format() string { return FormatVOEvent }

// Serialize is the document's XML, Raw; a VOEvent without it (not made by
// ParseVOEvent or read from a stream) cannot be written.
func (v VOEvent) Serialize() ([]byte, error) {
	if len(v.Raw) == 0 {
		return nil, errors.New("stream: a VOEvent is written as its XML document (Raw): make it with ParseVOEvent")
	}
	return v.Raw, nil
}

// ParseVOEvent reads a VOEvent XML document. Its root element must be VOEvent (hop-client
// asks for the prefix voe:, as the standard's examples write it; any prefix or none is
// taken here).
func ParseVOEvent(raw []byte) (*VOEvent, error) {
	root, name, err := xmlToDict(raw)
	if err != nil {
		return nil, fmt.Errorf("stream: parsing a VOEvent: %w", err)
	}
	if local := name[strings.IndexByte(name, ':')+1:]; local != "VOEvent" {
		return nil, fmt.Errorf("stream: parsing a VOEvent: the root element is %q, not VOEvent", name)
	}
	v := &VOEvent{Role: "observation", Version: "2.0", Raw: raw}
	m, _ := root.(map[string]any)
	str := func(key string, dst *string) {
		if s, ok := m[key].(string); ok {
			*dst = s
		}
	}
	str("ivorn", &v.IVORN)
	str("role", &v.Role)
	str("version", &v.Version)
	for key, dst := range map[string]*any{
		"Who": &v.Who, "What": &v.What, "WhereWhen": &v.WhereWhen, "How": &v.How, "Why": &v.Why,
		"Citations": &v.Citations, "Description": &v.Description, "Reference": &v.Reference,
	} {
		if section, present := m[key]; present {
			*dst = section
		} else {
			*dst = map[string]any{} // hop-client's default for a section the document lacks
		}
	}
	return v, nil
}

// xmlToDict turns an XML document into the value xmltodict.parse(doc, attr_prefix="")
// gives under its root element, and the root's name as written (prefix:local).
func xmlToDict(doc []byte) (any, string, error) {
	type frame struct {
		name string
		item map[string]any // attributes and children; nil while there are none
		text strings.Builder
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	var stack []*frame
	var rootName string
	var root any
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && rootName != "" {
				return nil, "", errors.New("more than one root element")
			}
			f := &frame{name: rawName(t.Name)}
			for _, a := range t.Attr {
				f.item = pushValue(f.item, rawName(a.Name), a.Value)
			}
			stack = append(stack, f)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].name != rawName(t.Name) {
				return nil, "", fmt.Errorf("unexpected end element </%s>", rawName(t.Name))
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var value any
			text := strings.TrimFunc(f.text.String(), unicode.IsSpace)
			switch {
			case f.item == nil && text != "":
				value = text
			case f.item != nil:
				if text != "" {
					f.item["#text"] = text
				}
				value = f.item
			}
			if len(stack) == 0 {
				root, rootName = value, f.name
				if root == nil {
					root = map[string]any{}
				}
				continue
			}
			parent := stack[len(stack)-1]
			parent.item = pushValue(parent.item, f.name, value)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if len(stack) > 0 {
		return nil, "", fmt.Errorf("element <%s> is not closed", stack[len(stack)-1].name)
	}
	if rootName == "" {
		return nil, "", errors.New("no root element")
	}
	return root, rootName, nil
}

// pushValue adds key: value to item, turning a repeated key into a list, as
// xmltodict does.
func pushValue(item map[string]any, key string, value any) map[string]any {
	if item == nil {
		item = map[string]any{}
	}
	prev, ok := item[key]
	switch {
	case !ok:
		item[key] = value
	default:
		if list, isList := prev.([]any); isList {
			item[key] = append(list, value)
		} else {
			item[key] = []any{prev, value}
		}
	}
	return item
}

// rawName is an XML name as written: "prefix:local", or "local".
func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
