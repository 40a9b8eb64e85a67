package stream_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
)

// Many MarkDoneAsync calls, then Close: Close waits for their commits, so a new reader
// of the group resumes right after the last message marked done.
func TestMarkDoneAsyncCommitsBeforeCloseReturns(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	const total, marked = 200, 150
	values := make([]any, total)
	for i := range values {
		values[i] = strconv.Itoa(i)
	}
	write(t, url(t, topic), values...)
	group := testkafka.UniqueName("async-mark")

	r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Group(group),
		stream.StartAt(stream.Earliest), stream.AutoCommit(false))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seen := map[string]bool{}
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		require.NoError(t, r.MarkDoneAsync(m.Metadata))
		seen[string(m.Payload)] = true
		if len(seen) == marked {
			break
		}
	}
	require.Len(t, seen, marked)
	require.NoError(t, r.Close(), "every asynchronous commit succeeded")
	assert.ErrorIs(t, r.MarkDoneAsync(stream.Metadata{}), kafkaerror.InvalidArg)

	rest := payloads(readAll(t, url(t, topic), stream.Group(group), stream.StartAt(stream.Earliest)))
	require.Len(t, rest, total-marked, "exactly the messages not marked done come back")
	for _, v := range rest {
		assert.False(t, seen[v], "%s was marked done, yet read again", v)
	}
}

// A MarkDoneAsync commit that fails is returned by Close; after Close, MarkDoneAsync
// returns ErrClosed.
func TestMarkDoneAsyncFailureReportedByClose(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	write(t, url(t, topic), "a", "b")
	r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.StartAt(stream.Earliest),
		stream.AutoCommit(false), stream.Persist())
	require.NoError(t, err)
	refused := kafkaerror.New(kafkaerror.GroupAuthorizationFailed, "Broker: Group authorization failed", kafkaerror.Flags{})
	stream.FailCommits(r, refused)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last stream.Metadata
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		require.NoError(t, r.MarkDoneAsync(m.Metadata))
		if string(m.Payload) == "b" {
			last = m.Metadata
			break
		}
	}
	err = r.Close()
	require.Error(t, err)
	assert.ErrorIs(t, err, kafkaerror.GroupAuthorizationFailed)
	assert.Contains(t, err.Error(), "stream: MarkDoneAsync: committing "+topic+"[0]@")
	assert.ErrorIs(t, r.MarkDoneAsync(last), kafkaerror.ErrClosed)
}
