package producer

import (
	"context"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Transactions need the transactional.id property. The cycle, as in the Python client:
//
//	p.InitTransactions(ctx)                 // once
//	p.BeginTransaction()
//	p.Produce(…)                            // any number
//	p.SendOffsetsToTransaction(ctx, offsets, group) // consume-transform-produce only
//	p.CommitTransaction(ctx)                // or AbortTransaction(ctx)
//
// An error whose TxnRequiresAbort() is true means: AbortTransaction, then begin again.
// A Retriable() one means the same call may be repeated; a Fatal() one that the producer
// must be closed.

// GroupMetadata identifies the consumer group whose offsets a transaction commits
// (Python's consumer.consumer_group_metadata()).
type GroupMetadata struct {
	// serialized is librdkafka's rd_kafka_consumer_group_metadata_write form.
	serialized []byte
}

// NewGroupMetadata is the metadata of a group known only by its id. A consumer's own
// metadata (with member id and generation) fences zombie instances better; prefer it
// where the consumer offers it.
func NewGroupMetadata(groupID string) (*GroupMetadata, error) {
	b, err := engine.GroupMetadata(groupID)
	if err != nil {
		return nil, err
	}
	return &GroupMetadata{serialized: b}, nil
}

// ParseGroupMetadata is the group metadata whose serialized form is b (as Bytes gives
// it, or librdkafka's rd_kafka_consumer_group_metadata_write): for a consumer and a
// producer that are not in one program. A form librdkafka cannot read is an error.
func ParseGroupMetadata(b []byte) (*GroupMetadata, error) {
	if err := engine.CheckGroupMetadata(b); err != nil {
		return nil, err
	}
	return &GroupMetadata{serialized: b}, nil
}

// Bytes is g's serialized form, which ParseGroupMetadata reads back.
func (g *GroupMetadata) Bytes() []byte { return g.serialized }

// InitTransactions registers transactional.id with the cluster, fencing older
// producers with the same id, and waits for the result until ctx is done.
func (p *Producer) InitTransactions(ctx context.Context) error {
	return p.txn(func() error { return p.takeWhile(func() error { return p.eng.InitTransactions(ctx) }) })
}

// BeginTransaction starts a transaction: messages produced from now on belong to it.
func (p *Producer) BeginTransaction() error {
	return p.txn(p.eng.BeginTransaction)
}

// SendOffsetsToTransaction adds consumed offsets (the next offset to read, i.e. last
// processed + 1) to the transaction, to be committed for group with it.
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, offsets []topicpartition.TopicPartition, group *GroupMetadata) error {
	if group == nil || len(group.serialized) == 0 {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "SendOffsetsToTransaction: group metadata is nil")
	}
	return p.txn(func() error {
		return p.takeWhile(func() error { return p.eng.SendOffsetsToTransaction(ctx, offsets, group.serialized) })
	})
}

// CommitTransaction flushes the transaction's messages and commits it, waiting until
// ctx is done. Delivery reports of its messages still come through Poll.
func (p *Producer) CommitTransaction(ctx context.Context) error {
	return p.txn(func() error { return p.takeWhile(func() error { return p.eng.CommitTransaction(ctx) }) })
}

// AbortTransaction drops the transaction's messages (read_committed consumers never see
// them) and waits until ctx is done. Messages still queued are purged and reported
// with kafkaerror.PurgeQueue or PurgeInflight, as in the Python client.
//
// Before it aborts, AbortTransaction gives the messages already on their way up to
// abortSettle (1 s, at most half of ctx's remaining time) to be delivered. This works
// around librdkafka 2.11.1 (issue confluentinc/librdkafka#4849): aborting while the
// transaction's partitions are still being registered with the coordinator — which
// happens when a transaction begins right after the previous one ended and the
// coordinator answers CONCURRENT_TRANSACTIONS — makes the engine send an abort the
// coordinator refuses, a fatal INVALID_TXN_STATE that kills the producer. Delivery of
// a message proves its partition is registered. With a healthy broker the wait lasts
// milliseconds; the messages it lets through are written and then aborted, invisible
// to read_committed consumers all the same.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	return p.txn(func() error {
		p.settleInFlight(ctx)
		return p.takeWhile(func() error { return p.eng.AbortTransaction(ctx) })
	})
}

// abortSettle bounds how long AbortTransaction waits for messages on their way.
const abortSettle = time.Second

// settleInFlight waits until every message produced has had its delivery report taken
// from the engine (not necessarily served), abortSettle passes, half of ctx's remaining
// time passes, or the producer starts closing. It takes the reports itself, to be
// served by the next Poll, Flush or Close, and serves no callback, so it is safe inside
// one.
func (p *Producer) settleInFlight(ctx context.Context) {
	limit := abortSettle
	if deadline, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(deadline)/2)
	}
	if p.undelivered() == 0 || limit <= 0 {
		return
	}
	expiry := time.NewTimer(limit)
	defer expiry.Stop()
	tick := time.NewTicker(settleTick)
	defer tick.Stop()
	for p.undelivered() > 0 {
		p.take()
		select {
		case <-tick.C:
		case <-expiry.C:
			return
		case <-ctx.Done():
			return
		case <-p.gate.Closing():
			return
		}
	}
}

// settleTick is how often settleInFlight looks again. (It does not wait on the
// engine's wake-up: that would take the token a blocked Poll waits for.)
const settleTick = 2 * time.Millisecond

// txn runs one transactional call on an open producer.
func (p *Producer) txn(call func() error) error {
	if !p.gate.Enter() {
		return kafkaerror.ErrClosed
	}
	defer p.gate.Exit()
	return call()
}
