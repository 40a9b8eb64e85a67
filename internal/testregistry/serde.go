package testregistry

import (
	"context"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Producer is a serializing producer on the test broker, closed when the test ends.
func Producer[K, V any](t testing.TB, key serde.Serializer[K], value serde.Serializer[V]) *serde.Producer[K, V] {
	t.Helper()
	p, err := serde.NewProducer(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)}, key, value)
	if err != nil {
		t.Fatalf("serde.NewProducer: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// Flush waits until everything p queued is delivered; the test fails otherwise.
func Flush[K, V any](t testing.TB, p *serde.Producer[K, V]) {
	t.Helper()
	if left := p.Flush(30 * time.Second); left != 0 {
		t.Fatalf("%d records not delivered in 30 s", left)
	}
}

// ReadN reads the first n records of partition 0 of topic with a deserializing
// consumer of its own (no group), each with its Err, failing the test after a minute.
func ReadN[K, V any](t testing.TB, topic string, n int, key serde.Deserializer[K], value serde.Deserializer[V]) []*serde.Message[K, V] {
	t.Helper()
	c, err := serde.NewConsumer(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)}, key, value)
	if err != nil {
		t.Fatalf("serde.NewConsumer: %v", err)
	}
	defer c.Close()
	if err := c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)}); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []*serde.Message[K, V]
	for len(out) < n {
		m := c.PollContext(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records from %s in a minute", len(out), n, topic)
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}
