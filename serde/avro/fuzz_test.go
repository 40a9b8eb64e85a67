package avro_test

import (
	"testing"

	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/avro"
)

// Any payload after a registered schema's id is an error or a record, never a panic.
func FuzzDeserialize(f *testing.F) {
	client := testregistry.Client(f)
	id, err := client.RegisterSchema(testregistry.Context(f), testregistry.Subject("fuzz-user"),
		avroSchema(userSchema), false)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{2, 'a', 6, 2, 'b', 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{})
	d, err := avro.NewDeserializer[User]("", client, nil)
	if err != nil {
		f.Fatal(err)
	}
	g, err := avro.NewDeserializer[map[string]any]("", client, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		data := append(serde.AppendHeader(nil, id), payload...)
		sc := serde.SerializationContext{Topic: "t"}
		_, _ = d.Deserialize(testregistry.Context(t), sc, data)
		_, _ = g.Deserialize(testregistry.Context(t), sc, data)
	})
}
