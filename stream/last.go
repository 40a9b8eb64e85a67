package stream

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Last returns the last n messages of the URL's topics across all their partitions,
// oldest first (pykafka's "last N messages" pattern, made exact): each partition is
// read from max(low watermark, high watermark − 2n) to its end as it was when Last
// began (2n because transaction markers take offsets too), and of those the n with the
// latest timestamps are kept. The order is total, so the same messages always come
// in the same order: by timestamp, then topic name, then partition, then offset
// (messages with equal timestamps are ordered by topic, partition and offset, never
// by arrival). A topic holding fewer than n messages gives all it holds; nothing
// before a low watermark is ever asked for. Messages of aborted transactions are
// invisible, so many of them near the end of a partition can make it return fewer.
// It joins no consumer group and commits nothing: a group.id given with Config is
// refused.
func Last(ctx context.Context, rawURL string, n int, opts ...Option) ([]*Message, error) {
	if n < 1 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream.Last: n must be at least 1, got %d", n)
	}
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if len(u.Topics) == 0 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream.Last: the URL %q names no topic", u.String())
	}
	o := options{auth: true, config: map[string]any{}}
	for _, opt := range opts {
		opt(&o)
	}
	config := map[string]any{"bootstrap.servers": u.Bootstrap()}
	if o.auth {
		cred, err := credentialFor(u, o)
		if err != nil {
			return nil, err
		}
		for k, v := range cred.Config() {
			config[k] = v
		}
	}
	for k, v := range o.config {
		config[k] = v
	}
	if g, ok := config["group.id"]; ok {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream.Last: Config group.id %v: Last joins no consumer group and commits nothing", g)
	}

	admin, err := cluster.New(config)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	config["enable.partition.eof"] = true // a partition may end with a transaction marker, never delivered
	c, err := consumer.New(config)
	if err != nil {
		return nil, err
	}
	defer c.Close()

	ends := map[partKey]topicpartition.Offset{} // the offset of the last message to read + 1
	var starts []topicpartition.TopicPartition
	for _, topic := range u.Topics {
		md, err := admin.TopicMetadata(ctx, topic)
		if err != nil {
			return nil, err
		}
		for _, p := range md.Partitions {
			tp := topicpartition.New(topic, p.ID, 0)
			low, high, err := c.GetWatermarkOffsets(tp, timeoutOf(ctx), false)
			if err != nil {
				return nil, err
			}
			// 2n offsets: transaction markers take offsets too, at most one per message.
			start := max(low, high-2*topicpartition.Offset(n))
			if start >= high {
				continue // empty partition
			}
			tp.Offset = start
			starts = append(starts, tp)
			ends[partKey{topic, p.ID}] = high
		}
	}
	if len(starts) == 0 {
		return nil, nil
	}
	if err := c.Assign(starts); err != nil {
		return nil, err
	}
	var got []*Message
	for m, err := range c.Messages(ctx) {
		k := partKey{m.Topic(), m.Partition()}
		end, ok := ends[k]
		switch {
		case errors.Is(err, kafkaerror.PartitionEOF):
			// The partition's end: the last offset may be a transaction marker, which is
			// never delivered as a message.
			if ok && m.Offset() >= end {
				delete(ends, k)
			}
		case err != nil:
			if !transient(err) {
				return nil, err
			}
		case ok && m.Offset() < end:
			got = append(got, fromConsumed(m))
			if m.Offset() == end-1 {
				delete(ends, k)
			}
		}
		if len(ends) == 0 {
			break
		}
	}
	if len(ends) > 0 {
		return nil, kafkaerror.Newf(kafkaerror.TimedOut, "stream.Last: %d partition(s) not read to their end: %v", len(ends), ctx.Err())
	}
	sort.SliceStable(got, func(i, j int) bool {
		a, b := got[i].Metadata, got[j].Metadata
		if !a.Timestamp.Equal(b.Timestamp) {
			return a.Timestamp.Before(b.Timestamp)
		}
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Offset < b.Offset
	})
	if len(got) > n {
		got = got[len(got)-n:]
	}
	return got, nil
}

// timeoutOf is what is left of ctx's deadline, or no limit.
func timeoutOf(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return -1
}
