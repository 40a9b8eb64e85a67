package cluster

import (
	"bytes"
	"io"
	"log/slog"
	"testing"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// A partition list goes to confluent-kafka-go and comes back the same, metadata and
// leader epoch included.
func TestTopicPartitionsRoundTrip(t *testing.T) {
	epoch := int32(5)
	in := []topicpartition.TopicPartition{
		{Topic: "a", Partition: 1, Offset: 10, Metadata: "md", LeaderEpoch: &epoch},
		{Topic: "b", Partition: 0, Offset: topicpartition.OffsetBeginning},
	}
	var out []topicpartition.TopicPartition
	for _, ck := range toCKTopicPartitions(in) {
		out = append(out, fromCKTopicPartition(ck))
	}
	assert.Equal(t, in, out)
	assert.Nil(t, toCKTopicPartitions(nil))

	failed := fromCKTopicPartition(ckafka.TopicPartition{Partition: 3, Error: ckafka.NewError(ckafka.ErrUnknownPartition, "gone", false)})
	assert.ErrorIs(t, failed.Err, kafkaerror.UnknownPartition, "the error is converted")
}

// The forwarder turns each log event into one slog record, and stop forwards what is
// still queued before it returns.
func TestLogForwarderForwardsEverythingBeforeStop(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := startLogForwarder(logger)
	f.c <- ckafka.LogEvent{Name: "rdkafka#producer-1", Tag: "FAIL", Level: 3, Message: "127.0.0.1:9092/bootstrap: Connect failed"}
	f.c <- ckafka.LogEvent{Name: "rdkafka#producer-1", Tag: "INIT", Level: 7, Message: "librdkafka initialized"}
	f.stop()
	assert.Contains(t, out.String(), `level=ERROR msg="127.0.0.1:9092/bootstrap: Connect failed" client=rdkafka#producer-1 facility=FAIL source=librdkafka`)
	assert.Contains(t, out.String(), `level=DEBUG msg="librdkafka initialized" client=rdkafka#producer-1 facility=INIT source=librdkafka`)
}

// A client-wide error of confluent-kafka-go is explained as rdstreams' engine's would be.
func TestExplainConfluentKafkaGoError(t *testing.T) {
	conn := clientconf.ConnOf(map[string]any{})
	f := explain(conn, ckafka.NewError(ckafka.ErrTransport,
		"127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)", false))
	assert.Equal(t, clientconf.ConnRefused, f.Kind)
	assert.Equal(t, "connect to 127.0.0.1:1: nothing is listening there (connection refused)", f.Error())
	assert.ErrorIs(t, f, kafkaerror.Transport)
}

// newCKEngine refuses what the user may not set before starting anything, names an
// alias the way the user wrote it, and leaves nothing running on an error.
func TestNewCKEngineConfigErrors(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, _, err := newCKEngine(map[string]any{"go.logs.channel.enable": true}, nil, logger, ckafka.NewProducer)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `"go.logs.channel.enable"`)

	_, logs, err := newCKEngine(map[string]any{"linger.ms": -5}, nil, logger, ckafka.NewProducer)
	require.Error(t, err)
	assert.Nil(t, logs)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `configuration property "linger.ms" (librdkafka's queue.buffering.max.ms)`)
}
