package consumer

import (
	"strconv"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/internal/ckconv"
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
	parts, err := c.ck.Position(ckconv.ToCKTopicPartitions(partitions))
	return ckconv.TopicPartitions(parts), ckconv.Error(err)
}

// GetWatermarkOffsets is the partition's low and high watermark: the first offset still
// held and the offset after the last message. With cached it answers from the last
// fetch, without asking the broker (OffsetInvalid, OffsetInvalid when nothing was
// fetched yet); otherwise it asks the broker, waiting up to timeout (negative: no limit).
func (c *Consumer) GetWatermarkOffsets(tp topicpartition.TopicPartition, timeout time.Duration, cached bool) (low, high topicpartition.Offset, err error) {
	in := c.enter()
	if in == closed {
		return topicpartition.OffsetInvalid, topicpartition.OffsetInvalid, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	var l, h int64
	if cached {
		l, h, err = c.ck.GetWatermarkOffsets(tp.Topic, tp.Partition)
	} else {
		l, h, err = c.ck.QueryWatermarkOffsets(tp.Topic, tp.Partition, millis(timeout))
	}
	if err != nil {
		return topicpartition.OffsetInvalid, topicpartition.OffsetInvalid,
			ckconv.Prefixed(err, "watermark offsets of topic %q partition %d", tp.Topic, tp.Partition)
	}
	return topicpartition.Offset(l), topicpartition.Offset(h), nil
}

// Seek moves the fetch position of an assigned partition to tp.Offset; the next Poll
// returns the message there.
func (c *Consumer) Seek(tp topicpartition.TopicPartition) error {
	return c.call(func() error {
		return c.ck.Seek(ckconv.ToCKTopicPartitions([]topicpartition.TopicPartition{tp})[0], 0)
	})
}

// Pause stops fetching from the partitions; Poll keeps serving callbacks.
func (c *Consumer) Pause(partitions []topicpartition.TopicPartition) error {
	return c.call(func() error { return c.ck.Pause(ckconv.ToCKTopicPartitions(partitions)) })
}

// Resume fetches again from paused partitions.
func (c *Consumer) Resume(partitions []topicpartition.TopicPartition) error {
	return c.call(func() error { return c.ck.Resume(ckconv.ToCKTopicPartitions(partitions)) })
}

// OffsetsForTimes finds, for each partition, the earliest offset whose timestamp is at
// or after the time given in its Offset field (milliseconds since the epoch; see
// TimeOffset); OffsetEnd where there is none. It waits up to timeout (negative: no limit).
func (c *Consumer) OffsetsForTimes(times []topicpartition.TopicPartition, timeout time.Duration) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	parts, err := c.ck.OffsetsForTimes(ckconv.ToCKTopicPartitions(times), millis(timeout))
	if err != nil {
		err = ckconv.Prefixed(err, "offsets for times of %s", topicsNamed(times))
	}
	return ckconv.TopicPartitions(parts), err
}

// TimeOffset spells a time as OffsetsForTimes wants it in an Offset field.
func TimeOffset(t time.Time) topicpartition.Offset {
	return topicpartition.Offset(t.UnixMilli())
}

// topicsNamed names the distinct topics of partitions for an error's text:
// topic "a", or topics "a", "b".
func topicsNamed(partitions []topicpartition.TopicPartition) string {
	var names []string
	seen := map[string]bool{}
	for _, tp := range partitions {
		if !seen[tp.Topic] {
			seen[tp.Topic] = true
			names = append(names, strconv.Quote(tp.Topic))
		}
	}
	if len(names) == 1 {
		return "topic " + names[0]
	}
	return "topics " + strings.Join(names, ", ")
}
