package stream_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Two readers of one group each read every message (hop-client's model: the group
// keeps positions, it does not share out partitions), and the group then holds the
// end: a third reader of it resumes there.
func TestReadersOfOneGroupEachReadEverything(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	want := writeSpread(t, url(t, topic), 30, 3)
	group := testkafka.UniqueName("shared")
	ctx := minute(t)
	var reads []<-chan collected
	for i := 0; i < 2; i++ {
		r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Group(group), stream.StartAt(stream.Earliest))
		require.NoError(t, err)
		starts, err := r.Positioned(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{topic + "[0]", topic + "[1]", topic + "[2]"}, partitionsOf(starts), "reader %d reads every partition", i)
		reads = append(reads, readOn(ctx, r, 0))
	}
	for i, read := range reads {
		got := <-read
		require.NoError(t, got.err)
		assert.ElementsMatch(t, want, got.values, "reader %d read every message", i)
	}
	assert.Empty(t, payloads(readAll(t, url(t, topic), stream.Group(group), stream.StartAt(stream.Earliest))),
		"the group resumes after what its readers read")
}

// Two Balanced readers of one group share the partitions out: each reads only its
// own, and together they read every message once.
func TestBalancedReadersSplitThePartitions(t *testing.T) {
	topic := testkafka.Topic(t, 4, nil)
	group := testkafka.UniqueName("balanced")
	ctx := minute(t)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	type read struct {
		reader int
		value  string
	}
	values := make(chan read, 100)
	var readers []*stream.Stream
	var done []<-chan error
	open := func() *stream.Stream {
		r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Group(group), stream.Balanced(),
			stream.Persist(), stream.StartAt(stream.Earliest))
		require.NoError(t, err)
		id, end := len(readers), make(chan error, 1)
		readers, done = append(readers, r), append(done, end)
		go func() {
			for m, err := range r.Messages(readCtx) {
				if err != nil {
					end <- err
					return
				}
				values <- read{id, string(m.Payload)}
			}
			end <- nil
		}()
		return r
	}
	a := open()
	aStarts, err := a.Positioned(ctx)
	require.NoError(t, err)
	require.Len(t, aStarts, 4, "alone in its group, a reader holds every partition")
	b := open()
	// b is assigned only after a gave its partitions back (eager rebalance), so a's
	// Positioned now waits for a's new share.
	bStarts, err := b.Positioned(ctx)
	require.NoError(t, err)
	aStarts, err = a.Positioned(ctx)
	require.NoError(t, err)
	t.Logf("a holds %v, b holds %v", partitionsOf(aStarts), partitionsOf(bStarts))
	assert.NotEmpty(t, aStarts)
	assert.NotEmpty(t, bStarts)
	assert.ElementsMatch(t, []string{topic + "[0]", topic + "[1]", topic + "[2]", topic + "[3]"},
		append(partitionsOf(aStarts), partitionsOf(bStarts)...), "the partitions are shared out, each to one reader")

	want := writeSpread(t, url(t, topic), 40, 4)
	holds := []map[int32]topicpartition.Offset{offsetsOf(aStarts), offsetsOf(bStarts)}
	var all []string
	perReader := []int{0, 0}
	for len(all) < len(want) {
		select {
		case v := <-values:
			all = append(all, v.value)
			perReader[v.reader]++
			n, _ := strconv.Atoi(v.value)
			_, own := holds[v.reader][int32(n%4)]
			assert.True(t, own, "reader %d read %q, from partition %d, which it does not hold", v.reader, v.value, n%4)
		case <-ctx.Done():
			t.Fatalf("read %d of %d messages: %v", len(all), len(want), all)
		}
	}
	stopReading()
	for i, end := range done {
		require.NoError(t, <-end)
		require.NoError(t, readers[i].Close())
	}
	assert.ElementsMatch(t, want, all, "every message read once")
	t.Logf("messages per reader: %v", perReader)
}

// A reader restarted with its group starts each partition right after the last message
// marked done there: its Positioned offsets say so, and it reads exactly the rest.
func TestRestartedReaderResumesAfterLastMarkDone(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	want := writeSpread(t, url(t, topic), 30, 3)
	group := testkafka.UniqueName("resume")
	open := func() *stream.Stream {
		r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Group(group),
			stream.StartAt(stream.Earliest), stream.AutoCommit(false))
		require.NoError(t, err)
		return r
	}
	ctx := minute(t)
	r := open()
	marked := map[int32]topicpartition.Offset{}
	done := map[string]bool{}
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		n, _ := strconv.Atoi(string(m.Payload))
		if n%3 == 2 {
			continue // read, never marked done: partition 2 starts again at 0
		}
		require.NoError(t, r.MarkDone(m.Metadata))
		marked[m.Metadata.Partition] = m.Metadata.Offset
		done[string(m.Payload)] = true
		if len(done) == 12 {
			break
		}
	}
	require.NoError(t, r.Close())

	r = open()
	starts, err := r.Positioned(ctx)
	require.NoError(t, err)
	wantStarts := map[int32]topicpartition.Offset{0: marked[0] + 1, 1: marked[1] + 1, 2: 0}
	assert.Equal(t, wantStarts, offsetsOf(starts))
	got := <-readOn(ctx, r, 0)
	require.NoError(t, got.err)
	var rest []string
	for _, v := range want {
		if !done[v] {
			rest = append(rest, v)
		}
	}
	assert.ElementsMatch(t, rest, got.values, "exactly the messages not marked done")
}

// A reader is positioned when Open returns: with Latest, at each partition's end, and a
// message written right after Open is read.
func TestPositionedAtOpen(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	writeSpread(t, url(t, topic), 6, 2)
	r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Persist())
	require.NoError(t, err)
	defer r.Close()
	ctx := minute(t)
	starts, err := r.Positioned(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[int32]topicpartition.Offset{0: 3, 1: 3}, offsetsOf(starts))
	write(t, url(t, topic), "after Open")
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		assert.Equal(t, "after Open", string(m.Payload))
		break
	}
	require.NoError(t, ctx.Err())
	require.NoError(t, r.Close())
	_, err = r.Positioned(ctx)
	assert.ErrorIs(t, err, kafkaerror.ErrClosed)

	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	defer w.Close()
	_, err = w.Positioned(ctx)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
}

// A Balanced reader nobody reads from is never positioned: its group assigns it
// partitions while Messages runs. Positioned gives up when its context ends.
func TestPositionedWaitsForContext(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Balanced())
	require.NoError(t, err)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = r.Positioned(ctx)
	assert.ErrorIs(t, err, kafkaerror.TimedOut)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// A topic that does not exist is an error at Open naming it, as in hop-client; asking
// about it does not create it.
func TestMissingTopicFailsAtOpen(t *testing.T) {
	present, missing := testkafka.Topic(t, 1, nil), testkafka.UniqueName("missing")
	_, err := stream.Open(url(t, present, missing), stream.Read, stream.NoAuth())
	require.Error(t, err)
	assert.ErrorIs(t, err, kafkaerror.UnknownTopicOrPart)
	assert.EqualError(t, err, fmt.Sprintf("stream: Open: topic %q does not exist on %s, so it cannot be read", missing, testkafka.Bootstrap(t)))

	admin, err := cluster.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.TopicMetadata(minute(t), missing)
	assert.ErrorIs(t, err, kafkaerror.UnknownTopicOrPart, "the topic was not created")
}

// A Persist reader reads partitions added to its topic while it runs, from their
// beginning: they hold only messages written since it opened.
func TestPersistReaderReadsNewPartitions(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Persist(),
		stream.Config(map[string]any{"topic.metadata.refresh.interval.ms": 200}))
	require.NoError(t, err)
	defer r.Close()
	ctx := minute(t)
	starts, err := r.Positioned(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{topic + "[0]"}, partitionsOf(starts))

	admin, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	res, err := admin.CreatePartitions(ctx, []ckafka.PartitionsSpecification{{Topic: topic, IncreaseTo: 2}})
	admin.Close()
	require.NoError(t, err)
	require.Equal(t, ckafka.ErrNoError, res[0].Error.Code(), res[0].Error.String())
	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	require.NoError(t, w.Write([]byte("in the new partition"), stream.Partition(1)))
	require.NoError(t, w.Close())

	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		assert.Equal(t, "in the new partition", string(m.Payload))
		assert.Equal(t, int32(1), m.Metadata.Partition)
		assert.Equal(t, topicpartition.Offset(0), m.Metadata.Offset)
		break
	}
	require.NoError(t, ctx.Err())
	starts, err = r.Positioned(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[int32]topicpartition.Offset{0: 0, 1: 0}, offsetsOf(starts))
}
