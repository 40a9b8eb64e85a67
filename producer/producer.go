package producer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/internal/lifecycle"
	"github.com/rdstreams/rdstreams/internal/rdkafkalog"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// DefaultCloseTimeout bounds Close unless WithCloseTimeout says otherwise: it waits for
// delivery until shortly before the bound, then purges what is left and serves the
// purged messages' reports, and returns within it (as the consumer's Close does).
const DefaultCloseTimeout = 10 * time.Second

// purgeGrace is the most of Close's bound kept for the reports of purged messages
// (a quarter of the bound when that is less).
const purgeGrace = 2 * time.Second

// maxServe caps the delivery reports one Poll serves, so a busy producer still
// returns (a batch of reports from the engine is served whole).
const maxServe = 100_000

// Producer is an asynchronous Kafka producer: Produce queues a message and returns;
// its delivery report reaches a callback when the application calls Poll, Flush or
// Close. All methods are safe for concurrent use; callbacks never run concurrently.
type Producer struct {
	eng   backend
	set   settings
	gate  lifecycle.Gate
	conn  clientconf.Conn // explains connection failures in client-wide errors
	slots slots           // per-message OnDelivery callbacks on their way

	serveMu sync.Mutex     // one goroutine serves callbacks at a time
	timer   *time.Timer    // reused by waitFor, guarded by serveMu
	batch   []engine.Event // events being served, guarded by serveMu
	next    int            // the first of batch not served yet, guarded by serveMu
	purged  int            // reports of messages purged by Close, guarded by serveMu

	takeMu  sync.Mutex     // guards the engine's Poll and pending
	pending []engine.Event // events taken from the engine, not yet in batch
	waiting atomic.Int64   // events taken from the engine and not served, for Len

	produced atomic.Int64 // messages Produce queued
	taken    atomic.Int64 // their delivery reports taken from the engine
}

// New creates a producer from librdkafka configuration properties
// (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md), e.g.
//
//	producer.New(map[string]any{"bootstrap.servers": "localhost:9092", "acks": "all"})
//
// An unknown property or an invalid value is an error naming the property.
//
// Unless set, partitioner is murmur2_random: a keyed message goes to the partition
// Kafka's Java client would choose for the same key and partition count, and an
// unkeyed one to a random partition. (librdkafka's own default, consistent_random,
// hashes keys with CRC32 and places them differently.)
func New(config map[string]any, opts ...Option) (*Producer, error) {
	s := settings{logger: slog.Default(), closeTimeout: DefaultCloseTimeout}
	for _, o := range opts {
		o(&s)
	}
	props, err := clientconf.ConfigStrings(config, map[string]any{"partitioner": "murmur2_random"})
	if err != nil {
		return nil, err
	}
	eng, err := engine.NewProducer(props, rdkafkalog.Emitter(s.logger), s.engineOptions()...)
	if err != nil {
		return nil, clientconf.ConfigError(err, config)
	}
	return newProducer(eng, s, clientconf.ConnOf(config)), nil
}

// newProducer is a Producer driving eng (the lifecycle tests give it a fake).
func newProducer(eng backend, s settings, conn clientconf.Conn) *Producer {
	return &Producer{eng: eng, set: s, conn: conn}
}

// Len is the number of messages queued or in flight plus the delivery reports and
// events (errors, statistics) not yet served by Poll, as librdkafka's rd_kafka_outq_len
// counts them (Python's len(producer)). Reports not yet served count toward
// queue.buffering.max.messages, as in Python. It is 0 after Close.
func (p *Producer) Len() int {
	if !p.gate.Enter() {
		return 0
	}
	defer p.gate.Exit()
	return p.outstanding()
}

// outstanding is Len on an open producer.
func (p *Producer) outstanding() int { return p.eng.Len() + int(p.waiting.Load()) }

// Poll serves delivery reports, errors and statistics waiting for the application,
// calling their callbacks on this goroutine, and returns how many it served. It waits
// up to timeout for the first one (0: do not wait; negative: wait until one arrives
// or the producer is closed). It returns 0 on a closed producer.
func (p *Producer) Poll(timeout time.Duration) int {
	return p.serving(func() int {
		w, stop := p.waitFor(timeout)
		defer stop()
		n, _ := p.serve(w)
		return n
	})
}

// PollContext is Poll waiting until ctx is done instead of a timeout.
func (p *Producer) PollContext(ctx context.Context) int {
	return p.serving(func() int {
		n, _ := p.serve(wait{block: true, done: ctx.Done(), closing: p.gate.Closing()})
		return n
	})
}

// Flush serves delivery reports until every message has been delivered or has failed
// for good, or timeout passes (negative: no limit). It returns the number of messages
// and reports still outstanding: 0 means all were delivered and served. Flush does not
// cut linger.ms short.
func (p *Producer) Flush(timeout time.Duration) int {
	return p.serving(func() int {
		w, stop := p.waitFor(timeout)
		defer stop()
		return p.flush(w)
	})
}

// FlushContext is Flush bounded by ctx instead of a timeout.
func (p *Producer) FlushContext(ctx context.Context) int {
	return p.serving(func() int {
		return p.flush(wait{block: true, done: ctx.Done(), closing: p.gate.Closing()})
	})
}

// serving runs a call that serves callbacks: on an open producer (else it returns 0),
// one such call at a time.
func (p *Producer) serving(call func() int) int {
	if !p.gate.Enter() {
		return 0
	}
	defer p.gate.Exit()
	p.serveMu.Lock()
	defer p.serveMu.Unlock()
	return call()
}

// wait says how long serve may block for an event.
type wait struct {
	block   bool             // false: take what is waiting, do not block
	done    <-chan struct{}  // a context's end, or nil
	expiry  <-chan time.Time // a timer's channel, or nil
	closing <-chan struct{}  // the producer closing, or nil (Close's own flush)
}

// waitFor turns a Poll/Flush timeout into a wait, reusing one timer; the caller holds
// serveMu and calls stop when done.
func (p *Producer) waitFor(timeout time.Duration) (wait, func()) {
	switch {
	case timeout == 0:
		return wait{}, func() {}
	case timeout < 0:
		return wait{block: true, closing: p.gate.Closing()}, func() {}
	}
	if p.timer == nil {
		p.timer = time.NewTimer(timeout)
	} else {
		p.timer.Reset(timeout)
	}
	return wait{block: true, expiry: p.timer.C, closing: p.gate.Closing()}, func() { p.timer.Stop() }
}

// flush serves until nothing is outstanding or the wait ends; it returns what is
// still outstanding. The caller holds serveMu (or is Close).
func (p *Producer) flush(w wait) int {
	if !w.block {
		return p.outstanding()
	}
	for p.outstanding() > 0 {
		if _, ended := p.serve(w); ended {
			break
		}
	}
	return p.outstanding()
}

// serve serves the events the engine has, waiting for the first as w allows, at most
// about maxServe reports. It returns how many it served, and whether the wait ended
// (time up, context done or producer closing) before any event came. Events taken from
// the engine but not served (a callback panicked) are served first by the next call.
func (p *Producer) serve(w wait) (served int, ended bool) {
	for {
		p.refill()
		if p.next < len(p.batch) {
			break
		}
		if !w.block {
			return 0, false
		}
		select {
		case <-p.eng.Wake():
		case <-w.done:
			return 0, true
		case <-w.expiry:
			return 0, true
		case <-w.closing:
			return 0, true
		}
	}
	for p.next < len(p.batch) {
		ev := p.batch[p.next]
		p.batch[p.next] = engine.Event{} // the batch keeps no message alive
		p.next++
		p.waiting.Add(-1)
		p.handle(ev)
		served++
	}
	return served, false
}

// take moves the events the engine has to pending. Any goroutine may call it at any
// time, inside a callback too: it serves nothing.
func (p *Producer) take() {
	p.takeMu.Lock()
	defer p.takeMu.Unlock()
	before := len(p.pending)
	p.pending = p.eng.Poll(p.pending, maxServe)
	reports := 0
	for _, ev := range p.pending[before:] {
		if ev.Kind == engine.Delivery {
			reports++
		}
	}
	p.waiting.Add(int64(len(p.pending) - before))
	p.taken.Add(int64(reports))
}

// refill makes the pending events the batch to serve, once batch is served. The
// caller holds serveMu.
func (p *Producer) refill() {
	if p.next < len(p.batch) {
		return
	}
	p.take()
	p.takeMu.Lock()
	defer p.takeMu.Unlock()
	p.batch, p.pending, p.next = p.pending, p.batch[:0], 0
}

// takeWhile keeps taking the engine's events while call runs: librdkafka's
// transaction calls wait until the messages they cover are released, and a delivered
// message is released only when its report is taken from the engine.
func (p *Producer) takeWhile(call func() error) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(settleTick)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				p.take()
			}
		}
	}()
	defer wg.Wait()
	defer close(done)
	return call()
}

// undelivered is the number of messages produced whose delivery report the engine
// still holds: queued, in flight, or delivered and not taken.
func (p *Producer) undelivered() int64 { return p.produced.Load() - p.taken.Load() }

// handle runs the callback an engine event calls for.
func (p *Producer) handle(ev engine.Event) {
	switch ev.Kind {
	case engine.Delivery:
		cb := p.set.onDelivery
		if fn := p.slots.take(ev.Slot); fn != nil {
			cb = fn
		}
		err := ev.Msg.Err()
		if err != nil && (errors.Is(err, kafkaerror.PurgeQueue) || errors.Is(err, kafkaerror.PurgeInflight)) {
			p.purged++
		}
		if cb != nil {
			cb(err, ev.Msg)
		}
	case engine.ClientError:
		rdkafkalog.ReportError(p.set.logger, p.set.onError, "producer", p.conn.Report(ev.Err))
	case engine.Statistics:
		if p.set.onStats != nil {
			p.set.onStats(ev.Stats)
		}
	}
}

// Close delivers what is outstanding (serving its reports) within the close timeout
// (WithCloseTimeout, default 10s), purges what is still undelivered then, so that
// every message still gets exactly one report, and releases the producer. It returns
// an error counting the messages it had to purge, nil when everything was delivered.
//
// Close is idempotent: later calls return nil at once. Every other call afterwards
// returns ErrClosed (or 0). Close must not be called from inside a callback.
func (p *Producer) Close() error {
	if p.set.closeTimeout < 0 {
		return p.CloseContext(context.Background())
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.set.closeTimeout)
	defer cancel()
	return p.CloseContext(ctx)
}

// CloseContext is Close with ctx bounding it instead of the close timeout: with a
// deadline, Close returns by then (delivery, then the purge's reports); cancelled
// without one, it purges at once and waits briefly for the purged messages' reports.
func (p *Producer) CloseContext(ctx context.Context) (err error) {
	if !p.gate.Begin() {
		return nil
	}
	select {
	case <-p.gate.Idle():
	case <-ctx.Done():
		// A call still in progress (a transaction call waiting on the broker) outlived
		// the bound: release the producer once it returns, without serving reports.
		go func() {
			<-p.gate.Idle()
			_ = p.eng.Purge(engine.PurgeQueue | engine.PurgeInFlight | engine.PurgeNonBlocking)
			p.release()
		}()
		return kafkaerror.Newf(kafkaerror.TimedOut,
			"producer close: a call still in progress did not return in time; the producer is released once it does")
	}
	// No other call is in progress now and none can start: this goroutine owns the engine.
	defer func() {
		// Runs when a callback panics too: the engine is released either way.
		p.release()
		if err == nil && p.purged > 0 {
			err = kafkaerror.Newf(kafkaerror.PurgeQueue,
				"producer closed with %d message(s) undelivered; their delivery reports carry _PURGE_QUEUE or _PURGE_INFLIGHT", p.purged)
		}
	}()
	// Delivery may take the bound but for a reserve in which purged messages get their
	// reports, so that Close returns within the bound.
	flushCtx, graceDur := ctx, purgeGrace
	if deadline, ok := ctx.Deadline(); ok {
		reserve := min(purgeGrace, time.Until(deadline)/4)
		var cancelFlush context.CancelFunc
		flushCtx, cancelFlush = context.WithDeadline(ctx, deadline.Add(-reserve))
		defer cancelFlush()
		graceDur = max(reserve, 100*time.Millisecond)
	}
	if p.flush(wait{block: true, done: flushCtx.Done()}) == 0 {
		return nil
	}
	if perr := p.eng.Purge(engine.PurgeQueue | engine.PurgeInFlight | engine.PurgeNonBlocking); perr != nil {
		return perr
	}
	grace, cancel := context.WithTimeout(context.Background(), graceDur)
	defer cancel()
	if lost := p.flush(wait{block: true, done: grace.Done()}); lost > 0 {
		return kafkaerror.Newf(kafkaerror.PurgeQueue,
			"producer closed with %d message(s) purged and %d report(s) that never arrived", p.purged, lost)
	}
	return nil
}

// release stops the engine; reports not served by now are dropped.
func (p *Producer) release() { p.eng.Close() }

// produceError words an engine produce error for the message it refused.
func produceError(err error, o *engine.Out) error {
	if errors.Is(err, kafkaerror.QueueFull) {
		return kafkaerror.ErrBufferFull
	}
	// librdkafka's text names neither the topic nor what was wrong with the message:
	// add them for the refusals that depend on the arguments.
	var kerr *kafkaerror.Error
	if !errors.As(err, &kerr) {
		return err
	}
	switch kerr.Code() {
	case kafkaerror.UnknownPartition:
		return errtext.Prefixed(kerr, "produce to topic %q partition %d", o.Topic, o.Partition)
	case kafkaerror.MsgSizeTooLarge:
		headers := 0
		for _, h := range o.Headers {
			headers += len(h.Key) + len(h.Value)
		}
		return errtext.Prefixed(kerr, "produce to topic %q: message of %d bytes (key %d, value %d, headers %d) is larger than message.max.bytes",
			o.Topic, len(o.Key)+len(o.Value)+headers, len(o.Key), len(o.Value), headers)
	case kafkaerror.InvalidArg, kafkaerror.UnknownTopic:
		return errtext.Prefixed(kerr, "produce to topic %q", o.Topic)
	}
	return err
}
