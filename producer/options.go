package producer

import (
	"log/slog"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/oauthbearer"
)

// DeliveryFunc receives a message's delivery report: err is nil when the broker
// acknowledged it (msg then has its partition and offset), else a *kafkaerror.Error
// saying why delivery failed for good (_MSG_TIMED_OUT, MSG_SIZE_TOO_LARGE, …).
// It runs inside Poll, Flush or Close, on the goroutine that called them.
type DeliveryFunc func(err error, msg *message.Message)

// Option configures a Producer at New.
type Option func(*settings)

type settings struct {
	onDelivery   DeliveryFunc
	onError      func(err *kafkaerror.Error)
	onStats      func(json string)
	logger       *slog.Logger
	closeTimeout time.Duration
	tokens       oauthbearer.TokenFunc
}

// WithDeliveryReport sets the default delivery callback, used for every message that
// was produced without its own OnDelivery (Python's on_delivery in the config).
func WithDeliveryReport(fn DeliveryFunc) Option {
	return func(s *settings) { s.onDelivery = fn }
}

// WithErrorCallback receives client-wide errors (all brokers down, authentication
// failed, fatal idempotence errors …) from Poll, Flush and Close (Python's error_cb).
// Without it they are logged at warning level, or error level when fatal.
func WithErrorCallback(fn func(err *kafkaerror.Error)) Option {
	return func(s *settings) { s.onError = fn }
}

// WithStatsCallback receives librdkafka's statistics JSON every statistics.interval.ms
// (set that property too), from Poll, Flush and Close (Python's stats_cb).
func WithStatsCallback(fn func(json string)) Option {
	return func(s *settings) { s.onStats = fn }
}

// WithOAuthBearer has the producer get its OAUTHBEARER tokens from fn (Python's
// oauth_cb), with sasl.mechanisms=OAUTHBEARER: fn gets sasl.oauthbearer.config and is
// called when the producer starts and again before each token expires. Unlike
// Python's oauth_cb it runs on a goroutine of the producer, not inside Poll, so that
// a producer that is not polled yet can still log in. An error (or panic) from fn
// fails the login: the producer reports an _AUTHENTICATION error naming it, and asks
// again later.
func WithOAuthBearer(fn oauthbearer.TokenFunc) Option {
	return func(s *settings) { s.tokens = fn }
}

// engineOptions are the settings the engine takes.
func (s settings) engineOptions() []engine.Option {
	if s.tokens == nil {
		return nil
	}
	return []engine.Option{engine.WithTokens(s.tokens)}
}

// WithLogger sends librdkafka's log lines to logger (default slog.Default()). The
// librdkafka properties log_level and debug choose what is logged.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) { s.logger = logger }
}

// WithCloseTimeout bounds Close (default DefaultCloseTimeout, 10s; negative: no limit).
// Close waits for outstanding messages to be delivered until shortly before the bound;
// messages still undelivered then are purged: each gets a failed delivery report, and
// Close returns an error counting them, within the bound.
func WithCloseTimeout(d time.Duration) Option {
	return func(s *settings) { s.closeTimeout = d }
}

// ProduceOption sets a property of one produced message. Options are plain values, so
// passing them costs no allocation.
type ProduceOption struct {
	kind       optionKind
	key        []byte
	partition  int32
	headers    []message.Header
	timestamp  time.Time
	onDelivery DeliveryFunc
}

type optionKind uint8

const (
	optKey optionKind = iota + 1
	optPartition
	optHeaders
	optTimestamp
	optOnDelivery
)

// Key sets the message key. Keyed messages go to the partition the Java client would
// choose (murmur2 of the key), unless Partition says otherwise.
func Key(key []byte) ProduceOption { return ProduceOption{kind: optKey, key: key} }

// Partition sends the message to one partition instead of letting the partitioner choose.
func Partition(p int32) ProduceOption { return ProduceOption{kind: optPartition, partition: p} }

// Headers attaches headers to the message, in order.
func Headers(h ...message.Header) ProduceOption {
	return ProduceOption{kind: optHeaders, headers: h}
}

// Timestamp sets the message's create time (default: now).
func Timestamp(t time.Time) ProduceOption { return ProduceOption{kind: optTimestamp, timestamp: t} }

// OnDelivery sets this message's delivery callback, instead of the producer's default.
func OnDelivery(fn DeliveryFunc) ProduceOption {
	return ProduceOption{kind: optOnDelivery, onDelivery: fn}
}
