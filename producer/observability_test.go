package producer_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/producer"
)

// librdkafka's statistics reach the stats callback, from Poll, as JSON.
func TestStatsCallback(t *testing.T) {
	var stats []string
	p := newProducer(t, map[string]any{"statistics.interval.ms": 100},
		producer.WithStatsCallback(func(js string) { stats = append(stats, js) }))
	deadline := time.Now().Add(10 * time.Second)
	for len(stats) == 0 && time.Now().Before(deadline) {
		p.Poll(200 * time.Millisecond)
	}
	require.NotEmpty(t, stats)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(stats[0]), &doc))
	assert.Equal(t, "producer", doc["type"])
	assert.Contains(t, doc, "msg_cnt")
}

// recorder is a slog.Handler that keeps the records it is given.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// librdkafka's log lines go to the configured slog.Logger with their facility.
func TestLogsGoToSlog(t *testing.T) {
	rec := &recorder{}
	p, err := producer.New(map[string]any{
		"bootstrap.servers": testkafka.Bootstrap(t),
		"debug":             "broker",
	}, producer.WithLogger(slog.New(rec)))
	require.NoError(t, err)
	topic := testkafka.Topic(t, 1, nil)
	require.NoError(t, p.Produce(topic, []byte("x")))
	require.Equal(t, 0, p.Flush(10*time.Second))
	require.NoError(t, p.Close(), "Close forwards the last log lines before returning")

	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.NotEmpty(t, rec.records)
	var facilities = map[string]bool{}
	for _, r := range rec.records {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "facility" {
				facilities[a.Value.String()] = true
			}
			return true
		})
		assert.Equal(t, slog.LevelDebug, r.Level, "debug lines are slog debug: %s", r.Message)
	}
	assert.True(t, facilities["BROKER"] || facilities["CONNECT"] || facilities["STATE"], "got facilities %v", facilities)
}
