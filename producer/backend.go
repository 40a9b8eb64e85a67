package producer

import (
	"context"
	"sync"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// backend is what a Producer drives: librdkafka through internal/engine, or a fake in
// the lifecycle tests. Its contract is *engine.Producer's: Poll is called by one
// goroutine at a time, Close when nothing else runs.
type backend interface {
	Produce(o engine.Out) error
	ProduceBatch(topic string, partition int32, outs []engine.Out) (int, error)
	Poll(dst []engine.Event, max int) []engine.Event
	Wake() <-chan struct{}
	Len() int
	Purge(flags int) error
	Close()

	InitTransactions(ctx context.Context) error
	BeginTransaction() error
	CommitTransaction(ctx context.Context) error
	AbortTransaction(ctx context.Context) error
	SendOffsetsToTransaction(ctx context.Context, offsets []topicpartition.TopicPartition, group []byte) error
}

var _ backend = (*engine.Producer)(nil)

// slots keeps the OnDelivery callbacks of messages on their way. A message travels
// with its slot number through librdkafka (never a Go pointer); slot 0 means "the
// producer's default callback".
type slots struct {
	mu   sync.Mutex
	next uint64
	fns  map[uint64]DeliveryFunc
}

// put keeps fn until take; it returns its slot.
func (s *slots) put(fn DeliveryFunc) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[uint64]DeliveryFunc{}
	}
	s.next++
	s.fns[s.next] = fn
	return s.next
}

// take returns and forgets the callback of slot, nil for slot 0.
func (s *slots) take(slot uint64) DeliveryFunc {
	if slot == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn := s.fns[slot]
	delete(s.fns, slot)
	return fn
}

// drop forgets slot, for a message Produce refused.
func (s *slots) drop(slot uint64) { s.take(slot) }
