package producer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// fakeEngine is a backend without librdkafka: messages wait "in flight" until the test
// delivers them, reports wait in a queue until Poll takes them, and the queue bound
// counts both, as librdkafka's does.
type fakeEngine struct {
	mu       sync.Mutex
	bound    int
	inFlight []engine.Out
	queue    []engine.Event
	offset   int64
	wake     chan struct{}
	closed   int
	batch    int // the most reports one Poll returns in one go (a "delivery event")
	txnErr   error
}

func newFake(bound int) *fakeEngine {
	return &fakeEngine{bound: bound, wake: make(chan struct{}, 1), batch: 1000}
}

func (f *fakeEngine) ProduceBatch(topic string, partition int32, outs []engine.Out) (int, error) {
	for i := range outs {
		o := outs[i]
		o.Topic, o.Partition = topic, partition
		if err := f.Produce(o); err != nil {
			return i, err
		}
	}
	return len(outs), nil
}

func (f *fakeEngine) Produce(o engine.Out) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.inFlight)+len(f.queue) >= f.bound {
		return kafkaerror.New(kafkaerror.QueueFull, "Local: Queue full", kafkaerror.Flags{})
	}
	f.inFlight = append(f.inFlight, o)
	return nil
}

// deliver reports the first n messages in flight, with err (nil: delivered).
func (f *fakeEngine) deliver(n int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n = min(n, len(f.inFlight))
	for _, o := range f.inFlight[:n] {
		fields := message.Fields{Topic: o.Topic, Partition: 0, Offset: topicpartition.OffsetInvalid, Key: o.Key, Value: o.Value, Err: err}
		if err == nil {
			fields.Offset = topicpartition.Offset(f.offset)
			f.offset++
		}
		f.queue = append(f.queue, engine.Event{Kind: engine.Delivery, Slot: o.Slot, Msg: message.New(fields)})
	}
	f.inFlight = f.inFlight[n:]
	f.signal()
}

// raise queues a client error.
func (f *fakeEngine) raise(err *kafkaerror.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, engine.Event{Kind: engine.ClientError, Err: err})
	f.signal()
}

func (f *fakeEngine) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *fakeEngine) Poll(dst []engine.Event, max int) []engine.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	reports := 0
	for len(f.queue) > 0 && reports < max {
		n := min(len(f.queue), f.batch)
		dst = append(dst, f.queue[:n]...)
		f.queue = f.queue[n:]
		reports += n
	}
	return dst
}

func (f *fakeEngine) Wake() <-chan struct{} { return f.wake }

func (f *fakeEngine) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.inFlight) + len(f.queue)
}

func (f *fakeEngine) Purge(int) error {
	f.mu.Lock()
	n := len(f.inFlight)
	f.mu.Unlock()
	f.deliver(n, kafkaerror.New(kafkaerror.PurgeQueue, "Local: Purged in queue", kafkaerror.Flags{}))
	return nil
}

func (f *fakeEngine) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
}

func (f *fakeEngine) InitTransactions(context.Context) error  { return f.txnErr }
func (f *fakeEngine) BeginTransaction() error                 { return f.txnErr }
func (f *fakeEngine) CommitTransaction(context.Context) error { return f.txnErr }
func (f *fakeEngine) AbortTransaction(context.Context) error  { return f.txnErr }
func (f *fakeEngine) SendOffsetsToTransaction(context.Context, []topicpartition.TopicPartition, []byte) error {
	return f.txnErr
}

// reportCounter counts the delivery reports of each value and checks that callbacks
// never overlap.
type reportCounter struct {
	mu      sync.Mutex
	counts  map[string]int
	errs    int
	inside  atomic.Int32
	overlap atomic.Bool
}

func (r *reportCounter) report(err error, m *message.Message) {
	if r.inside.Add(1) > 1 {
		r.overlap.Store(true)
	}
	defer r.inside.Add(-1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[string(m.Value())]++
	if err != nil {
		r.errs++
	}
}

func (r *reportCounter) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.counts {
		n += c
	}
	return n
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fakeProducer(t *testing.T, f *fakeEngine, opts ...Option) *Producer {
	t.Helper()
	s := settings{logger: quiet(), closeTimeout: DefaultCloseTimeout}
	for _, o := range opts {
		o(&s)
	}
	return newProducer(f, s, clientconf.Conn{})
}

func values(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte{byte(i), byte(i >> 8), byte(i >> 16)}
	}
	return out
}

// Flush serves every report and returns 0; with nothing delivered it returns what is
// outstanding once its time is up.
func TestFakeFlush(t *testing.T) {
	f := newFake(1000)
	var r reportCounter
	p := fakeProducer(t, f, WithDeliveryReport(r.report))
	for _, v := range values(10) {
		require.NoError(t, p.Produce("t", v))
	}
	assert.Equal(t, 10, p.Flush(0), "nothing delivered: all outstanding")
	assert.Equal(t, 10, p.Flush(20*time.Millisecond))
	f.deliver(4, nil)
	assert.Equal(t, 10, p.Len(), "6 in flight + 4 reports waiting")
	go f.deliver(6, nil)
	assert.Equal(t, 0, p.Flush(5*time.Second))
	assert.Equal(t, 10, r.total())
	assert.Equal(t, 0, p.Len())
	require.NoError(t, p.Close())
	assert.Equal(t, 1, f.closed)
}

// The queue bound counts reports not yet served: a producer never polled fills up.
func TestFakeBufferFullCountsUnservedReports(t *testing.T) {
	f := newFake(5)
	p := fakeProducer(t, f, WithCloseTimeout(100*time.Millisecond))
	defer p.Close()
	for _, v := range values(5) {
		require.NoError(t, p.Produce("t", v))
	}
	f.deliver(5, nil)
	assert.ErrorIs(t, p.Produce("t", []byte("x")), kafkaerror.ErrBufferFull)
	assert.Equal(t, 5, p.Poll(0))
	assert.NoError(t, p.Produce("t", []byte("x")), "room once served")
}

// Close purges what is undelivered when its bound comes: each purged message gets
// exactly one report, and Close counts them; later calls find the producer closed.
func TestFakeClosePurges(t *testing.T) {
	f := newFake(1000)
	var r reportCounter
	p := fakeProducer(t, f, WithDeliveryReport(r.report), WithCloseTimeout(200*time.Millisecond))
	for _, v := range values(7) {
		require.NoError(t, p.Produce("t", v))
	}
	f.deliver(2, nil)
	start := time.Now()
	err := p.Close()
	assert.Less(t, time.Since(start), time.Second, "Close keeps its bound")
	assert.ErrorIs(t, err, kafkaerror.PurgeQueue)
	assert.ErrorContains(t, err, "5 message(s) undelivered")
	assert.Equal(t, 7, r.total(), "one report per message")
	assert.Equal(t, 5, r.errs)
	for v, c := range r.counts {
		assert.Equal(t, 1, c, "value %x", v)
	}
	assert.Equal(t, 1, f.closed)

	assert.NoError(t, p.Close(), "a second Close is a no-op")
	assert.Equal(t, 1, f.closed)
	assert.ErrorIs(t, p.Produce("t", nil), kafkaerror.ErrClosed)
	assert.Equal(t, 0, p.Poll(0))
	assert.Equal(t, 0, p.Flush(time.Second))
	assert.Equal(t, 0, p.Len())
	assert.ErrorIs(t, p.BeginTransaction(), kafkaerror.ErrClosed)
}

// Callbacks run one at a time, only inside Poll, Flush and Close, with many goroutines
// polling while reports keep coming; every report is served once.
func TestFakeCallbacksSerialised(t *testing.T) {
	f := newFake(1_000_000)
	f.batch = 7
	var r reportCounter
	var polling atomic.Int32
	outside := atomic.Bool{}
	p := fakeProducer(t, f, WithDeliveryReport(func(err error, m *message.Message) {
		if polling.Load() == 0 {
			outside.Store(true)
		}
		r.report(err, m)
	}))
	const n = 20_000
	for _, v := range values(n) {
		require.NoError(t, p.Produce("t", v))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				polling.Add(1)
				p.Poll(time.Millisecond)
				polling.Add(-1)
			}
		}()
	}
	for i := 0; i < n; i += 500 {
		f.deliver(500, nil)
	}
	polling.Add(1)
	assert.Equal(t, 0, p.Flush(5*time.Second))
	polling.Add(-1)
	close(stop)
	wg.Wait()
	assert.False(t, r.overlap.Load(), "callbacks overlapped")
	assert.False(t, outside.Load(), "a callback ran outside Poll/Flush")
	assert.Equal(t, n, r.total())
	assert.Len(t, r.counts, n, "each report once")
	require.NoError(t, p.Close())
}

// A panicking callback propagates out of Poll; the reports after it in the same batch
// are served by the next Poll, each once.
func TestFakeCallbackPanicLosesNothing(t *testing.T) {
	f := newFake(100)
	var r reportCounter
	p := fakeProducer(t, f, WithDeliveryReport(func(err error, m *message.Message) {
		r.report(err, m)
		if string(m.Value()) == "boom" {
			panic("callback failed")
		}
	}))
	defer p.Close()
	for _, v := range []string{"a", "boom", "c", "d"} {
		require.NoError(t, p.Produce("t", []byte(v)))
	}
	f.deliver(4, nil)
	assert.PanicsWithValue(t, "callback failed", func() { p.Poll(0) })
	assert.Equal(t, 2, r.total())
	assert.Equal(t, 2, p.Len(), "the two not served yet still count")
	assert.Equal(t, 2, p.Poll(0))
	assert.Equal(t, map[string]int{"a": 1, "boom": 1, "c": 1, "d": 1}, r.counts)
}

// OnDelivery overrides the default callback for its message only, and a refused
// message's callback is forgotten.
func TestFakeOnDeliveryPerMessage(t *testing.T) {
	f := newFake(2)
	var def, own reportCounter
	p := fakeProducer(t, f, WithDeliveryReport(def.report))
	defer p.Close()
	require.NoError(t, p.Produce("t", []byte("own"), OnDelivery(own.report)))
	require.NoError(t, p.Produce("t", []byte("default")))
	assert.ErrorIs(t, p.Produce("t", []byte("refused"), OnDelivery(own.report)), kafkaerror.ErrBufferFull)
	f.deliver(2, nil)
	assert.Equal(t, 2, p.Poll(0))
	assert.Equal(t, map[string]int{"own": 1}, own.counts)
	assert.Equal(t, map[string]int{"default": 1}, def.counts)
	assert.Empty(t, p.slots.fns, "no callback kept for a message that will never be reported")
}

// Close wakes a Poll waiting without a limit; it returns 0.
func TestFakeCloseWakesBlockedPoll(t *testing.T) {
	f := newFake(10)
	p := fakeProducer(t, f)
	done := make(chan int)
	go func() { done <- p.Poll(-1) }()
	for p.serveMu.TryLock() { // until the Poll holds serveMu: it is waiting
		p.serveMu.Unlock()
		runtime.Gosched()
	}
	// Close waits for the Poll in progress; the Poll sees the closing and returns.
	require.NoError(t, p.Close())
	assert.Equal(t, 0, <-done)
}

// Client errors reach the error callback from Poll; without one they are logged.
func TestFakeClientErrors(t *testing.T) {
	f := newFake(10)
	var got []*kafkaerror.Error
	p := fakeProducer(t, f, WithErrorCallback(func(err *kafkaerror.Error) { got = append(got, err) }))
	defer p.Close()
	f.raise(kafkaerror.New(kafkaerror.AllBrokersDown, "1/1 brokers are down", kafkaerror.Flags{}))
	assert.Equal(t, 1, p.Poll(time.Second))
	require.Len(t, got, 1)
	assert.True(t, errors.Is(got[0], kafkaerror.AllBrokersDown))
}

// Transaction calls return the engine's error as it is, and ErrClosed after Close.
func TestFakeTransactionErrors(t *testing.T) {
	f := newFake(10)
	f.txnErr = kafkaerror.New(kafkaerror.State, "Operation not valid in state Ready", kafkaerror.Flags{})
	p := fakeProducer(t, f)
	assert.ErrorIs(t, p.BeginTransaction(), kafkaerror.State)
	assert.ErrorIs(t, p.CommitTransaction(context.Background()), kafkaerror.State)
	g := &GroupMetadata{}
	assert.ErrorIs(t, p.SendOffsetsToTransaction(context.Background(), nil, g), kafkaerror.InvalidArg, "empty metadata")
	require.NoError(t, p.Close())
	assert.ErrorIs(t, p.CommitTransaction(context.Background()), kafkaerror.ErrClosed)
}
