package stream_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// writeSpread writes n messages "0" … "n-1" to the URL's topic, message i to partition
// i % partitions, and waits for their delivery.
func writeSpread(t *testing.T, rawURL string, n, partitions int) []string {
	t.Helper()
	w, err := stream.Open(rawURL, stream.Write, stream.NoAuth())
	require.NoError(t, err)
	var values []string
	for i := 0; i < n; i++ {
		values = append(values, strconv.Itoa(i))
		require.NoError(t, w.Write([]byte(values[i]), stream.Partition(int32(i%partitions))))
	}
	require.NoError(t, w.Close())
	return values
}

// collected is what one reader read, and the error it stopped with (nil: the end of
// the stream, or its context ended).
type collected struct {
	values []string
	err    error
}

// readOn reads r on a goroutine of its own until its end of the stream, n messages
// (0: no limit), its context ends or it yields an error; the result comes on the
// channel. Without n it closes r (a reader closes itself at the end of the stream).
func readOn(ctx context.Context, r *stream.Stream, n int) <-chan collected {
	out := make(chan collected, 1)
	go func() {
		var c collected
		for m, err := range r.Messages(ctx) {
			if err != nil {
				c.err = err
				break
			}
			c.values = append(c.values, string(m.Payload))
			if len(c.values) == n {
				break
			}
		}
		if n == 0 {
			c.err = errors.Join(c.err, r.Close())
		}
		out <- c
	}()
	return out
}

// commitWatch records the failures a reader's WithCommitCallback sees.
type commitWatch struct {
	mu       sync.Mutex
	failures []error
}

func (w *commitWatch) onCommit(err error, parts []topicpartition.TopicPartition) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.failures = append(w.failures, err)
	}
	for _, p := range parts {
		if p.Err != nil {
			w.failures = append(w.failures, p.Err)
		}
	}
}

func (w *commitWatch) errs() []error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]error(nil), w.failures...)
}

// partitionsOf lists the partitions of starts, as "topic[p]".
func partitionsOf(starts []topicpartition.TopicPartition) []string {
	var out []string
	for _, s := range starts {
		out = append(out, fmt.Sprintf("%s[%d]", s.Topic, s.Partition))
	}
	return out
}

// offsetsOf maps partition number to start offset.
func offsetsOf(starts []topicpartition.TopicPartition) map[int32]topicpartition.Offset {
	out := map[int32]topicpartition.Offset{}
	for _, s := range starts {
		out[s.Partition] = s.Offset
	}
	return out
}

// minute is a context for one step of a test.
func minute(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
