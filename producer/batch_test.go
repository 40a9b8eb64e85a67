package producer_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// ProduceBatch past the queue bound: batches stop at ErrBufferFull, the rest goes after
// a Poll, and every record gets exactly one report.
func TestProduceBatchEveryRecordOneReport(t *testing.T) {
	const n = 250_001
	topic := testkafka.Topic(t, 3, nil)
	l := newReportLedger(t, n)
	p := newProducer(t, map[string]any{"linger.ms": 5}, producer.WithDeliveryReport(l.report))
	records := make([]producer.Record, 0, 10_000)
	fulls := 0
	for i := 0; i < n; {
		records = records[:0]
		for j := i; j < n && len(records) < cap(records); j++ {
			records = append(records, producer.Record{Value: l.value(j)})
		}
		queued, err := p.ProduceBatch(topic, topicpartition.PartitionAny, records)
		i += queued
		if errors.Is(err, kafkaerror.ErrBufferFull) {
			fulls++
			p.Poll(100 * time.Millisecond)
			continue
		}
		require.NoError(t, err)
	}
	require.Equal(t, 0, p.Flush(60*time.Second))
	t.Logf("%d batch(es) stopped at the queue bound", fulls)
	assert.Positive(t, fulls, "the test went past queue.buffering.max.messages")
	l.check()
}

// A record's OnDelivery, headers, key and timestamp travel like Produce's; a refused
// record stops the batch at its index with Produce's error.
func TestProduceBatchRecords(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	var reports []*message.Message
	var own int
	p := newProducer(t, map[string]any{"message.max.bytes": 5000},
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			require.NoError(t, err)
			reports = append(reports, m)
		}))
	at := time.UnixMilli(1_650_000_000_000)
	n, err := p.ProduceBatch(topic, 1, []producer.Record{
		{Key: []byte("k"), Value: []byte("v"), Headers: []message.Header{{Key: "h", Value: []byte("1")}}, Timestamp: at},
		{Value: nil},
		{Value: []byte("own"), OnDelivery: func(err error, m *message.Message) { own++ }},
		{Value: make([]byte, 10_000)},
		{Value: []byte("never sent")},
	})
	assert.Equal(t, 3, n)
	assert.True(t, errors.Is(err, kafkaerror.MsgSizeTooLarge), "%v", err)
	assert.ErrorContains(t, err, "produce to topic")
	require.Equal(t, 0, p.Flush(10*time.Second))
	assert.Equal(t, 1, own)
	require.Len(t, reports, 2)
	for _, m := range reports {
		assert.EqualValues(t, 1, m.Partition())
	}
	assert.Equal(t, []byte("k"), reports[0].Key())
	assert.Equal(t, []message.Header{{Key: "h", Value: []byte("1")}}, reports[0].Headers())
	_, ts := reports[0].Timestamp()
	assert.True(t, at.Equal(ts))
	assert.Nil(t, reports[1].Value())

	n, err = p.ProduceBatch("", 0, []producer.Record{{}})
	assert.Zero(t, n)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	require.NoError(t, p.Close())
	n, err = p.ProduceBatch(topic, 0, []producer.Record{{}})
	assert.Zero(t, n)
	assert.ErrorIs(t, err, kafkaerror.ErrClosed)
}
