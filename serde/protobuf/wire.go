package protobuf

import (
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// indexes is where md sits in its file: the index of each enclosing message from the
// top level down, then md's own ([0] for the file's first message).
func indexes(md protoreflect.MessageDescriptor) []int {
	var out []int
	var d protoreflect.Descriptor = md
	for {
		m, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			break
		}
		out = append([]int{m.Index()}, out...)
		d = m.Parent()
	}
	return out
}

// appendIndexes writes message indexes as the wire format has them: zigzag varints,
// the count first, and [0] as the single byte 0.
func appendIndexes(buf []byte, idx []int) []byte {
	if len(idx) == 1 && idx[0] == 0 {
		return append(buf, 0)
	}
	buf = binary.AppendVarint(buf, int64(len(idx)))
	for _, i := range idx {
		buf = binary.AppendVarint(buf, int64(i))
	}
	return buf
}

// readIndexes reads the message indexes at the start of data and returns them and the
// rest.
func readIndexes(data []byte) ([]int, []byte, error) {
	n, size := binary.Varint(data)
	if size <= 0 {
		return nil, nil, fmt.Errorf("the record's message indexes are cut short")
	}
	data = data[size:]
	if n == 0 {
		return []int{0}, data, nil
	}
	if n < 0 || n > int64(len(data)) {
		return nil, nil, fmt.Errorf("the record's message indexes are corrupt (count %d)", n)
	}
	idx := make([]int, n)
	for i := range idx {
		v, size := binary.Varint(data)
		if size <= 0 || v < 0 {
			return nil, nil, fmt.Errorf("the record's message indexes are corrupt")
		}
		idx[i], data = int(v), data[size:]
	}
	return idx, data, nil
}
