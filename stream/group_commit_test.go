package stream_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// A group.id given with Config is the reader's group (it used to be replaced by a
// random one); Group and Config agreeing is fine, disagreeing or empty is refused.
func TestReaderGroupFromConfig(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	open := func(opts ...stream.Option) (*stream.Stream, error) {
		return stream.Open(url(t, topic), stream.Read, append([]stream.Option{stream.NoAuth()}, opts...)...)
	}
	r, err := open(stream.Config(map[string]any{"group.id": "from-config"}))
	require.NoError(t, err)
	assert.Equal(t, "from-config", r.Group())
	require.NoError(t, r.Close())

	r, err = open(stream.Group("same"), stream.Config(map[string]any{"group.id": "same"}))
	require.NoError(t, err)
	assert.Equal(t, "same", r.Group())
	require.NoError(t, r.Close())

	_, err = open(stream.Group("a"), stream.Config(map[string]any{"group.id": "b"}))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `Group("a") and Config group.id "b" disagree`)
	_, err = open(stream.Config(map[string]any{"group.id": ""}))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
}

// WithCommitCallback sees the reader's final commit: after reading to the end, the
// committed offsets are the partitions' ends.
func TestCommitCallbackSeesFinalCommit(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	for i, v := range []string{"a", "b", "c"} {
		require.NoError(t, w.Write([]byte(v), stream.Partition(int32(i%2))))
	}
	require.NoError(t, w.Close())

	var mu sync.Mutex
	committed := map[int32]topicpartition.Offset{}
	var failures []error
	onCommit := func(err error, parts []topicpartition.TopicPartition) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failures = append(failures, err)
			return
		}
		for _, p := range parts {
			if p.Err == nil && p.Offset >= 0 {
				committed[p.Partition] = p.Offset
			}
		}
	}
	// Automatic commits every hour: only the final commit can report here.
	got := readAll(t, url(t, topic), stream.StartAt(stream.Earliest), stream.Group(testkafka.UniqueName("g")),
		stream.Config(map[string]any{"auto.commit.interval.ms": 3_600_000}), stream.WithCommitCallback(onCommit))
	assert.Len(t, got, 3)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, failures)
	assert.Equal(t, map[int32]topicpartition.Offset{0: 2, 1: 1}, committed)
}

// Partition(p) puts every message in partition p, read back in the order written; a
// negative partition is refused, one the topic does not have is not delivered.
func TestWritePartition(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	want := []string{"0", "1", "2", "3", "4", "5", "6", "7"}
	for _, v := range want {
		require.NoError(t, w.Write([]byte(v), stream.Partition(2)))
	}
	err = w.Write([]byte("x"), stream.Partition(-1))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, "partition -1 of topic")
	require.NoError(t, w.Close())

	got := readAll(t, url(t, topic), stream.StartAt(stream.Earliest))
	assert.Equal(t, want, payloads(got))
	for _, m := range got {
		assert.Equal(t, int32(2), m.Metadata.Partition)
	}

	w, err = stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	err = w.Write([]byte("nowhere"), stream.Partition(7))
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = w.Flush(ctx)
	}
	assert.ErrorIs(t, err, kafkaerror.UnknownPartition)
	_ = w.Close()
}

// Last joins no group: a group.id given with Config is refused, not used to commit.
func TestLastRefusesGroupID(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	_, err := stream.Last(context.Background(), url(t, topic), 1, stream.NoAuth(), stream.Config(map[string]any{"group.id": "g"}))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, "Last joins no consumer group")
}
