package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// ResetTo says where ResetGroupOffsets moves a group's committed offsets, as
// kafka-consumer-groups' --to-earliest, --to-latest, --to-datetime and --to-offset do.
type ResetTo struct {
	kind   resetKind
	offset int64
	at     time.Time
}

type resetKind int

const (
	resetEarliest resetKind = iota
	resetLatest
	resetTime
	resetOffset
)

// ResetToEarliest moves each partition to its first offset still in the log.
func ResetToEarliest() ResetTo { return ResetTo{kind: resetEarliest} }

// ResetToLatest moves each partition to its end: the group skips every message there now.
func ResetToLatest() ResetTo { return ResetTo{kind: resetLatest} }

// ResetToTime moves each partition to its first message with a timestamp at or after
// t, or to its end when it has none.
func ResetToTime(t time.Time) ResetTo { return ResetTo{kind: resetTime, at: t} }

// ResetToOffset moves each partition to offset n, kept within what the partition holds
// (its first offset when n is below it, its end when n is beyond).
func ResetToOffset(n int64) ResetTo { return ResetTo{kind: resetOffset, offset: n} }

// String is the form ParseResetTo reads: "earliest", "latest", "time:RFC3339" or
// "offset:N".
func (r ResetTo) String() string {
	switch r.kind {
	case resetEarliest:
		return "earliest"
	case resetLatest:
		return "latest"
	case resetTime:
		return "time:" + r.at.Format(time.RFC3339Nano)
	}
	return "offset:" + strconv.FormatInt(r.offset, 10)
}

// ParseResetTo reads "earliest", "latest", "time:" followed by an RFC 3339 time
// ("time:2025-01-02T15:04:05Z") or "offset:" followed by an offset ("offset:42").
func ParseResetTo(s string) (ResetTo, error) {
	switch {
	case s == "earliest":
		return ResetToEarliest(), nil
	case s == "latest":
		return ResetToLatest(), nil
	case strings.HasPrefix(s, "time:"):
		t, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(s, "time:"))
		if err != nil {
			return ResetTo{}, kafkaerror.Newf(kafkaerror.InvalidArg, "reset to %q: not an RFC 3339 time such as time:2025-01-02T15:04:05Z", s)
		}
		return ResetToTime(t), nil
	case strings.HasPrefix(s, "offset:"):
		n, err := strconv.ParseInt(strings.TrimPrefix(s, "offset:"), 10, 64)
		if err != nil || n < 0 {
			return ResetTo{}, kafkaerror.Newf(kafkaerror.InvalidArg, "reset to %q: the offset must be a number, 0 or more", s)
		}
		return ResetToOffset(n), nil
	}
	return ResetTo{}, kafkaerror.Newf(kafkaerror.InvalidArg, "reset to %q: use earliest, latest, time:RFC3339 or offset:N", s)
}

// PartitionReset is one partition of a ResetPlan.
type PartitionReset struct {
	Topic     string
	Partition int32
	// Current is the group's committed offset now, OffsetInvalid when it has none.
	Current topicpartition.Offset
	// Target is the offset the reset commits.
	Target topicpartition.Offset
	// Low and High are the partition's first offset and its end when the plan was made.
	Low, High topicpartition.Offset
	// Err is this partition's own failure to be planned (its offsets could not be
	// looked up); ResetGroupOffsets leaves such a partition alone.
	Err error
}

// ResetPlan is what ResetGroupOffsets will commit: PlanGroupReset makes it without
// changing anything, so that it can be shown first (a dry run).
type ResetPlan struct {
	Group      string
	To         ResetTo
	Partitions []PartitionReset // sorted by topic and partition
}

// partitionOffsets is what the plan of one partition is computed from.
type partitionOffsets struct {
	topic     string
	partition int32
	committed topicpartition.Offset // OffsetInvalid: none
	low, high topicpartition.Offset
	forTime   topicpartition.Offset // for resetTime: OffsetEnd when no message is that late
	err       error
}

// planReset computes each partition's target. It is pure: PlanGroupReset fetches its
// inputs.
func planReset(to ResetTo, parts []partitionOffsets) []PartitionReset {
	out := make([]PartitionReset, 0, len(parts))
	for _, p := range parts {
		pr := PartitionReset{Topic: p.topic, Partition: p.partition, Current: p.committed, Low: p.low, High: p.high, Target: topicpartition.OffsetInvalid}
		if p.err != nil {
			pr.Err = p.err
			out = append(out, pr)
			continue
		}
		switch to.kind {
		case resetEarliest:
			pr.Target = p.low
		case resetLatest:
			pr.Target = p.high
		case resetTime:
			pr.Target = p.forTime
			if pr.Target < 0 {
				pr.Target = p.high // nothing that late: the end
			}
		case resetOffset:
			pr.Target = min(max(topicpartition.Offset(to.offset), p.low), p.high)
		}
		out = append(out, pr)
	}
	slices.SortFunc(out, func(a, b PartitionReset) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition) - int(b.Partition)
	})
	return out
}

// lag is how many messages a group with committed offset committed has still to read
// in a partition from low to high: high - committed, or every message when it has
// committed nothing (OffsetInvalid); never below 0.
func lag(committed, low, high topicpartition.Offset) int64 {
	from := committed
	if committed < 0 {
		from = low
	}
	return max(0, int64(high-from))
}

// PlanGroupReset plans a reset of a group's committed offsets, without changing
// anything. The partitions are every partition of the given topics, or, when none are
// given, every partition the group has committed an offset for. A group with active
// members is refused (kafkaerror.NonEmptyGroup, naming the members): its consumers
// would overwrite the reset with their next commit; stop them first. A group that
// has committed nothing and no topics is kafkaerror.GroupIDNotFound; with topics, a
// new group's offsets are planned.
func (c *Client) PlanGroupReset(ctx context.Context, group string, to ResetTo, topics ...string) (*ResetPlan, error) {
	if err := validGroups("reset group offsets", []string{group}); err != nil {
		return nil, err
	}
	if err := validNames(topics); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	if err := c.requireEmpty(k, group); err != nil {
		return nil, err
	}
	committed, err := c.groupOffsets(k, group, nil)
	if err != nil {
		return nil, err
	}
	current := make(map[partKey]topicpartition.Offset, len(committed))
	var parts []partKey
	for _, tp := range committed {
		if tp.Err != nil {
			return nil, tp.Err
		}
		kk := partKey{tp.Topic, tp.Partition}
		current[kk] = tp.Offset
		if len(topics) == 0 {
			parts = append(parts, kk)
		}
	}
	if len(topics) > 0 {
		descs, err := c.describeTopics(k, topics)
		if err != nil {
			return nil, err
		}
		for _, d := range descs {
			if d.Error.Code() != 0 {
				return nil, topicError(d.Name, d.Error)
			}
			for _, p := range d.Partitions {
				parts = append(parts, partKey{d.Name, int32(p.Partition)})
			}
		}
	} else if len(parts) == 0 {
		return nil, kafkaerror.Newf(kafkaerror.GroupIDNotFound,
			"reset group offsets: group %q has no committed offsets: name the topics to reset", group)
	}
	queries := make([]OffsetQuery, 0, 3*len(parts))
	for _, p := range parts {
		queries = append(queries, OffsetQuery{p.topic, p.partition, EarliestOffset()}, OffsetQuery{p.topic, p.partition, LatestOffset()})
		if to.kind == resetTime {
			queries = append(queries, OffsetQuery{p.topic, p.partition, OffsetForTime(to.at)})
		}
	}
	listed, err := c.listOffsets(k, queries)
	if err != nil {
		return nil, err
	}
	inputs := make([]partitionOffsets, len(parts))
	per := len(queries) / len(parts)
	for i, p := range parts {
		in := partitionOffsets{topic: p.topic, partition: p.partition, committed: topicpartition.OffsetInvalid, forTime: topicpartition.OffsetEnd}
		if off, ok := current[p]; ok {
			in.committed = off
		}
		for j, lo := range listed[i*per : (i+1)*per] {
			if lo.Err != nil && in.err == nil {
				in.err = lo.Err
			}
			switch j {
			case 0:
				in.low = lo.Offset
			case 1:
				in.high = lo.Offset
			case 2:
				in.forTime = lo.Offset
			}
		}
		inputs[i] = in
	}
	return &ResetPlan{Group: group, To: to, Partitions: planReset(to, inputs)}, nil
}

// requireEmpty fails unless the group has no active members: NonEmptyGroup, naming them.
func (c *Client) requireEmpty(k *call, group string) error {
	descs, err := c.describeGroups(k, []string{group})
	if err != nil {
		return err
	}
	d := descs[0]
	if d.Err != nil {
		if errors.Is(d.Err, kafkaerror.GroupIDNotFound) {
			return nil // a group nobody knows is empty
		}
		return d.Err
	}
	if len(d.Members) == 0 {
		return nil
	}
	names := make([]string, len(d.Members))
	for i, m := range d.Members {
		names[i] = m.String()
	}
	return kafkaerror.Newf(kafkaerror.NonEmptyGroup,
		"reset group offsets: group %q is %s with %d active member(s): %s; offsets can be reset only while the group is empty: stop its consumers first",
		group, d.State, len(d.Members), strings.Join(names, ", "))
}

// ResetGroupOffsets commits plan's targets (PlanGroupReset made it) and returns the
// partitions committed, each with its own Err; partitions the plan could not plan are
// left alone. It checks again that the group has no active members
// (kafkaerror.NonEmptyGroup otherwise, naming them).
func (c *Client) ResetGroupOffsets(ctx context.Context, plan *ResetPlan) ([]topicpartition.TopicPartition, error) {
	if plan == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "reset group offsets: no plan given")
	}
	if err := validGroups("reset group offsets", []string{plan.Group}); err != nil {
		return nil, err
	}
	var offsets []topicpartition.TopicPartition
	for _, p := range plan.Partitions {
		if p.Err == nil && p.Target >= 0 {
			offsets = append(offsets, topicpartition.New(p.Topic, p.Partition, p.Target))
		}
	}
	if err := validPartitions("reset group offsets", offsets); err != nil {
		return nil, err
	}
	if len(offsets) == 0 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "reset group offsets of %q: the plan has no partition to reset", plan.Group)
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	if err := c.requireEmpty(k, plan.Group); err != nil {
		return nil, err
	}
	return c.alterGroupOffsets(k, plan.Group, offsets)
}

// String is one line per partition: "orders[0]: 42 -> 0".
func (p *ResetPlan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "reset group %s to %s:", p.Group, p.To)
	for _, pr := range p.Partitions {
		fmt.Fprintf(&b, "\n  %s[%d]: %s -> %s", pr.Topic, pr.Partition, pr.Current, pr.Target)
		if pr.Err != nil {
			fmt.Fprintf(&b, " (%v)", pr.Err)
		}
	}
	return b.String()
}
