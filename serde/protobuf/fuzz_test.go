package protobuf_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/protobuf"
)

// The deserializer (without a registry, so no id is looked up) takes any bytes without
// panicking: the header, the message indexes and the payload are all checked.
func FuzzDeserialize(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0, 10, 2, 'h', 'i'})
	f.Add([]byte{0, 0, 0, 0, 1, 4, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 1, 0xff})
	f.Add([]byte{0, 0, 0, 0, 1, 0x7f, 1})
	d, err := protobuf.NewDeserializer[*wrapperspb.StringValue](nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := d.Deserialize(context.Background(), serde.SerializationContext{Topic: "t"}, data)
		if err == nil && m == nil {
			t.Fatalf("no error and no message for %x", data)
		}
	})
}
