package stream_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
)

// Go types map to hop formats as hop-client maps the Python types they stand for: a
// string is hop's json (a Python str), []byte a blob (Python bytes); each reads back
// as written.
func TestWriteFormatsFollowHop(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	require.NoError(t, w.Write("tëxt <&> \"q\""))
	require.NoError(t, w.Write([]byte("raw")))
	require.NoError(t, w.Write(stream.JSON([]int{1, 2})))
	err = w.Write("\xff\xfe")
	assert.ErrorIs(t, err, kafkaerror.InvalidArg, "a string that is not UTF-8 cannot be hop json")
	assert.ErrorContains(t, err, "[]byte")
	require.NoError(t, w.Close())

	got := readAll(t, url(t, topic), stream.StartAt(stream.Earliest))
	require.Len(t, got, 3)

	assert.Equal(t, stream.FormatJSON, got[0].Format)
	assert.Equal(t, "json", string(got[0].Metadata.Header(stream.HeaderFormat)))
	assert.Equal(t, `"tëxt <&> \"q\""`, string(got[0].Payload), "the JSON string, HTML characters as they are")
	var s string
	require.NoError(t, got[0].Decode(&s))
	assert.Equal(t, "tëxt <&> \"q\"", s)
	content, err := got[0].Content()
	require.NoError(t, err)
	assert.Equal(t, "tëxt <&> \"q\"", content)

	assert.Equal(t, stream.FormatBlob, got[1].Format)
	assert.Equal(t, []byte("raw"), got[1].Payload)
	require.NoError(t, got[1].Decode(&s))
	assert.Equal(t, "raw", s)

	assert.Equal(t, stream.FormatJSON, got[2].Format)
	assert.Equal(t, "[1,2]", string(got[2].Payload))
}
