package engine_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) log(level int, client, facility, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%d %s %s %s", level, client, facility, text))
}

func newProducer(t *testing.T, props map[string]string) (*engine.Producer, *logLines) {
	t.Helper()
	if _, ok := props["bootstrap.servers"]; !ok {
		props["bootstrap.servers"] = testkafka.Bootstrap(t)
	}
	logs := &logLines{}
	p, err := engine.NewProducer(props, logs.log)
	require.NoError(t, err)
	return p, logs
}

// pollUntil serves p's events, waiting on its wake-up channel, until done says so or
// the time runs out.
func pollUntil(t *testing.T, p *engine.Producer, timeout time.Duration, handle func(engine.Event), done func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	var evs []engine.Event
	for !done() {
		evs = p.Poll(evs[:0], 100_000)
		for _, ev := range evs {
			handle(ev)
		}
		if len(evs) > 0 || done() {
			continue
		}
		select {
		case <-p.Wake():
		case <-deadline:
			t.Fatalf("timed out after %v", timeout)
		}
	}
}

// Reports carry what was produced (key, value, headers, null and empty kept apart), the
// slot, the partition and offset, and the message's create time.
func TestProducerReports(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	p, _ := newProducer(t, map[string]string{"linger.ms": "5"})
	defer p.Close()

	stamp := time.UnixMilli(1_700_000_000_123)
	outs := []engine.Out{
		{Topic: topic, Partition: 0, Key: []byte("k"), Value: []byte("v"), Slot: 1},
		{Topic: topic, Partition: 1, Slot: 2}, // null key and value
		{Topic: topic, Partition: 1, Key: []byte{}, Value: []byte{}, Slot: 3},
		{Topic: topic, Partition: 0, Value: []byte("h"), Timestamp: stamp, Slot: 4, Headers: []message.Header{
			{Key: "a", Value: []byte("1")}, {Key: "null", Value: nil}, {Key: "empty", Value: []byte{}}, {Key: "a", Value: []byte("2")}}},
		{Topic: topic, Partition: topicpartition.PartitionAny, Value: []byte("any"), Slot: 5},
	}
	before := time.Now().Add(-time.Second)
	for i := range outs {
		require.NoError(t, p.Produce(outs[i]))
	}
	got := map[uint64]*message.Message{}
	pollUntil(t, p, 30*time.Second, func(ev engine.Event) {
		require.Equal(t, engine.Delivery, ev.Kind, "%+v", ev)
		got[ev.Slot] = ev.Msg
	}, func() bool { return len(got) == len(outs) })

	for _, o := range outs {
		m := got[o.Slot]
		require.NotNil(t, m, "slot %d", o.Slot)
		require.NoError(t, m.Err())
		assert.Equal(t, topic, m.Topic())
		if o.Partition >= 0 {
			assert.Equal(t, o.Partition, m.Partition())
		}
		assert.GreaterOrEqual(t, int64(m.Offset()), int64(0))
		assert.Equal(t, o.Key, m.Key(), "slot %d key", o.Slot)
		assert.Equal(t, o.Value, m.Value(), "slot %d value", o.Slot)
		assert.Equal(t, o.Key == nil, m.Key() == nil, "slot %d: null key", o.Slot)
		assert.Equal(t, o.Value == nil, m.Value() == nil, "slot %d: null value", o.Slot)
		if len(o.Headers) > 0 {
			assert.Equal(t, o.Headers, m.Headers())
		} else {
			assert.Empty(t, m.Headers())
		}
		typ, ts := m.Timestamp()
		assert.Equal(t, message.TimestampCreateTime, typ)
		if o.Timestamp.IsZero() {
			assert.True(t, ts.After(before) && ts.Before(time.Now().Add(time.Second)), "librdkafka's stamp %v", ts)
		} else {
			assert.True(t, o.Timestamp.Equal(ts), "%v != %v", ts, o.Timestamp)
		}
	}
	assert.Equal(t, 0, p.Len(), "every report served")
}

// Unserved reports count toward queue.buffering.max.messages, as in the Python client:
// with nothing polled, the bound is reached however fast the broker acknowledges.
func TestProducerQueueBoundCountsUnservedReports(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p, _ := newProducer(t, map[string]string{"queue.buffering.max.messages": "1000", "linger.ms": "0"})
	defer p.Close()
	for i := 0; i < 1000; i++ {
		require.NoError(t, p.Produce(engine.Out{Topic: topic, Partition: 0, Value: []byte("x")}), "message %d", i)
	}
	require.NoError(t, testkafka.WaitForMessages(testCtx(t), testkafka.Bootstrap(t), topic, 1000))
	err := p.Produce(engine.Out{Topic: topic, Partition: 0, Value: []byte("x")})
	assert.True(t, errors.Is(err, kafkaerror.QueueFull), "the 1,001st with every message delivered but no report served: %v", err)
	assert.GreaterOrEqual(t, p.Len(), 1000, "every unserved report counts")

	served := 0
	pollUntil(t, p, 10*time.Second, func(ev engine.Event) {
		if ev.Kind == engine.Delivery {
			served++
		}
	}, func() bool { return served == 1000 })
	assert.Equal(t, 0, p.Len())
	require.NoError(t, p.Produce(engine.Out{Topic: topic, Partition: 0, Value: []byte("x")}), "room again")
}

// A refused message is librdkafka's error, and gets no report.
func TestProducerRefusals(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p, _ := newProducer(t, map[string]string{"message.max.bytes": "1000"})
	defer p.Close()
	err := p.Produce(engine.Out{Topic: topic, Partition: 0, Value: make([]byte, 2000)})
	assert.True(t, errors.Is(err, kafkaerror.MsgSizeTooLarge), "%v", err)
	assert.Equal(t, 0, p.Len())
}

// Purged messages get a report each, with _PURGE_QUEUE.
func TestProducerPurge(t *testing.T) {
	p, _ := newProducer(t, map[string]string{"bootstrap.servers": "127.0.0.1:1", "log_level": "0"})
	defer p.Close()
	for i := 0; i < 10; i++ {
		require.NoError(t, p.Produce(engine.Out{Topic: "nowhere", Partition: 0, Value: []byte("x"), Slot: uint64(i)}))
	}
	require.NoError(t, p.Purge(engine.PurgeQueue|engine.PurgeInFlight|engine.PurgeNonBlocking))
	purged := 0
	pollUntil(t, p, 10*time.Second, func(ev engine.Event) {
		if ev.Kind == engine.Delivery && errors.Is(ev.Msg.Err(), kafkaerror.PurgeQueue) {
			purged++
		}
	}, func() bool { return purged == 10 })
}

// Configuration errors are librdkafka's, naming the property; log lines reach LogFunc.
func TestProducerConfigAndLogs(t *testing.T) {
	_, err := engine.NewProducer(map[string]string{"no.such.property": "1"}, nil)
	assert.ErrorContains(t, err, "no.such.property")
	assert.True(t, errors.Is(err, kafkaerror.InvalidArg))

	p, logs := newProducer(t, map[string]string{"debug": "generic", "log_level": "7"})
	p.Close()
	logs.mu.Lock()
	defer logs.mu.Unlock()
	assert.NotEmpty(t, logs.lines, "debug lines reach the LogFunc")
}

// The serialized metadata of a group by id is accepted by a transaction.
func TestGroupMetadataBytes(t *testing.T) {
	b, err := engine.GroupMetadata("orders")
	require.NoError(t, err)
	assert.NotEmpty(t, b)
	assert.Contains(t, string(b), "orders")
}

// ProduceBatch queues a batch in one call: every message gets its report, with what it
// was given; a refusal stops the batch and says how many were queued.
func TestProducerProduceBatch(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	p, _ := newProducer(t, map[string]string{"queue.buffering.max.messages": "3000", "message.max.bytes": "10000"})
	defer p.Close()
	outs := make([]engine.Out, 2500)
	for i := range outs {
		o := &outs[i]
		o.Slot = uint64(i + 1)
		switch i % 4 {
		case 0:
			o.Key, o.Value = []byte(fmt.Sprint("k", i)), []byte(fmt.Sprint("v", i))
		case 1: // null key and value
		case 2:
			o.Key, o.Value = []byte{}, []byte{}
		case 3:
			o.Value = []byte(fmt.Sprint("h", i))
			o.Headers = []message.Header{{Key: "n", Value: []byte(fmt.Sprint(i))}, {Key: "null"}}
			o.Timestamp = time.UnixMilli(int64(1_600_000_000_000 + i))
		}
	}
	n, err := p.ProduceBatch(topic, topicpartition.PartitionAny, outs)
	require.NoError(t, err)
	require.Equal(t, len(outs), n)

	got := map[uint64]*message.Message{}
	pollUntil(t, p, 30*time.Second, func(ev engine.Event) {
		require.Equal(t, engine.Delivery, ev.Kind)
		require.NoError(t, ev.Msg.Err())
		require.NotContains(t, got, ev.Slot, "one report per message")
		got[ev.Slot] = ev.Msg
	}, func() bool { return len(got) == len(outs) })
	for i, o := range outs {
		m := got[o.Slot]
		require.Equal(t, o.Key, m.Key(), "message %d", i)
		require.Equal(t, o.Key == nil, m.Key() == nil, "message %d", i)
		require.Equal(t, o.Value, m.Value(), "message %d", i)
		require.Equal(t, o.Value == nil, m.Value() == nil, "message %d", i)
		if o.Headers != nil {
			require.Equal(t, o.Headers, m.Headers(), "message %d", i)
			_, ts := m.Timestamp()
			require.True(t, o.Timestamp.Equal(ts), "message %d", i)
		}
	}

	// 3000 may wait: 2,500 reports taken, so a batch of 3,001 stops at 3,000.
	big := make([]engine.Out, 3001)
	n, err = p.ProduceBatch(topic, 0, big)
	assert.Equal(t, 3000, n)
	assert.True(t, errors.Is(err, kafkaerror.QueueFull), "%v", err)

	// A message too large stops the batch at its index.
	n, err = p.ProduceBatch(topic, 0, []engine.Out{{Value: make([]byte, 20_000)}})
	assert.Equal(t, 0, n)
	assert.True(t, errors.Is(err, kafkaerror.MsgSizeTooLarge), "%v", err)
}
