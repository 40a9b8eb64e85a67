package rdkafkalog

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Watch sees every librdkafka line, while the logger it wraps keeps its level.
func TestWatchSeesWhatTheLoggerFilters(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelError}))
	var seen []string
	watched := Watch(logger, func(facility, text string) { seen = append(seen, facility+" "+text) })
	emit := Emitter(watched)
	emit(6, "rdkafka#producer-1", "FAIL", "hung up")
	emit(3, "rdkafka#producer-1", "FAIL", "refused")
	watched.Log(context.Background(), slog.LevelError, "not from librdkafka")
	assert.Equal(t, []string{"FAIL hung up", "FAIL refused"}, seen)
	assert.NotContains(t, out.String(), "hung up", "the info line stays below the logger's level")
	assert.Contains(t, out.String(), "refused")
	assert.Contains(t, out.String(), "not from librdkafka")
}
