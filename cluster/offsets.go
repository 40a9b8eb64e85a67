package cluster

import (
	"context"
	"fmt"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// OffsetSpec says which offset of a partition ListOffsets looks up.
type OffsetSpec struct {
	kind offsetKind
	at   time.Time
}

type offsetKind int

const (
	specEarliest offsetKind = iota
	specLatest
	specMaxTimestamp
	specTime
)

// EarliestOffset is the partition's first offset still in the log (its low watermark).
func EarliestOffset() OffsetSpec { return OffsetSpec{kind: specEarliest} }

// LatestOffset is the offset the next message will get (the high watermark).
func LatestOffset() OffsetSpec { return OffsetSpec{kind: specLatest} }

// MaxTimestampOffset is the offset of the message with the largest timestamp.
func MaxTimestampOffset() OffsetSpec { return OffsetSpec{kind: specMaxTimestamp} }

// OffsetForTime is the offset of the first message whose timestamp is t or later.
func OffsetForTime(t time.Time) OffsetSpec { return OffsetSpec{kind: specTime, at: t} }

// String is "earliest", "latest", "max-timestamp" or "time:" and the time in RFC 3339.
func (s OffsetSpec) String() string {
	switch s.kind {
	case specEarliest:
		return "earliest"
	case specLatest:
		return "latest"
	case specMaxTimestamp:
		return "max-timestamp"
	}
	return "time:" + s.at.Format(time.RFC3339Nano)
}

func (s OffsetSpec) engine() ckafka.OffsetSpec {
	switch s.kind {
	case specEarliest:
		return ckafka.EarliestOffsetSpec
	case specLatest:
		return ckafka.LatestOffsetSpec
	case specMaxTimestamp:
		return ckafka.MaxTimestampOffsetSpec
	}
	return ckafka.NewOffsetSpecForTimestamp(s.at.UnixMilli())
}

// OffsetQuery asks ListOffsets for one offset of one partition.
type OffsetQuery struct {
	Topic     string
	Partition int32
	Spec      OffsetSpec
}

// ListedOffset is ListOffsets' answer to one query.
type ListedOffset struct {
	Topic     string
	Partition int32
	Spec      OffsetSpec
	// Offset is the offset found; OffsetEnd (-1) when there is none: no message with a
	// timestamp at or after the time asked, or an empty partition asked for its
	// largest timestamp.
	Offset topicpartition.Offset
	// Timestamp is the timestamp of the message at Offset, for MaxTimestampOffset and
	// OffsetForTime; zero otherwise.
	Timestamp   time.Time
	LeaderEpoch *int32
	// Err is this partition's own error, e.g. UNKNOWN_TOPIC_OR_PART.
	Err error
}

// ListOffsets looks up offsets of partitions (Python's list_offsets), one answer per
// query in the order given; a query may name a partition more than once with different
// specs. A partition that fails alone has its Err set; the returned error is for a
// failure of the whole call.
func (c *Client) ListOffsets(ctx context.Context, queries ...OffsetQuery) ([]ListedOffset, error) {
	for i, q := range queries {
		switch {
		case q.Topic == "":
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "list offsets: queries[%d] (partition %d) has no topic name", i, q.Partition)
		case q.Partition < 0:
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "list offsets: queries[%d] (%s[%d]) has a negative partition", i, q.Topic, q.Partition)
		case q.Spec.kind == specTime && q.Spec.at.UnixMilli() < 0:
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "list offsets: queries[%d] (%s[%d]): time %s is before 1970", i, q.Topic, q.Partition, q.Spec.at)
		}
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	return c.listOffsets(k, queries)
}

type partKey struct {
	topic     string
	partition int32
}

func (c *Client) listOffsets(k *call, queries []OffsetQuery) ([]ListedOffset, error) {
	out := make([]ListedOffset, len(queries))
	// The engine takes one spec per partition and request: a partition asked for
	// several times goes into several rounds.
	var rounds []map[partKey]int
	for i, q := range queries {
		kk := partKey{q.Topic, q.Partition}
		r := 0
		for r < len(rounds) {
			if _, taken := rounds[r][kk]; !taken {
				break
			}
			r++
		}
		if r == len(rounds) {
			rounds = append(rounds, map[partKey]int{})
		}
		rounds[r][kk] = i
		out[i] = ListedOffset{Topic: q.Topic, Partition: q.Partition, Spec: q.Spec, Offset: topicpartition.OffsetEnd}
	}
	for _, round := range rounds {
		specs := make(map[ckafka.TopicPartition]ckafka.OffsetSpec, len(round))
		for kk, i := range round {
			topic := kk.topic
			specs[ckafka.TopicPartition{Topic: &topic, Partition: kk.partition}] = queries[i].Spec.engine()
		}
		res, err := c.admin.ListOffsets(k.ctx, specs, k.adminTimeout())
		if err = k.answer(err); err != nil {
			return nil, err
		}
		seen := make(map[partKey]bool, len(round))
		// The result's keys hold topic pointers of their own: look entries up by value.
		for tp, info := range res.ResultInfos {
			kk := partKey{*tp.Topic, tp.Partition}
			i, ok := round[kk]
			if !ok {
				continue
			}
			seen[kk] = true
			lo := &out[i]
			if info.Error.Code() != ckafka.ErrNoError {
				lo.Err = partitionError(fmt.Sprintf("%s[%d]", kk.topic, kk.partition), info.Error)
				continue
			}
			lo.Offset = topicpartition.Offset(info.Offset)
			if lo.Offset < 0 {
				lo.Offset = topicpartition.OffsetEnd
			}
			lo.LeaderEpoch = info.LeaderEpoch
			if info.Timestamp >= 0 && (lo.Spec.kind == specTime || lo.Spec.kind == specMaxTimestamp) {
				lo.Timestamp = time.UnixMilli(info.Timestamp)
			}
		}
		for kk, i := range round {
			if !seen[kk] {
				out[i].Err = kafkaerror.Newf(kafkaerror.Fail, "list offsets: %s[%d] left out of the broker's answer", kk.topic, kk.partition)
			}
		}
	}
	return out, nil
}

// DeleteRecords deletes every message before each partition's Offset (Python's
// delete_records): the partition's low watermark moves up to that offset
// (OffsetEnd deletes all messages the partition holds). It returns the partitions in
// the order given, each with its new low watermark in Offset, or with its own Err (an
// offset beyond the end is OFFSET_OUT_OF_RANGE, an unknown partition
// UNKNOWN_TOPIC_OR_PART). The returned error is for a failure of the whole call.
func (c *Client) DeleteRecords(ctx context.Context, before ...topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	const op = "delete records"
	if err := validPartitions(op, before); err != nil {
		return nil, err
	}
	for i, tp := range before {
		if tp.Offset < 0 && tp.Offset != topicpartition.OffsetEnd {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: partitions[%d] (%s): the offset must be 0 or more, or OffsetEnd for all", op, i, tp)
		}
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	if len(before) == 0 {
		return []topicpartition.TopicPartition{}, nil
	}
	res, err := c.admin.DeleteRecords(k.ctx, toCKTopicPartitions(before), k.adminTimeout(), k.operationTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	got := make([]topicpartition.TopicPartition, 0, len(res.DeleteRecordsResults))
	for _, r := range res.DeleteRecordsResults {
		tp := topicpartition.Of(*r.TopicPartition.Topic, r.TopicPartition.Partition)
		if ce, ok := r.TopicPartition.Error.(ckafka.Error); ok && ce.Code() != ckafka.ErrNoError {
			tp.Err = partitionError(fmt.Sprintf("%s[%d]", tp.Topic, tp.Partition), ce)
		} else if r.TopicPartition.Error != nil {
			tp.Err = ckconv.Error(r.TopicPartition.Error)
		} else if r.DeletedRecords != nil {
			tp.Offset = topicpartition.Offset(r.DeletedRecords.LowWatermark)
		}
		got = append(got, tp)
	}
	return inOrder(op, before, got), nil
}
