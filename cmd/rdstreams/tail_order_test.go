package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/producer"
)

// TestTailTimestampTies: messages with one timestamp across partitions and topics
// print by topic, then partition, then offset, whatever order they were produced in.
func TestTailTimestampTies(t *testing.T) {
	t.Parallel()
	a, b := testkafka.Topic(t, 3, nil), testkafka.Topic(t, 2, nil)
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer p.Close()
	ts := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	// Produced in an order unlike the printed one: b before a, high partitions first.
	for _, m := range []struct {
		topic     string
		partition int32
		value     string
	}{
		{b, 1, "b1-0"}, {b, 0, "b0-0"}, {a, 2, "a2-0"}, {a, 2, "a2-1"}, {a, 1, "a1-0"},
		{a, 0, "a0-0"}, {b, 1, "b1-1"}, {a, 0, "a0-1"}, {a, 1, "a1-1"},
	} {
		require.NoError(t, p.Produce(m.topic, []byte(m.value), producer.Partition(m.partition), producer.Timestamp(ts)))
		require.Equal(t, 0, p.Flush(30*time.Second))
	}
	// One later message: it is the newest whatever its partition.
	require.NoError(t, p.Produce(a, []byte("a0-later"), producer.Partition(0), producer.Timestamp(ts.Add(time.Millisecond))))
	require.Equal(t, 0, p.Flush(30*time.Second))

	fromA, fromB := "a0-0\na0-1\na1-0\na1-1\na2-0\na2-1\n", "b0-0\nb1-0\nb1-1\n"
	want := fromA + fromB
	if b < a { // topic names order ties
		want = fromB + fromA
	}
	want += "a0-later\n"
	for _, u := range []string{url(t, a+","+b), url(t, b+","+a)} { // the URL's order does not matter
		r := ok(t, "", "tail", "--no-auth", "-n", "10", u)
		assert.Equal(t, want, r.stdout)
		r = ok(t, "", "tail", "--no-auth", "-n", "4", u)
		lines := strings.SplitAfter(want, "\n")
		assert.Equal(t, strings.Join(lines[len(lines)-5:], ""), r.stdout, "the last 4 in that order")
	}
}
