package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// The engine's metadata lists the broker and a topic with its partitions; one topic
// asked for alone comes with its own error when the cluster lacks it; a producer whose
// only broker cannot be reached gives up at ctx's deadline.
func TestMetadata(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	p, _ := newProducer(t, map[string]string{"allow.auto.create.topics": "false"})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	md, err := p.Metadata(ctx, "")
	require.NoError(t, err)
	require.Len(t, md.Brokers, 1)
	assert.Equal(t, testkafka.Bootstrap(t), md.Brokers[0].Addr())
	assert.EqualValues(t, md.Brokers[0].ID, md.ControllerID)
	assert.NotEmpty(t, md.ClusterID)
	assert.Contains(t, []int32{-1, md.Brokers[0].ID}, md.OrigBrokerID) // -1: over the bootstrap connection
	assert.Contains(t, md.OrigBrokerName, testkafka.Bootstrap(t))
	tm := md.Topic(topic)
	require.NotNil(t, tm)
	require.NoError(t, tm.Err)
	require.Len(t, tm.Partitions, 3)
	for i, part := range tm.Partitions {
		assert.EqualValues(t, i, part.ID)
		assert.Equal(t, md.Brokers[0].ID, part.Leader)
		assert.Equal(t, []int32{part.Leader}, part.Replicas)
		assert.Equal(t, []int32{part.Leader}, part.ISR)
		assert.NoError(t, part.Err)
	}
	assert.False(t, tm.Internal)
	for _, other := range md.Topics { // __consumer_offsets is there once any group has committed
		assert.Equal(t, other.Name == "__consumer_offsets" || other.Name == "__transaction_state", other.Internal, other.Name)
	}

	one, err := p.Metadata(ctx, topic)
	require.NoError(t, err)
	require.Len(t, one.Topics, 1)
	assert.Equal(t, tm, &one.Topics[0])

	missing := testkafka.UniqueName("no-such-topic")
	none, err := p.Metadata(ctx, missing)
	require.NoError(t, err)
	require.Len(t, none.Topics, 1)
	assert.ErrorIs(t, none.Topics[0].Err, kafkaerror.UnknownTopicOrPart)

	down, _ := newProducer(t, map[string]string{"bootstrap.servers": testkafka.ClosedPort(t), "log_level": "0"})
	defer down.Close()
	short, cancelShort := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancelShort()
	start := time.Now()
	_, err = down.Metadata(short, "")
	took := time.Since(start)
	require.Error(t, err)
	assert.True(t, errors.Is(err, kafkaerror.Transport) || errors.Is(err, kafkaerror.TimedOut), "got %v", err)
	assert.Less(t, took, 3*time.Second)
	assert.GreaterOrEqual(t, took, 1400*time.Millisecond)
	t.Log("unreachable:", err, "after", took)
}
