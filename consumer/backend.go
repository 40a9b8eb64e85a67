package consumer

import (
	"context"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/metadata"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// backend is what a Consumer drives: librdkafka through internal/engine, or a fake in
// the lifecycle tests. Its contract is *engine.Consumer's: Consume is called by one
// goroutine at a time, Close when nothing else runs.
type backend interface {
	Consume(dst []*message.Message, max int) ([]*message.Message, engine.Event, bool)
	Wake() <-chan struct{}

	Subscribe(topics []string) error
	Unsubscribe() error
	Subscription() ([]string, error)
	Assign(tps []topicpartition.TopicPartition) error
	IncrementalAssign(tps []topicpartition.TopicPartition) error
	IncrementalUnassign(tps []topicpartition.TopicPartition) error
	Assignment() ([]topicpartition.TopicPartition, error)
	AssignmentLost() bool
	RebalanceProtocol() string
	MemberID() string
	GroupMetadata() ([]byte, error)

	Commit(offsets []topicpartition.TopicPartition, id uint64) error
	CommitWake() <-chan struct{}
	CommitResults(dst []engine.Event) []engine.Event
	Committed(ctx context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error)
	StoreOffsets(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error)

	Position(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error)
	Seek(ctx context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error)
	Pause(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error)
	Resume(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error)
	OffsetsForTimes(ctx context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error)
	Watermarks(ctx context.Context, topic string, partition int32, cached bool) (low, high int64, err error)
	Metadata(ctx context.Context, topic string) (*metadata.Cluster, error)

	CloseQueue() error
	CloseWake() <-chan struct{}
	CloseEvents(dst []engine.Event) []engine.Event
	Closed() bool
	Close()
}

var _ backend = (*engine.Consumer)(nil)
