package producer_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// reportLedger counts the delivery reports of messages whose values are their index,
// so that a lost report and a report served twice are both seen.
type reportLedger struct {
	t      *testing.T
	counts []uint8
	failed int
	served int
}

func newReportLedger(t *testing.T, n int) *reportLedger {
	return &reportLedger{t: t, counts: make([]uint8, n)}
}

// value is message i's payload.
func (l *reportLedger) value(i int) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(i))
}

// report is the producer's delivery callback; Poll, Flush and Close never run it
// concurrently, so it needs no lock.
func (l *reportLedger) report(err error, m *message.Message) {
	l.served++
	if err != nil {
		l.failed++
		return
	}
	l.counts[binary.BigEndian.Uint64(m.Value())]++
}

// check asserts exactly one successful report per message.
func (l *reportLedger) check() {
	l.t.Helper()
	missing, twice := 0, 0
	for _, c := range l.counts {
		switch {
		case c == 0:
			missing++
		case c > 1:
			twice++
		}
	}
	assert.Zero(l.t, l.failed, "failed reports")
	assert.Zero(l.t, missing, "messages without a delivery report")
	assert.Zero(l.t, twice, "messages with more than one delivery report")
	assert.Equal(l.t, len(l.counts), l.served, "reports served")
}

// reportsConfig lets librdkafka hold every message of these tests at once, so that the
// reports can pile up unserved whatever engine carries them.
func reportsConfig() map[string]any {
	return map[string]any{"linger.ms": 1, "queue.buffering.max.messages": 1_000_000}
}

// One Flush serves far more reports than any internal batch of the producer: every one
// exactly once. (A report was once dropped at each 100,000th served by one call.)
func TestFlushServesEveryWaitingReportOnce(t *testing.T) {
	const n = 250_001
	topic := testkafka.Topic(t, 3, nil)
	l := newReportLedger(t, n)
	p := newProducer(t, reportsConfig(), producer.WithDeliveryReport(l.report))
	for i := 0; i < n; i++ {
		require.NoError(t, p.Produce(topic, l.value(i)))
	}
	// All on the broker before anything is served: the reports wait for Flush in one pile.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, testkafka.WaitForMessages(ctx, testkafka.Bootstrap(t), topic, n))
	require.Equal(t, 0, p.Flush(60*time.Second), "Flush: outstanding")
	l.check()
	assert.Equal(t, 0, p.Len())
	require.NoError(t, p.Close())
}

// Polls spread over time serve every report exactly once, and Poll's counts add up to
// what they served: first Polls that each find a backlog larger than one batch of the
// producer (bursts left on the broker unserved), then Polls on a ticker while producing
// goes on, then a Flush for what is left.
func TestPollsOverTimeServeEveryReportOnce(t *testing.T) {
	bursts := []int{150_000, 150_000} // each waits, whole, for one Poll
	const steady = 100_000            // then produced while a ticker polls
	n := bursts[0] + bursts[1] + steady
	topic := testkafka.Topic(t, 3, nil)
	l := newReportLedger(t, n)
	p := newProducer(t, reportsConfig(), producer.WithDeliveryReport(l.report))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	var mu sync.Mutex // the poller's figures
	polled, largest, polls := 0, 0, 0
	poll := func() {
		got := p.Poll(0)
		mu.Lock()
		defer mu.Unlock()
		polled += got
		largest = max(largest, got)
		polls++
	}

	next := 0
	for _, b := range bursts {
		for ; next < n && b > 0; next, b = next+1, b-1 {
			require.NoError(t, p.Produce(topic, l.value(next)))
		}
		require.NoError(t, testkafka.WaitForMessages(ctx, testkafka.Bootstrap(t), topic, int64(next)))
		poll()
	}

	stop, pollerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(pollerDone)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				poll()
			}
		}
	}()
	stopPoller := sync.OnceFunc(func() { close(stop); <-pollerDone })
	defer stopPoller() // also when a require below fails
	for ; next < n; next++ {
		require.NoError(t, p.Produce(topic, l.value(next)))
	}
	require.NoError(t, testkafka.WaitForMessages(ctx, testkafka.Bootstrap(t), topic, int64(n)))
	stopPoller()
	// Callbacks run only inside Poll and Flush: so far, only the Polls ran them.
	assert.Equal(t, l.served, polled, "Poll's counts add up to the reports they served")
	flushed := p.Flush(30 * time.Second)

	t.Logf("%d polls served %d reports, at most %d in one", polls, polled, largest)
	assert.Equal(t, 0, flushed, "Flush: outstanding")
	assert.GreaterOrEqual(t, largest, 100_000, "a Poll found a backlog of at least one batch")
	l.check()
	require.NoError(t, p.Close())
}

// As in the Python client, reports not yet served count toward
// queue.buffering.max.messages: a producer never polled gets ErrBufferFull at exactly
// the 1,001st message of a 1,000 bound, even once every message is on the broker.
func TestNeverPolledProducerFillsAtTheBound(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	p := newProducer(t, map[string]any{"queue.buffering.max.messages": 1000, "linger.ms": 0})
	for i := 0; i < 1000; i++ {
		require.NoError(t, p.Produce(topic, []byte("x")), "message %d", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, testkafka.WaitForMessages(ctx, testkafka.Bootstrap(t), topic, 1000))
	for i := 0; i < 4000; i++ {
		require.ErrorIs(t, p.Produce(topic, []byte("x")), kafkaerror.ErrBufferFull, "attempt %d past the bound", i)
	}
	assert.GreaterOrEqual(t, p.Len(), 1000, "the unserved reports are counted")
	assert.Equal(t, 1000, p.Poll(0))
	assert.Equal(t, 0, p.Len())
	require.NoError(t, p.Produce(topic, []byte("x")), "room once the reports are served")
	assert.Equal(t, 0, p.Flush(10*time.Second))
}

// A delivery report carries the message's timestamp and its type, as Python's do: the
// one given to Produce, or the time librdkafka stamped it with.
func TestReportsCarryTimestamps(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	given := time.UnixMilli(1_600_000_000_007)
	type stamp struct {
		typ message.TimestampType
		at  time.Time
	}
	got := map[string]stamp{}
	p := newProducer(t, map[string]any{}, producer.WithDeliveryReport(func(err error, m *message.Message) {
		require.NoError(t, err)
		typ, at := m.Timestamp()
		got[string(m.Value())] = stamp{typ, at}
	}))
	before := time.Now().Truncate(time.Millisecond)
	require.NoError(t, p.Produce(topic, []byte("given"), producer.Timestamp(given)))
	require.NoError(t, p.Produce(topic, []byte("stamped")))
	require.Equal(t, 0, p.Flush(10*time.Second))
	after := time.Now()

	assert.Equal(t, message.TimestampCreateTime, got["given"].typ)
	assert.True(t, given.Equal(got["given"].at), "given %v, report %v", given, got["given"].at)
	assert.Equal(t, message.TimestampCreateTime, got["stamped"].typ)
	at := got["stamped"].at
	assert.False(t, at.Before(before) || at.After(after), "stamped %v, produced between %v and %v", at, before, after)
}
