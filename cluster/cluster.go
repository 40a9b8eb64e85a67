package cluster

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/internal/lifecycle"
	"github.com/rdstreams/rdstreams/internal/rdkafkalog"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
)

// DefaultTimeout bounds a call whose context has no deadline (librdkafka's default
// socket.timeout.ms).
const DefaultTimeout = 60 * time.Second

// Option configures a Client at New.
type Option func(*settings)

type settings struct {
	logger *slog.Logger
}

// WithLogger sends librdkafka's log lines, and client-wide errors such as all brokers
// being down, to logger (default slog.Default()). The librdkafka properties log_level
// and debug choose what is logged.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) { s.logger = logger }
}

// Client talks to a Kafka cluster as an administrator: metadata, topics, consumer
// groups. All methods are safe for concurrent use.
type Client struct {
	config map[string]any // the user's, for PublishBatch's producer
	set    settings
	engine *ckafka.Producer // carries the admin client's connections and logs
	admin  *ckafka.AdminClient
	logs   *logForwarder
	events sync.WaitGroup // the goroutine draining the engine's events
	conn   *connState     // connection failures, which end calls early

	gate     lifecycle.Gate
	inFlight atomic.Int32    // calls in progress, for tests
	closing  context.Context // cancelled when Close begins
	shutdown context.CancelFunc

	pubMu sync.Mutex         // one PublishBatch at a time, so batches never interleave
	pub   *producer.Producer // PublishBatch's producer, made on first use; guarded by pubMu

	watched *slog.Logger  // the logger whose lines connState watches, for own engines
	ownMu   sync.Mutex    // guards own
	own     *engine.Admin // rdstreams' engine for calls confluent-kafka-go lacks, made on first use
}

// New creates a client from librdkafka configuration properties
// (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md), e.g.
//
//	cluster.New(map[string]any{"bootstrap.servers": "localhost:9092"})
//
// An unknown property or an invalid value is an error naming the property. The same
// properties configure the producer PublishBatch uses.
func New(config map[string]any, opts ...Option) (*Client, error) {
	s := settings{logger: slog.Default()}
	for _, o := range opts {
		o(&s)
	}
	conn := newConnState(config)
	// The engine logs, without reporting them, the hang-ups that show a listener of
	// another security protocol; the log lines are watched for them.
	watched := rdkafkalog.Watch(s.logger, func(facility, text string) {
		if f := conn.logLine(facility, text); f != nil {
			rdkafkalog.ReportError(s.logger, nil, "cluster", f.Err)
		}
	})
	// librdkafka's admin API runs on a client instance of its own; a producer that never
	// produces is the cheapest, and unlike the engine's stand-alone admin client it
	// forwards librdkafka's log lines instead of printing them to stderr.
	engine, logs, err := newCKEngine(config, map[string]any{
		"go.delivery.reports":     false,
		"go.events.channel.size":  100,
		"go.produce.channel.size": 0,
	}, watched, ckafka.NewProducer)
	if err != nil {
		return nil, err
	}
	admin, err := ckafka.NewAdminClientFromProducer(engine)
	if err != nil {
		engine.Close()
		logs.stop()
		return nil, ckconv.Error(err)
	}
	c := &Client{config: maps.Clone(config), set: s, engine: engine, admin: admin, logs: logs, conn: conn, watched: watched}
	c.closing, c.shutdown = context.WithCancel(context.Background())
	c.events.Add(1)
	go c.drainEvents()
	return c, nil
}

// drainEvents reports the engine's client-wide errors, explained, until the engine
// closes its event channel; a definitive connection failure among them ends the calls
// in progress. The cluster client has no Poll, so nothing else would serve them.
func (c *Client) drainEvents() {
	defer c.events.Done()
	for ev := range c.engine.Events() {
		if e, ok := ev.(ckafka.Error); ok {
			rdkafkalog.ReportError(c.set.logger, nil, "cluster", c.conn.event(e).Err)
		}
	}
}

// Close releases the client: it cuts calls in progress short (they return
// kafkaerror.ErrClosed), waits for them to return (a metadata request inside Metadata,
// which the engine cannot interrupt, runs to its answer or its deadline), then closes
// PublishBatch's producer, which delivers what a cut-short PublishBatch left
// outstanding, and returns that producer's error, if any.
//
// Close is idempotent: later calls return nil. Every other call afterwards returns
// kafkaerror.ErrClosed.
func (c *Client) Close() error {
	if !c.gate.Begin() {
		return nil
	}
	c.shutdown()
	<-c.gate.Idle()
	var err error
	c.pubMu.Lock()
	if c.pub != nil {
		err = c.pub.Close()
		c.pub = nil
	}
	c.pubMu.Unlock()
	c.ownMu.Lock()
	if c.own != nil {
		c.own.Close()
		c.own = nil
	}
	c.ownMu.Unlock()
	c.admin.Close()
	c.engine.Close()
	c.events.Wait()
	c.logs.stop()
	return err
}

// call is one method call on the client: its context, bounded, cut short by Close
// and by a definitive connection failure (its cause then).
type call struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	release context.CancelFunc // of the DefaultTimeout bound, if any
	stop    func() bool
	c       *Client
	start   time.Time
	grace   *time.Timer // see connState.enter; guarded by c.conn.mu
}

// begin starts a call, or returns ErrClosed. bounded applies DefaultTimeout to a
// context without a deadline. Every successful begin is paired with end.
func (c *Client) begin(ctx context.Context, bounded bool) (*call, error) {
	if !c.gate.Enter() {
		return nil, kafkaerror.ErrClosed
	}
	k := &call{c: c, start: time.Now(), release: func() {}}
	if _, ok := ctx.Deadline(); bounded && !ok {
		ctx, k.release = context.WithTimeout(ctx, DefaultTimeout)
	}
	k.ctx, k.cancel = context.WithCancelCause(ctx)
	k.stop = context.AfterFunc(c.closing, func() { k.cancel(nil) })
	c.inFlight.Add(1)
	c.conn.enter(k)
	return k, nil
}

// end finishes the call.
func (k *call) end() {
	k.c.conn.leave(k)
	k.stop()
	k.cancel(nil)
	k.release()
	k.c.inFlight.Add(-1)
	k.c.gate.Exit()
}

// answer passes on the result of an engine call, converted by err; nil, an answer,
// tells the client that its connection works.
func (k *call) answer(err error) error {
	if err == nil {
		k.c.conn.answered()
		return nil
	}
	return k.err(err)
}

// err converts an error of the engine for the caller: ErrClosed when Close cut the call
// short; the connection failure that cut it short; when it timed out, the latest
// connection failure, if any (see timedOut); a *kafkaerror.Error for an engine error;
// anything else unchanged.
func (k *call) err(err error) error {
	if err == nil {
		return nil
	}
	if k.c.closing.Err() != nil && errors.Is(err, context.Canceled) {
		return kafkaerror.ErrClosed
	}
	if f := k.cutShort(); f != nil {
		return f
	}
	if terr := k.timedOut(err); terr != nil {
		return terr
	}
	return ckconv.Error(err)
}

// timeoutMs is what is left of the call's time, for engine calls that take a timeout
// instead of a context.
func (k *call) timeoutMs() int {
	deadline, _ := k.ctx.Deadline() // begin(…, true) gave it one
	return max(1, int(time.Until(deadline).Milliseconds()))
}

// adminTimeout is the engine's per-request option for the call's remaining time, so
// that librdkafka gives up on a request when the caller does.
func (k *call) adminTimeout() ckafka.AdminOptionRequestTimeout {
	deadline, _ := k.ctx.Deadline()
	return ckafka.SetAdminRequestTimeout(max(time.Millisecond, time.Until(deadline)))
}
