package producer

import (
	"context"
	"time"

	"github.com/rdstreams/rdstreams/internal/lifecycle"
	"github.com/rdstreams/rdstreams/metadata"
)

// metadataSource is the engine's metadata call; the lifecycle tests' fake engine has
// none.
type metadataSource interface {
	Metadata(ctx context.Context, topic string) (*metadata.Cluster, error)
}

// ListTopics asks the cluster for its metadata: brokers, and every topic with its
// partitions when topic is "", else that topic alone (Python's
// list_topics(topic=None, timeout=-1)). It returns the type cluster.Metadata is, so code
// reading metadata does not care which client fetched it. It waits at most timeout;
// negative waits until a broker answers or the producer is closed.
//
// A topic with a problem of its own carries it in Topic.Err rather than failing the
// call: asked for by name, a topic the cluster does not have comes back with
// UNKNOWN_TOPIC_OR_PART, unless asking creates it, as in Python — a producer's
// allow.auto.create.topics is on by default, and brokers' auto.create.topics.enable
// too; set allow.auto.create.topics=false at New to only look. The call's own error is
// _TRANSPORT or _TIMED_OUT when no broker answered in time, kafkaerror.ErrClosed on a
// closed producer.
func (p *Producer) ListTopics(topic string, timeout time.Duration) (*metadata.Cluster, error) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout >= 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	return p.ListTopicsContext(ctx, topic)
}

// ListTopicsContext is ListTopics bounded by ctx instead of a timeout. librdkafka's
// metadata request cannot be interrupted, so a cancelled ctx, or Close, is noticed
// within 5 s.
func (p *Producer) ListTopicsContext(ctx context.Context, topic string) (*metadata.Cluster, error) {
	var fetch lifecycle.MetadataFunc
	if src, ok := p.eng.(metadataSource); ok {
		fetch = src.Metadata
	}
	return p.gate.ListTopics(ctx, fetch, topic)
}
