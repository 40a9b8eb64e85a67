package serde

import (
	"encoding/binary"
	"fmt"
)

// MagicByte starts every record a schema-registry serializer writes (the Confluent
// wire format): the magic byte, the schema id as 4 big-endian bytes, then the payload
// (for Protobuf, the message indexes come before the payload).
const MagicByte byte = 0

// AppendHeader appends the wire format's magic byte and schema id to buf.
func AppendHeader(buf []byte, schemaID int) []byte {
	return binary.BigEndian.AppendUint32(append(buf, MagicByte), uint32(schemaID))
}

// ParseHeader splits a record written in the wire format into its schema id and the
// rest. A record too short or with another first byte is an error saying so, as
// Python's: it was not written by a schema-registry serializer.
func ParseHeader(data []byte) (schemaID int, rest []byte, err error) {
	if len(data) < 5 {
		return 0, nil, fmt.Errorf("expecting data framing of length 6 bytes or more but total data size is %d bytes. "+
			"This message was not produced with a Confluent Schema Registry serializer", len(data))
	}
	if data[0] != MagicByte {
		return 0, nil, fmt.Errorf("unexpected magic byte %d. This message was not produced with a Confluent "+
			"Schema Registry serializer", data[0])
	}
	return int(binary.BigEndian.Uint32(data[1:5])), data[5:], nil
}
