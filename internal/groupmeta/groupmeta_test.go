package groupmeta

import (
	"reflect"
	"testing"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/producer"
)

// Wrap relies on producer.GroupMetadata and ckafka.ConsumerGroupMetadata both keeping
// exactly the layout of serialized.
func TestLayouts(t *testing.T) {
	want := reflect.TypeOf(serialized{})
	for _, typ := range []reflect.Type{reflect.TypeOf(producer.GroupMetadata{}), reflect.TypeOf(ckafka.ConsumerGroupMetadata{})} {
		require.Equal(t, want.NumField(), typ.NumField(), "%s", typ)
		assert.Equal(t, want.Field(0).Type, typ.Field(0).Type, "%s", typ)
		assert.Equal(t, want.Size(), typ.Size(), "%s", typ)
	}
}

// The bytes confluent-kafka-go's consumer engine holds reach the producer unchanged.
func TestWrapCarriesTheBytes(t *testing.T) {
	ck, err := ckafka.NewTestConsumerGroupMetadata("orders")
	require.NoError(t, err)
	g := Wrap(ck)
	require.NotNil(t, g)
	assert.Equal(t, (*serialized)(reflect.ValueOf(ck).UnsafePointer()).b, Bytes(g))
	assert.Contains(t, string(Bytes(g)), "orders")

	own, err := producer.NewGroupMetadata("orders")
	require.NoError(t, err)
	assert.Equal(t, Bytes(own), Bytes(g), "librdkafka writes the same bytes for the same group id")
	assert.Nil(t, Wrap(nil))
}
