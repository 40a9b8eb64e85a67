package cluster

import (
	"cmp"
	"context"
	"slices"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Group describes a consumer group.
type Group struct {
	ID string
	// State is the group's state as the broker names it: Stable, Empty,
	// PreparingRebalance, CompletingRebalance, Dead or Unknown.
	State string
	// Protocol is the partition assignor the group settled on (range, roundrobin,
	// cooperative-sticky, uniform …); empty while the group has no members.
	Protocol string
	// Type is the group's rebalance protocol: "classic", or "consumer" for a group of
	// group.protocol=consumer members (KIP-848).
	Type string
	// Members is the number of consumers in the group now.
	Members int
}

// ConsumerGroups lists the cluster's consumer groups and describes each, sorted by
// ID. A group that disappears between the listing and its description is left out.
func (c *Client) ConsumerGroups(ctx context.Context) ([]Group, error) {
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	list, err := c.admin.ListConsumerGroups(k.ctx, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	if len(list.Errors) > 0 {
		errs := make([]error, len(list.Errors))
		for i, e := range list.Errors {
			errs[i] = ckconv.Error(e)
		}
		return nil, joinErrors(errs)
	}
	listed := make(map[string]ckafka.ConsumerGroupListing, len(list.Valid))
	ids := make([]string, 0, len(list.Valid))
	for _, g := range list.Valid {
		listed[g.GroupID] = g
		ids = append(ids, g.GroupID)
	}
	out := []Group{}
	if len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	res, err := c.admin.DescribeConsumerGroups(k.ctx, ids, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	var errs []error
	for _, d := range res.ConsumerGroupDescriptions {
		switch d.Error.Code() {
		case ckafka.ErrNoError:
		case ckafka.ErrGroupIDNotFound:
			continue // deleted since the listing
		default:
			errs = append(errs, groupError(d.GroupID, d.Error))
			continue
		}
		typ := d.Type
		if typ == ckafka.ConsumerGroupTypeUnknown {
			typ = listed[d.GroupID].Type
		}
		out = append(out, Group{
			ID:       d.GroupID,
			State:    d.State.String(),
			Protocol: d.PartitionAssignor,
			Type:     strings.ToLower(typ.String()),
			Members:  len(d.Members),
		})
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// PartitionLag is how far a group is behind on one partition.
type PartitionLag struct {
	Topic     string
	Partition int32
	// Committed is the group's committed offset: the next message it will read.
	// OffsetInvalid when the group has committed nothing for the partition.
	Committed topicpartition.Offset
	// High is the partition's high watermark: the offset the next message will get.
	High topicpartition.Offset
	// Lag is the number of messages the group has still to read: High - Committed, or,
	// when nothing is committed, every message the partition holds (High - Low).
	Lag int64
}

// GroupLag reports, for every partition the group has committed an offset for or a
// member of the group is assigned, how far the group is behind, sorted by topic and
// partition. A group with neither members nor committed offsets is an error with code
// kafkaerror.GroupIDNotFound.
func (c *Client) GroupLag(ctx context.Context, group string) ([]PartitionLag, error) {
	if group == "" {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "group lag: empty group id")
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()

	type key struct {
		topic     string
		partition int32
	}
	committed := map[key]topicpartition.Offset{}

	// The group's committed offsets (a nil partition list asks for all of them).
	offs, err := c.admin.ListConsumerGroupOffsets(k.ctx,
		[]ckafka.ConsumerGroupTopicPartitions{{Group: group}}, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	for _, g := range offs.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if tp.Error != nil {
				return nil, ckconv.Error(tp.Error)
			}
			off := topicpartition.Offset(tp.Offset)
			if off < 0 {
				off = topicpartition.OffsetInvalid
			}
			committed[key{*tp.Topic, tp.Partition}] = off
		}
	}

	// The partitions its members are assigned, committed or not.
	desc, err := c.admin.DescribeConsumerGroups(k.ctx, []string{group}, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	for _, d := range desc.ConsumerGroupDescriptions {
		if d.Error.Code() != ckafka.ErrNoError && d.Error.Code() != ckafka.ErrGroupIDNotFound {
			return nil, groupError(group, d.Error)
		}
		for _, m := range d.Members {
			for _, tp := range m.Assignment.TopicPartitions {
				kk := key{*tp.Topic, tp.Partition}
				if _, ok := committed[kk]; !ok {
					committed[kk] = topicpartition.OffsetInvalid
				}
			}
		}
	}
	if len(committed) == 0 {
		return nil, kafkaerror.Newf(kafkaerror.GroupIDNotFound,
			"group %q has no members and no committed offsets", group)
	}

	// High watermarks for all; low watermarks where nothing is committed.
	latest := make(map[ckafka.TopicPartition]ckafka.OffsetSpec, len(committed))
	earliest := map[ckafka.TopicPartition]ckafka.OffsetSpec{}
	for kk, off := range committed {
		topic := kk.topic
		tp := ckafka.TopicPartition{Topic: &topic, Partition: kk.partition}
		latest[tp] = ckafka.LatestOffsetSpec
		if off == topicpartition.OffsetInvalid {
			earliest[tp] = ckafka.EarliestOffsetSpec
		}
	}
	list := func(specs map[ckafka.TopicPartition]ckafka.OffsetSpec) (map[key]topicpartition.Offset, error) {
		out := make(map[key]topicpartition.Offset, len(specs))
		if len(specs) == 0 {
			return out, nil
		}
		res, err := c.admin.ListOffsets(k.ctx, specs, k.adminTimeout())
		if err = k.answer(err); err != nil {
			return nil, err
		}
		// The result's keys hold topic pointers of their own: look entries up by value.
		for tp, info := range res.ResultInfos {
			if info.Error.Code() != ckafka.ErrNoError {
				return nil, topicError(*tp.Topic, info.Error)
			}
			out[key{*tp.Topic, tp.Partition}] = topicpartition.Offset(info.Offset)
		}
		return out, nil
	}
	high, err := list(latest)
	if err != nil {
		return nil, err
	}
	low, err := list(earliest)
	if err != nil {
		return nil, err
	}

	out := make([]PartitionLag, 0, len(committed))
	for kk, off := range committed {
		h, ok := high[kk]
		if !ok {
			return nil, kafkaerror.Newf(kafkaerror.Fail, "group lag: no high watermark for %s[%d] in the broker's answer", kk.topic, kk.partition)
		}
		pl := PartitionLag{Topic: kk.topic, Partition: kk.partition, Committed: off, High: h}
		pl.Lag = lag(off, low[kk], h)
		out = append(out, pl)
	}
	slices.SortFunc(out, func(a, b PartitionLag) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out, nil
}

// groupError converts an engine error about one group, naming the group in its text.
func groupError(group string, e ckafka.Error) *kafkaerror.Error { return aboutError("group", group, e) }
