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
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
)

// produceSpread writes n messages "0".."n-1" with increasing timestamps, round robin
// over the partitions.
func produceSpread(t *testing.T, topic string, partitions, n int) {
	t.Helper()
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer p.Close()
	t0 := time.Now().Add(-time.Hour)
	for i := 0; i < n; i++ {
		require.NoError(t, p.Produce(topic, []byte(strconv.Itoa(i)), producer.Partition(int32(i%partitions)),
			producer.Timestamp(t0.Add(time.Duration(i)*time.Second))))
	}
	require.Equal(t, 0, p.Flush(30*time.Second))
}

func last(t *testing.T, topic string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := stream.Last(ctx, url(t, topic), n, stream.NoAuth())
	require.NoError(t, err)
	return payloads(got)
}

// The last n across all partitions are the n latest, oldest first; a shorter topic
// gives everything; an empty one nothing.
func TestLastAcrossPartitions(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	produceSpread(t, topic, 3, 10)
	assert.Equal(t, []string{"6", "7", "8", "9"}, last(t, topic, 4))
	assert.Equal(t, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, last(t, topic, 50), "shorter than n")

	empty := testkafka.Topic(t, 2, nil)
	assert.Empty(t, last(t, empty, 5))

	_, err := stream.Last(context.Background(), url(t, topic), 0, stream.NoAuth())
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
}

// Nothing before the low watermark is asked for: after deleting the first records, the
// last n stop there.
func TestLastNeverBeforeLowWatermark(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceSpread(t, topic, 1, 6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, testkafka.DeleteRecordsBefore(ctx, testkafka.Bootstrap(t), topic, 0, 4))
	assert.Equal(t, []string{"4", "5"}, last(t, topic, 10))
}

// A partition that ends with a transaction's commit marker (an offset never delivered as
// a message) still counts as read to its end.
func TestLastWhenPartitionEndsWithTransactionMarker(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t), "transactional.id": testkafka.UniqueName("tx")})
	require.NoError(t, err)
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, p.InitTransactions(ctx))
	require.NoError(t, p.BeginTransaction())
	for _, v := range []string{"a", "b", "c"} {
		require.NoError(t, p.Produce(topic, []byte(v)))
	}
	require.NoError(t, p.CommitTransaction(ctx))
	assert.Equal(t, []string{"b", "c"}, last(t, topic, 2))
}
