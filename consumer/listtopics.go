package consumer

import (
	"context"
	"time"

	"github.com/rdstreams/rdstreams/metadata"
)

// ListTopics asks the cluster for its metadata: brokers, and every topic with its
// partitions when topic is "", else that topic alone (Python's
// list_topics(topic=None, timeout=-1)). It returns the type cluster.Metadata is. It
// waits at most timeout; negative waits until a broker answers or the consumer is
// closed.
//
// A topic with a problem of its own carries it in Topic.Err rather than failing the
// call (UNKNOWN_TOPIC_OR_PART for a topic the cluster does not have; a consumer does
// not create topics unless allow.auto.create.topics is set). The call's own error is
// _TRANSPORT or _TIMED_OUT when no broker answered in time, kafkaerror.ErrClosed on a
// closed consumer.
func (c *Consumer) ListTopics(topic string, timeout time.Duration) (*metadata.Cluster, error) {
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	return c.ListTopicsContext(ctx, topic)
}

// ListTopicsContext is ListTopics bounded by ctx instead of a timeout. librdkafka's
// metadata request cannot be interrupted, so a cancelled ctx, or Close, is noticed
// within 5 s.
func (c *Consumer) ListTopicsContext(ctx context.Context, topic string) (*metadata.Cluster, error) {
	return c.gate.ListTopics(ctx, c.eng.Metadata, topic)
}
