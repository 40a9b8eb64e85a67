package producer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/cklog"
	"github.com/rdstreams/rdstreams/internal/lifecycle"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// DefaultCloseTimeout bounds Close unless WithCloseTimeout says otherwise: it waits for
// delivery until shortly before the bound, then purges what is left and serves the
// purged messages' reports, and returns within it (as the consumer's Close does).
const DefaultCloseTimeout = 10 * time.Second

// purgeGrace is the most of Close's bound kept for the reports of purged messages
// (a quarter of the bound when that is less).
const purgeGrace = 2 * time.Second

// maxServe caps the events one Poll serves, so a busy producer still returns.
const maxServe = 100_000

// Producer is an asynchronous Kafka producer: Produce queues a message and returns;
// its delivery report reaches a callback when the application calls Poll, Flush or
// Close. All methods are safe for concurrent use; callbacks never run concurrently.
type Producer struct {
	ck     *ckafka.Producer
	events chan ckafka.Event
	set    settings
	gate   lifecycle.Gate
	logs   *cklog.Forwarder
	conn   ckconv.Conn // explains connection failures in client-wide errors

	serveMu sync.Mutex  // one goroutine serves callbacks at a time
	timer   *time.Timer // reused by waitFor, guarded by serveMu
	purged  int         // reports of messages purged by Close, guarded by serveMu
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
	ck, logs, err := cklog.NewEngine(config, map[string]any{
		"partitioner":         "murmur2_random",
		"go.delivery.reports": true,
		// Reports carry key, value and headers, as the Python client's do.
		"go.delivery.report.fields": "key,value,headers",
		"go.events.channel.size":    eventsChannelSize(config),
	}, nil, s.logger, ckafka.NewProducer)
	if err != nil {
		return nil, err
	}
	return &Producer{ck: ck, events: ck.Events(), set: s, logs: logs, conn: ckconv.ConnOf(config)}, nil
}

// eventsChannelSize keeps the reports waiting for Poll within the same bound as the
// messages librdkafka may queue, so a producer that is never polled fills up and
// returns ErrBufferFull, as in the Python client, instead of growing without limit.
func eventsChannelSize(config map[string]any) int {
	if n, ok := ckconv.IntProperty(config, "queue.buffering.max.messages"); ok && n > eventsChannelDefault {
		return n
	}
	return eventsChannelDefault
}

// eventsChannelDefault is confluent-kafka-go's own default events channel size. It is
// far above librdkafka's 100,000 queued messages, so the engine never blocks handing a
// report over; its buffer also keeps the Go heap large enough that a busy producer
// collects garbage half as often as with a channel sized to the queue (measured: 20
// against 41 collections per million 100-byte messages).
const eventsChannelDefault = 1_000_000

// Len is the number of messages queued or in flight plus the delivery reports and
// events (errors, statistics) not yet served by Poll, as librdkafka's rd_kafka_outq_len
// counts them (Python's len(producer)). It is 0 after Close. Right after Poll serves a
// report, Len may still count that message for a moment (the engine releases it on its
// next internal poll); Flush accounts for that.
func (p *Producer) Len() int {
	if !p.gate.Enter() {
		return 0
	}
	defer p.gate.Exit()
	return p.ck.Len()
}

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
	recheck <-chan time.Time // Flush's prompt to look at Len again, or nil
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

// flushRecheck is how often Flush looks at Len again while no event arrives. The
// engine releases a delivered message from librdkafka's count only when it next polls,
// just after handing the report over, so the last report can be served while Len still
// counts its message: no further event will come to wake a blocked Flush.
const flushRecheck = 5 * time.Millisecond

// flush serves until nothing is outstanding or the wait ends; it returns what is
// still outstanding. The caller holds serveMu (or is Close).
func (p *Producer) flush(w wait) int {
	if !w.block {
		return p.ck.Len()
	}
	recheck := time.NewTicker(flushRecheck)
	defer recheck.Stop()
	w.recheck = recheck.C
	for {
		n := p.ck.Len()
		if n == 0 {
			return 0
		}
		if _, ended := p.serve(w); ended {
			return p.ck.Len()
		}
	}
}

// serve takes the first event, blocking as w allows, then serves every event already
// waiting (at most maxServe). It returns how many it served, and whether the wait
// ended (time up, context done or producer closing) before any event came.
func (p *Producer) serve(w wait) (served int, ended bool) {
	var ev ckafka.Event
	select {
	case ev = <-p.events:
	default:
		if !w.block {
			return 0, false
		}
		select {
		case ev = <-p.events:
		case <-w.done:
			return 0, true
		case <-w.expiry:
			return 0, true
		case <-w.closing:
			return 0, true
		case <-w.recheck:
			return 0, false
		}
	}
	for {
		p.handle(ev)
		served++
		// Check the cap before taking the next event: one taken is one served.
		if served == maxServe {
			return served, false
		}
		select {
		case ev = <-p.events:
		default:
			return served, false
		}
	}
}

// handle runs the callback an engine event calls for.
func (p *Producer) handle(ev ckafka.Event) {
	switch e := ev.(type) {
	case *ckafka.Message:
		cb := p.set.onDelivery
		if fn, ok := e.Opaque.(DeliveryFunc); ok {
			cb = fn
		}
		msg := ckconv.Message(e)
		if e.TopicPartition.Error != nil && (errors.Is(e.TopicPartition.Error, kafkaerror.PurgeQueue) ||
			errors.Is(e.TopicPartition.Error, kafkaerror.PurgeInflight)) {
			p.purged++
		}
		if cb != nil {
			cb(msg.Err(), msg)
		}
	case ckafka.Error:
		cklog.ReportError(p.set.logger, p.set.onError, "producer", p.conn.ClientError(e))
	case *ckafka.Stats:
		if p.set.onStats != nil {
			p.set.onStats(e.String())
		}
	default:
		p.set.logger.Debug("rdstreams: producer event ignored", slog.String("event", ev.String()))
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
			_ = p.ck.Purge(ckafka.PurgeQueue | ckafka.PurgeInFlight | ckafka.PurgeNonBlocking)
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
	if perr := p.ck.Purge(ckafka.PurgeQueue | ckafka.PurgeInFlight | ckafka.PurgeNonBlocking); perr != nil {
		return ckconv.Error(perr)
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
func (p *Producer) release() {
	p.ck.Close()
	p.logs.Stop()
}

// produceError maps an engine produce error to rdstreams' errors.
func produceError(err error, msg *ckafka.Message) error {
	err = ckconv.Error(err)
	if errors.Is(err, kafkaerror.QueueFull) {
		return kafkaerror.ErrBufferFull
	}
	// librdkafka's text names neither the topic nor what was wrong with the message:
	// add them for the refusals that depend on the arguments.
	var kerr *kafkaerror.Error
	if !errors.As(err, &kerr) {
		return err
	}
	topic := *msg.TopicPartition.Topic
	switch kerr.Code() {
	case kafkaerror.UnknownPartition:
		return ckconv.Prefixed(kerr, "produce to topic %q partition %d", topic, msg.TopicPartition.Partition)
	case kafkaerror.MsgSizeTooLarge:
		headers := 0
		for _, h := range msg.Headers {
			headers += len(h.Key) + len(h.Value)
		}
		return ckconv.Prefixed(kerr, "produce to topic %q: message of %d bytes (key %d, value %d, headers %d) is larger than message.max.bytes",
			topic, len(msg.Key)+len(msg.Value)+headers, len(msg.Key), len(msg.Value), headers)
	case kafkaerror.InvalidArg, kafkaerror.UnknownTopic:
		return ckconv.Prefixed(kerr, "produce to topic %q", topic)
	}
	return err
}
