package consumer

import (
	"context"
	"time"

	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Position is, for each partition, the offset of the last message consumed + 1,
// OffsetInvalid before any was consumed. It is answered locally, without the broker.
func (c *Consumer) Position(partitions []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	return c.eng.Position(partitions)
}

// GetWatermarkOffsets is the partition's low and high watermark: the first offset still
// held and the offset after the last message. With cached it answers from the last
// fetch, without asking the broker (OffsetInvalid, OffsetInvalid when nothing was
// fetched yet); otherwise it asks the broker, waiting up to timeout (negative: no limit).
func (c *Consumer) GetWatermarkOffsets(tp topicpartition.TopicPartition, timeout time.Duration, cached bool) (low, high topicpartition.Offset, err error) {
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	return c.watermarks(ctx, tp, cached)
}

// GetWatermarkOffsetsContext is GetWatermarkOffsets asking the broker, bounded by ctx's
// deadline.
func (c *Consumer) GetWatermarkOffsetsContext(ctx context.Context, tp topicpartition.TopicPartition) (low, high topicpartition.Offset, err error) {
	return c.watermarks(ctx, tp, false)
}

func (c *Consumer) watermarks(ctx context.Context, tp topicpartition.TopicPartition, cached bool) (low, high topicpartition.Offset, err error) {
	in := c.enter()
	if in == closed {
		return topicpartition.OffsetInvalid, topicpartition.OffsetInvalid, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	l, h, err := c.eng.Watermarks(ctx, tp.Topic, tp.Partition, cached)
	if err != nil {
		return topicpartition.OffsetInvalid, topicpartition.OffsetInvalid,
			errtext.Prefixed(err, "watermark offsets of topic %q partition %d", tp.Topic, tp.Partition)
	}
	return topicpartition.Offset(l), topicpartition.Offset(h), nil
}

// Seek moves the fetch position of an assigned partition to tp.Offset (and its
// LeaderEpoch, when set); the next Poll returns the message there. Seeking a partition
// that is not assigned is a _STATE error, as in confluent-kafka-python.
func (c *Consumer) Seek(tp topicpartition.TopicPartition) error {
	_, err := c.SeekPartitions([]topicpartition.TopicPartition{tp})
	return err
}

// SeekPartitions moves the fetch positions of several assigned partitions at once
// (Python's seek, librdkafka's rd_kafka_seek_partitions). The call's error is the first
// partition's error, if any; every partition comes back with its own Err.
func (c *Consumer) SeekPartitions(partitions []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	// The engine's fetcher answers a seek at once; the bound only guards against a
	// consumer that is shutting down.
	ctx, cancel := context.WithTimeout(context.Background(), seekTimeout)
	defer cancel()
	out, err := c.eng.Seek(ctx, partitions)
	if err != nil {
		return out, err
	}
	for _, tp := range out {
		if tp.Err != nil {
			return out, errtext.Prefixed(tp.Err, "seek topic %q partition %d", tp.Topic, tp.Partition)
		}
	}
	return out, nil
}

// seekTimeout bounds the wait for the fetcher to take a seek.
const seekTimeout = 10 * time.Second

// Pause stops fetching from the partitions; Poll keeps serving callbacks.
func (c *Consumer) Pause(partitions []topicpartition.TopicPartition) error {
	return c.call(func() error { return firstErr(c.eng.Pause(partitions)) })
}

// Resume fetches again from paused partitions.
func (c *Consumer) Resume(partitions []topicpartition.TopicPartition) error {
	return c.call(func() error { return firstErr(c.eng.Resume(partitions)) })
}

// firstErr is a partition call's error, or else its first partition's.
func firstErr(out []topicpartition.TopicPartition, err error) error {
	if err != nil {
		return err
	}
	for _, tp := range out {
		if tp.Err != nil {
			return tp.Err
		}
	}
	return nil
}

// OffsetsForTimes finds, for each partition, the earliest offset whose timestamp is at
// or after the time given in its Offset field (milliseconds since the epoch; see
// TimeOffset); OffsetEnd where there is none. It waits up to timeout (negative: no limit).
func (c *Consumer) OffsetsForTimes(times []topicpartition.TopicPartition, timeout time.Duration) ([]topicpartition.TopicPartition, error) {
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	return c.OffsetsForTimesContext(ctx, times)
}

// OffsetsForTimesContext is OffsetsForTimes bounded by ctx's deadline.
func (c *Consumer) OffsetsForTimesContext(ctx context.Context, times []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	parts, err := c.eng.OffsetsForTimes(ctx, times)
	if err != nil {
		err = errtext.Prefixed(err, "offsets for times of %s", errtext.TopicsOf(times))
	}
	return parts, err
}

// TimeOffset spells a time as OffsetsForTimes wants it in an Offset field.
func TimeOffset(t time.Time) topicpartition.Offset {
	return topicpartition.Offset(t.UnixMilli())
}
