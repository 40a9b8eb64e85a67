package groupmeta

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/producer"
)

// Wrap relies on producer.GroupMetadata keeping exactly the layout of layout.
func TestLayoutMatchesProducer(t *testing.T) {
	pt, lt := reflect.TypeOf(producer.GroupMetadata{}), reflect.TypeOf(layout{})
	require.Equal(t, lt.NumField(), pt.NumField())
	assert.Equal(t, lt.Field(0).Type, pt.Field(0).Type)
	assert.Equal(t, lt.Size(), pt.Size())

	g, err := producer.NewGroupMetadata("g")
	require.NoError(t, err)
	assert.Same(t, Unwrap(g), Unwrap(Wrap(Unwrap(g))))
}
