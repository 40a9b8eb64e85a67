package serde_test

import (
	"testing"

	"github.com/rdstreams/rdstreams/serde"
)

// ParseHeader takes any bytes a topic may hold without panicking, and gives back what
// AppendHeader wrote.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 'x'})
	f.Add([]byte{1, 2})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		id, rest, err := serde.ParseHeader(data)
		if err != nil {
			return
		}
		again := append(serde.AppendHeader(nil, id), rest...)
		if string(again) != string(data) {
			t.Fatalf("ParseHeader(%x) = %d, %x: does not write back", data, id, rest)
		}
	})
}
