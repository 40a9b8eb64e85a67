package producer_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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

// unreachable is a broker address nothing listens on.
const unreachable = "127.0.0.1:1"

func newProducer(t *testing.T, config map[string]any, opts ...producer.Option) *producer.Producer {
	t.Helper()
	if _, ok := config["bootstrap.servers"]; !ok {
		config["bootstrap.servers"] = testkafka.Bootstrap(t)
	}
	p, err := producer.New(config, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func readAll(t *testing.T, topic string, n int) []*message.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs, err := testkafka.ReadAll(ctx, testkafka.Bootstrap(t), topic, n)
	require.NoError(t, err)
	return msgs
}

// Poll returns exactly the number of events whose callbacks it ran (delivery reports,
// and client errors should any occur). Len is checked after Flush: right after Poll
// serves the last report, the engine may still count its message for a moment.
func TestPollReturnsReportsServed(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	var called, delivered int
	p := newProducer(t, map[string]any{},
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			assert.NoError(t, err)
			called++
			delivered++
		}),
		producer.WithErrorCallback(func(err *kafkaerror.Error) {
			t.Logf("client error served by Poll: %v", err)
			called++
		}))
	const n = 25
	for i := 0; i < n; i++ {
		require.NoError(t, p.Produce(topic, []byte(fmt.Sprint(i))))
	}
	deadline := time.Now().Add(30 * time.Second)
	for delivered < n && time.Now().Before(deadline) {
		before := called
		got := p.Poll(time.Second)
		assert.Equal(t, called-before, got, "Poll's count equals the callbacks it ran")
	}
	assert.Equal(t, n, delivered, "one report per message")
	assert.Equal(t, 0, p.Flush(10*time.Second))
	assert.Equal(t, 0, p.Len(), "nothing left to serve")
}

// Flush returns what is still outstanding; Len counts queued messages and unserved reports.
func TestFlushReturnsRemainingThenZero(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	// A long linger keeps the messages queued, so the first Flush(0) sees all of them.
	p := newProducer(t, map[string]any{"linger.ms": 2000})
	assert.Equal(t, 0, p.Len())
	for i := 0; i < 10; i++ {
		require.NoError(t, p.Produce(topic, []byte("x")))
	}
	assert.Equal(t, 10, p.Len())
	assert.Equal(t, 10, p.Flush(0), "nothing delivered yet: all 10 outstanding")
	assert.Equal(t, 0, p.Flush(30*time.Second))
	assert.Equal(t, 0, p.Len())
	assert.Len(t, readAll(t, topic, 10), 10)
}

// A tiny queue fills and Produce says ErrBufferFull at once; ProduceWait waits instead,
// until its context ends.
func TestBufferFull(t *testing.T) {
	// A long linger keeps the messages queued; a reachable broker raises no error events
	// (which Len would count too, as librdkafka's outq_len does).
	topic := testkafka.Topic(t, 1, nil)
	p := newProducer(t, map[string]any{"queue.buffering.max.messages": 5, "linger.ms": 60_000},
		producer.WithCloseTimeout(0))
	for i := 0; i < 5; i++ {
		require.NoError(t, p.Produce(topic, []byte("x")))
	}
	err := p.Produce(topic, []byte("x"))
	require.Error(t, err)
	assert.True(t, errors.Is(err, kafkaerror.ErrBufferFull))
	assert.True(t, errors.Is(err, kafkaerror.QueueFull))
	assert.Equal(t, 5, p.Len(), "the refused message was not queued")

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = p.ProduceWait(ctx, topic, []byte("x"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "it waited for room")
	assert.Equal(t, 5, p.Len())
}

// ProduceWait gets through a full queue once deliveries make room.
func TestProduceWaitSucceedsWhenRoomFrees(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	var delivered atomic.Int64
	p := newProducer(t, map[string]any{"queue.buffering.max.messages": 10},
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			assert.NoError(t, err)
			delivered.Add(1)
		}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 200 // twenty times the queue
	done := make(chan struct{})
	go func() { // the application's poll loop
		defer close(done)
		for delivered.Load() < n && ctx.Err() == nil {
			p.Poll(50 * time.Millisecond)
		}
	}()
	for i := 0; i < n; i++ {
		require.NoError(t, p.ProduceWait(ctx, topic, []byte(fmt.Sprint(i))))
	}
	<-done
	assert.EqualValues(t, n, delivered.Load())
	msgs := readAll(t, topic, n)
	for i, m := range msgs {
		assert.Equal(t, fmt.Sprint(i), string(m.Value()), "order kept in one partition")
	}
}

// A message larger than the topic's max.message.bytes is refused by the broker: one
// failed delivery report with MSG_SIZE_TOO_LARGE. One larger than the producer's own
// message.max.bytes is refused by Produce itself and gets no report.
func TestMessageTooLarge(t *testing.T) {
	topic := testkafka.Topic(t, 1, map[string]string{"max.message.bytes": "1024"})
	var reports []error
	p := newProducer(t, map[string]any{"message.max.bytes": 100_000},
		producer.WithDeliveryReport(func(err error, m *message.Message) { reports = append(reports, err) }))

	// One at a time: the broker refuses a whole batch when one message in it is too large.
	require.NoError(t, p.Produce(topic, make([]byte, 10_000)))
	require.Equal(t, 0, p.Flush(30*time.Second))
	require.NoError(t, p.Produce(topic, []byte("small")))
	require.Equal(t, 0, p.Flush(30*time.Second))
	require.Len(t, reports, 2, "exactly one report per message")
	assert.True(t, errors.Is(reports[0], kafkaerror.MsgSizeTooLarge), "got %v", reports[0])
	var kerr *kafkaerror.Error
	require.True(t, errors.As(reports[0], &kerr))
	assert.Equal(t, "MSG_SIZE_TOO_LARGE", kerr.Name())
	assert.NoError(t, reports[1])

	err := p.Produce(topic, make([]byte, 200_000), producer.Key([]byte("k")))
	assert.True(t, errors.Is(err, kafkaerror.MsgSizeTooLarge), "got %v", err)
	assert.Contains(t, err.Error(), fmt.Sprintf("produce to topic %q: message of 200001 bytes (key 1, value 200000, headers 0) is larger than message.max.bytes", topic))
	assert.Equal(t, 0, p.Len(), "refused at once, nothing queued")
	assert.Equal(t, 0, p.Poll(100*time.Millisecond), "and no report for it")
}

// With no broker reachable, every message fails after message.timeout.ms with exactly
// one _MSG_TIMED_OUT report; the error callback hears that the brokers are down.
func TestMessageTimedOut(t *testing.T) {
	var mu sync.Mutex
	var clientErrs []*kafkaerror.Error
	counts := map[string]int{}
	p := newProducer(t, map[string]any{
		"bootstrap.servers":  unreachable,
		"message.timeout.ms": 500,
		"log_level":          0,
	}, producer.WithErrorCallback(func(err *kafkaerror.Error) {
		mu.Lock()
		defer mu.Unlock()
		clientErrs = append(clientErrs, err)
	}), producer.WithDeliveryReport(func(err error, m *message.Message) {
		assert.True(t, errors.Is(err, kafkaerror.MsgTimedOut), "got %v", err)
		assert.Equal(t, "gone", m.Topic())
		counts[string(m.Key())]++
	}))
	for i := 0; i < 5; i++ {
		require.NoError(t, p.Produce("gone", []byte("v"), producer.Key([]byte(fmt.Sprint(i)))))
	}
	assert.Equal(t, 0, p.Flush(20*time.Second))
	assert.Equal(t, map[string]int{"0": 1, "1": 1, "2": 1, "3": 1, "4": 1}, counts)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, clientErrs, "client-wide errors reach the error callback")
	codes := map[kafkaerror.Code]bool{}
	for _, e := range clientErrs {
		codes[e.Code()] = true
	}
	assert.True(t, codes[kafkaerror.AllBrokersDown] || codes[kafkaerror.Transport], "got %v", clientErrs)
}

// What is produced is what is read back: null value stays nil, empty stays empty, keys,
// headers (with null and empty values) and timestamps survive, and the report has the
// partition and offset the message really landed at.
func TestRoundTripPreservesAbsentAndEmpty(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	ts := time.UnixMilli(1_700_000_123_456)
	type report struct {
		partition int32
		offset    topicpartition.Offset
	}
	var reports []report
	p := newProducer(t, map[string]any{}, producer.WithDeliveryReport(func(err error, m *message.Message) {
		require.NoError(t, err)
		reports = append(reports, report{m.Partition(), m.Offset()})
	}))
	hdrs := []message.Header{{Key: "a", Value: []byte("1")}, {Key: "null"}, {Key: "empty", Value: []byte{}}}
	require.NoError(t, p.Produce(topic, nil, producer.Key([]byte("tombstone"))))
	require.NoError(t, p.Produce(topic, []byte{}, producer.Key([]byte{})))
	require.NoError(t, p.Produce(topic, []byte("v"), producer.Headers(hdrs...), producer.Timestamp(ts)))
	require.Equal(t, 0, p.Flush(30*time.Second))
	require.Equal(t, []report{{0, 0}, {0, 1}, {0, 2}}, reports)

	msgs := readAll(t, topic, 3)
	assert.Nil(t, msgs[0].Value(), "null value read back as nil")
	assert.Equal(t, 0, msgs[0].Len())
	assert.Equal(t, []byte("tombstone"), msgs[0].Key())
	assert.NotNil(t, msgs[1].Value(), "empty value is not null")
	assert.Empty(t, msgs[1].Value())
	assert.NotNil(t, msgs[1].Key(), "empty key is not null")
	assert.Nil(t, msgs[2].Key(), "no key read back as nil")
	assert.Equal(t, hdrs, msgs[2].Headers())
	typ, got := msgs[2].Timestamp()
	assert.Equal(t, message.TimestampCreateTime, typ)
	assert.True(t, got.Equal(ts), "timestamp %v, want %v", got, ts)
	for i, m := range msgs {
		assert.NoError(t, m.Err())
		assert.Equal(t, topic, m.Topic())
		assert.EqualValues(t, 0, m.Partition())
		assert.EqualValues(t, i, m.Offset())
	}
}

// Explicit partitions are honoured.
func TestProduceToPartition(t *testing.T) {
	topic := testkafka.Topic(t, 4, nil)
	var parts []int32
	p := newProducer(t, map[string]any{}, producer.WithDeliveryReport(func(err error, m *message.Message) {
		require.NoError(t, err)
		parts = append(parts, m.Partition())
	}))
	for _, part := range []int32{3, 1, 2, 0} {
		require.NoError(t, p.Produce(topic, []byte("x"), producer.Partition(part)))
		require.Equal(t, 0, p.Flush(30*time.Second))
	}
	assert.Equal(t, []int32{3, 1, 2, 0}, parts)

	// The topic's partition count is known now, so a partition beyond it is refused at once.
	err := p.Produce(topic, []byte("x"), producer.Partition(9))
	assert.True(t, errors.Is(err, kafkaerror.UnknownPartition), "got %v", err)
	assert.Contains(t, err.Error(), fmt.Sprintf("produce to topic %q partition 9: Local: Unknown partition", topic))
	assert.Equal(t, 0, p.Len())
}

// OnDelivery overrides the producer's default callback for one message only.
func TestOnDeliveryOverridesDefault(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	var byDefault, byOwn []string
	p := newProducer(t, map[string]any{}, producer.WithDeliveryReport(func(err error, m *message.Message) {
		byDefault = append(byDefault, string(m.Value()))
	}))
	require.NoError(t, p.Produce(topic, []byte("a")))
	require.NoError(t, p.Produce(topic, []byte("b"), producer.OnDelivery(func(err error, m *message.Message) {
		byOwn = append(byOwn, string(m.Value()))
	})))
	require.NoError(t, p.Produce(topic, []byte("c")))
	require.Equal(t, 0, p.Flush(30*time.Second))
	assert.Equal(t, []string{"a", "c"}, byDefault)
	assert.Equal(t, []string{"b"}, byOwn)
}

// Many goroutines produce while others Poll and Flush: every message gets exactly one
// report, callbacks never overlap, and none runs outside Poll, Flush or Close.
func TestCallbacksSerialisedAndOnlyInsideServingCalls(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	var inServing, active atomic.Int32
	var overlaps, outside atomic.Int32
	var mu sync.Mutex
	seen := map[string]int{}
	p := newProducer(t, map[string]any{"linger.ms": 1}, producer.WithDeliveryReport(func(err error, m *message.Message) {
		if active.Add(1) != 1 {
			overlaps.Add(1)
		}
		if inServing.Load() == 0 {
			outside.Add(1)
		}
		assert.NoError(t, err)
		mu.Lock()
		seen[string(m.Key())]++
		mu.Unlock()
		active.Add(-1)
	}))
	serving := func(f func()) { inServing.Add(1); defer inServing.Add(-1); f() }

	const producers, perProducer = 4, 500
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < producers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < perProducer; j++ {
				assert.NoError(t, p.ProduceWait(context.Background(), topic, []byte("v"), producer.Key([]byte(fmt.Sprintf("%d-%d", i, j)))))
			}
		}(i)
	}
	var servers sync.WaitGroup
	for i := 0; i < 3; i++ {
		servers.Add(1)
		go func(i int) {
			defer servers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if i == 0 {
					serving(func() { p.Flush(10 * time.Millisecond) })
				} else {
					serving(func() { p.Poll(5 * time.Millisecond) })
				}
			}
		}(i)
	}
	wg.Wait()
	serving(func() { assert.Equal(t, 0, p.Flush(30*time.Second)) })
	close(stop)
	servers.Wait()

	assert.Zero(t, overlaps.Load(), "callbacks ran concurrently")
	assert.Zero(t, outside.Load(), "a callback ran outside Poll/Flush/Close")
	assert.Len(t, seen, producers*perProducer)
	for k, n := range seen {
		if n != 1 {
			t.Errorf("message %s got %d reports", k, n)
		}
	}
}

// Close twice is fine; every call afterwards fails with ErrClosed or returns 0.
func TestCallsAfterClose(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	var reports int
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)},
		producer.WithDeliveryReport(func(err error, m *message.Message) { reports++ }))
	require.NoError(t, err)
	require.NoError(t, p.Produce(topic, []byte("x")))
	require.NoError(t, p.Close(), "Close flushes the message")
	assert.Equal(t, 1, reports, "and serves its report")
	require.NoError(t, p.Close(), "second Close is a no-op")

	ctx := context.Background()
	assert.ErrorIs(t, p.Produce(topic, []byte("x")), kafkaerror.ErrClosed)
	assert.ErrorIs(t, p.ProduceWait(ctx, topic, []byte("x")), kafkaerror.ErrClosed)
	assert.ErrorIs(t, p.InitTransactions(ctx), kafkaerror.ErrClosed)
	assert.ErrorIs(t, p.BeginTransaction(), kafkaerror.ErrClosed)
	assert.ErrorIs(t, p.CommitTransaction(ctx), kafkaerror.ErrClosed)
	assert.ErrorIs(t, p.AbortTransaction(ctx), kafkaerror.ErrClosed)
	assert.Equal(t, 0, p.Poll(time.Second))
	assert.Equal(t, 0, p.Flush(time.Second))
	assert.Equal(t, 0, p.Len())
	assert.Equal(t, 1, reports)
}

// Close with messages that cannot be delivered returns within its bound, gives each of
// them exactly one _PURGE_QUEUE report and says how many it purged.
func TestCloseBoundedWithUndeliverable(t *testing.T) {
	var codes []kafkaerror.Code
	p, err := producer.New(map[string]any{"bootstrap.servers": unreachable, "log_level": 0},
		producer.WithCloseTimeout(300*time.Millisecond),
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			var kerr *kafkaerror.Error
			require.True(t, errors.As(err, &kerr), "got %v", err)
			codes = append(codes, kerr.Code())
		}))
	require.NoError(t, err)
	for i := 0; i < 7; i++ {
		require.NoError(t, p.Produce("t", []byte("x")))
	}
	start := time.Now()
	err = p.Close()
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.True(t, errors.Is(err, kafkaerror.PurgeQueue))
	assert.Contains(t, err.Error(), "7 message(s) undelivered")
	assert.Less(t, elapsed, 3*time.Second, "bounded by the close timeout plus the purge grace")
	assert.Equal(t, []kafkaerror.Code{
		kafkaerror.PurgeQueue, kafkaerror.PurgeQueue, kafkaerror.PurgeQueue, kafkaerror.PurgeQueue,
		kafkaerror.PurgeQueue, kafkaerror.PurgeQueue, kafkaerror.PurgeQueue,
	}, codes)
	t.Logf("Close with 7 undeliverable messages returned in %v", elapsed)
}

// A Poll blocked without a timeout returns when another goroutine closes the producer.
func TestCloseWakesBlockedPoll(t *testing.T) {
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	returned := make(chan int)
	go func() { returned <- p.Poll(-1) }()
	// Close may start before or after Poll blocks: either way Poll must return.
	require.NoError(t, p.Close())
	select {
	case n := <-returned:
		assert.Equal(t, 0, n)
	case <-time.After(10 * time.Second):
		t.Fatal("Poll(-1) did not return after Close")
	}
}

// A panic in a callback comes out of the call that served it, and the producer can
// still be closed afterwards.
func TestCallbackPanicPropagates(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)},
		producer.WithDeliveryReport(func(err error, m *message.Message) { panic("boom from callback") }))
	require.NoError(t, err)
	require.NoError(t, p.Produce(topic, []byte("x")))
	assert.PanicsWithValue(t, "boom from callback", func() { p.Flush(30 * time.Second) })
	assert.NoError(t, p.Close())
}

// Unknown and invalid properties fail New with an error naming the property.
func TestConfigErrorsNameTheProperty(t *testing.T) {
	cases := []struct {
		config map[string]any
		name   string
	}{
		{map[string]any{"bootstrap.servers": "x:1", "no.such.property": "1"}, "no.such.property"},
		{map[string]any{"bootstrap.servers": "x:1", "acks": "banana"}, `"acks"`},
		{map[string]any{"bootstrap.servers": "x:1", "request.required.acks": "banana"}, "request.required.acks"},
		{map[string]any{"bootstrap.servers": "x:1", "linger.ms": -5}, `"linger.ms"`},
		{map[string]any{"bootstrap.servers": "x:1", "go.events.channel.size": 5}, "go.events.channel.size"},
		{map[string]any{"bootstrap.servers": "x:1", "client.id": []string{"a"}}, "client.id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := producer.New(c.config)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), c.name)
			var kerr *kafkaerror.Error
			require.True(t, errors.As(err, &kerr), "a *kafkaerror.Error, got %T", err)
			assert.Equal(t, kafkaerror.InvalidArg, kerr.Code())
		})
	}
}

// Numbers and bools are accepted as property values, not only strings.
func TestConfigValueTypes(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := newProducer(t, map[string]any{"linger.ms": 5, "enable.idempotence": true, "batch.num.messages": int64(1000), "retry.backoff.ms": 100.0})
	require.NoError(t, p.Produce(topic, []byte("x")))
	assert.Equal(t, 0, p.Flush(30*time.Second))
}

// Produce to an empty topic name is a clear invalid-argument error.
func TestProduceEmptyTopic(t *testing.T) {
	p := newProducer(t, map[string]any{})
	err := p.Produce("", []byte("x"))
	assert.True(t, errors.Is(err, kafkaerror.InvalidArg), "got %v", err)
	assert.Contains(t, err.Error(), "empty topic")
}

// Regression: Flush once waited out its whole timeout when the engine still counted a
// message whose report had just been served (about one run in ten). Many produce+Flush
// cycles must finish well inside a single Flush timeout.
func TestFlushDoesNotWaitOutItsTimeout(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := newProducer(t, map[string]any{})
	const cycles, batch = 60, 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < cycles; i++ {
			for j := 0; j < batch; j++ {
				if !assert.NoError(t, p.Produce(topic, []byte("x"))) {
					return
				}
			}
			if !assert.Equal(t, 0, p.Flush(time.Minute)) {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // one Flush timeout: some Flush waited it out
		t.Fatal("a Flush waited for its timeout although its message was delivered")
	}
}
