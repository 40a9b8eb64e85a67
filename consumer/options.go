package consumer

import (
	"log/slog"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/oauthbearer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Option configures a Consumer at New.
type Option func(*settings)

type settings struct {
	onCommit     CommitFunc
	onError      func(err *kafkaerror.Error)
	onStats      func(json string)
	logger       *slog.Logger
	closeTimeout time.Duration
	tokens       oauthbearer.TokenFunc
}

// CommitFunc receives the result of an offset commit: err is nil when the commit
// request succeeded (each partition may still carry its own Err), else why it failed.
// It runs inside Poll, Consume or Close, on the goroutine that called them.
type CommitFunc func(err error, partitions []topicpartition.TopicPartition)

// WithCommitCallback receives the results of asynchronous commits and of auto-commits
// (Python's on_commit).
func WithCommitCallback(fn CommitFunc) Option {
	return func(s *settings) { s.onCommit = fn }
}

// WithErrorCallback receives client-wide errors (all brokers down, authentication
// failed …) from Poll and Consume (Python's error_cb). Without it, Poll returns them as
// messages whose Err is set.
func WithErrorCallback(fn func(err *kafkaerror.Error)) Option {
	return func(s *settings) { s.onError = fn }
}

// WithStatsCallback receives librdkafka's statistics JSON every statistics.interval.ms
// (set that property too), from Poll and Consume (Python's stats_cb).
func WithStatsCallback(fn func(json string)) Option {
	return func(s *settings) { s.onStats = fn }
}

// WithOAuthBearer has the consumer get its OAUTHBEARER tokens from fn (Python's
// oauth_cb), with sasl.mechanisms=OAUTHBEARER: fn gets sasl.oauthbearer.config and is
// called when the consumer starts and again before each token expires. Unlike
// Python's oauth_cb it runs on a goroutine of the consumer, not inside Poll, so that
// a consumer that is not polled yet can still log in. An error (or panic) from fn
// fails the login: the consumer reports an _AUTHENTICATION error naming it, and asks
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

// WithLogger sends librdkafka's log lines to logger (default slog.Default()).
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) { s.logger = logger }
}

// WithCloseTimeout bounds Close (default 10s; negative: no limit). Leaving the group
// normally takes milliseconds; with the broker gone librdkafka would wait for the
// session timeout, and Close returns at the bound instead.
func WithCloseTimeout(d time.Duration) Option {
	return func(s *settings) { s.closeTimeout = d }
}

// RebalanceFunc is called with the partitions being assigned, revoked or lost.
// It runs inside Poll, Consume or Close, on the goroutine that called them.
type RebalanceFunc func(c *Consumer, partitions []topicpartition.TopicPartition)

// SubscribeOption sets a rebalance callback for Subscribe.
type SubscribeOption func(*rebalance)

type rebalance struct {
	onAssign, onRevoke, onLost RebalanceFunc
}

// OnAssign is called when partitions are assigned to this member, before consuming
// from them. It may call Assign (eager protocol) or IncrementalAssign (cooperative) with
// chosen start offsets; if it does not, the partitions are assigned as given, starting
// at the committed offsets.
func OnAssign(fn RebalanceFunc) SubscribeOption {
	return func(r *rebalance) { r.onAssign = fn }
}

// OnRevoke is called when partitions are taken away in an orderly rebalance: the place
// to commit what was processed. Unassignment follows, unless the callback did it.
func OnRevoke(fn RebalanceFunc) SubscribeOption {
	return func(r *rebalance) { r.onRevoke = fn }
}

// OnLost is called when partitions were lost without an orderly rebalance (the member
// was fenced or its session expired): committing them would fail. Without OnLost, lost
// partitions go to OnRevoke.
func OnLost(fn RebalanceFunc) SubscribeOption {
	return func(r *rebalance) { r.onLost = fn }
}

// CommitOption says what Commit commits, and how.
type CommitOption func(*commitArgs)

type commitArgs struct {
	msg     *message.Message
	hasMsg  bool
	offsets []topicpartition.TopicPartition
	hasOffs bool
	async   bool
}

// CommitMessage commits msg's offset + 1: the next message to read.
func CommitMessage(msg *message.Message) CommitOption {
	return func(a *commitArgs) { a.msg, a.hasMsg = msg, true }
}

// CommitOffsets commits the given offsets as they are (each the next offset to read).
func CommitOffsets(offsets ...topicpartition.TopicPartition) CommitOption {
	return func(a *commitArgs) { a.offsets, a.hasOffs = offsets, true }
}

// CommitAsync returns at once; the result goes to the WithCommitCallback callback
// from a later Poll or Consume.
func CommitAsync() CommitOption {
	return func(a *commitArgs) { a.async = true }
}
