package cluster

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// GroupDescription is what the group's coordinator says about a consumer group.
type GroupDescription struct {
	ID string
	// State is the group's state as the broker names it: Stable, Empty,
	// PreparingRebalance, CompletingRebalance, Assigning, Reconciling, Dead or Unknown.
	State string
	// Type is the group's rebalance protocol: "classic", or "consumer" for a group of
	// group.protocol=consumer members (KIP-848).
	Type string
	// Protocol is the partition assignor the group settled on; empty without members.
	Protocol string
	// Simple is true for a group whose offsets are committed by clients that assign
	// partitions themselves, without joining the group.
	Simple bool
	// Coordinator is the broker that coordinates the group.
	Coordinator Broker
	// Members are the consumers in the group now, sorted by client id, then member id.
	Members []Member
	// Err is the group's own error: GROUP_ID_NOT_FOUND for a group the cluster does not
	// know, for instance. The other fields are then empty.
	Err error
}

// Member is one consumer of a group.
type Member struct {
	// ID is the member id the coordinator gave it (Python's member_id; the consumer's
	// memberid()).
	ID string
	// InstanceID is its group.instance.id (static membership), empty if none.
	InstanceID string
	// ClientID is its client.id; Host is the address it connected from, as the broker
	// saw it ("/127.0.0.1").
	ClientID string
	Host     string
	// Assignment is the partitions the member owns, sorted by topic and partition
	// (Offset is OffsetInvalid: an assignment carries no offsets).
	Assignment []topicpartition.TopicPartition
}

// String is "client-id@host (member id)".
func (m Member) String() string {
	return fmt.Sprintf("%s@%s (member %s)", m.ClientID, strings.TrimPrefix(m.Host, "/"), m.ID)
}

// DescribeGroups describes the given consumer groups, one description per id in the
// order given. A group that fails alone (unknown, not authorized) has its Err set and
// does not fail the others; the returned error is for a failure of the whole call
// (no broker answered, bad arguments). Python's describe_consumer_groups.
func (c *Client) DescribeGroups(ctx context.Context, groups ...string) ([]GroupDescription, error) {
	if err := validGroups("describe groups", groups); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	return c.describeGroups(k, groups)
}

func (c *Client) describeGroups(k *call, groups []string) ([]GroupDescription, error) {
	out := make([]GroupDescription, len(groups))
	if len(groups) == 0 {
		return out, nil
	}
	res, err := c.admin.DescribeConsumerGroups(k.ctx, groups, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	byID := make(map[string]ckafka.ConsumerGroupDescription, len(res.ConsumerGroupDescriptions))
	for _, d := range res.ConsumerGroupDescriptions {
		byID[d.GroupID] = d
	}
	for i, id := range groups {
		d, ok := byID[id]
		if !ok {
			out[i] = GroupDescription{ID: id, Err: kafkaerror.Newf(kafkaerror.Fail, "group %q: left out of the broker's answer", id)}
			continue
		}
		out[i] = groupDescription(d)
	}
	return out, nil
}

// groupDescription converts the engine's description of one group.
func groupDescription(d ckafka.ConsumerGroupDescription) GroupDescription {
	g := GroupDescription{ID: d.GroupID}
	if d.Error.Code() != ckafka.ErrNoError {
		g.Err = groupError(d.GroupID, d.Error)
		return g
	}
	// A classic group nobody knows is described as Dead, with no error.
	if d.State == ckafka.ConsumerGroupStateDead && len(d.Members) == 0 {
		g.Err = kafkaerror.Newf(kafkaerror.GroupIDNotFound, "group %q does not exist", d.GroupID)
		return g
	}
	g.State = d.State.String()
	g.Type = strings.ToLower(d.Type.String())
	g.Protocol = d.PartitionAssignor
	g.Simple = d.IsSimpleConsumerGroup
	g.Coordinator = brokerOf(d.Coordinator)
	g.Members = make([]Member, 0, len(d.Members))
	for _, m := range d.Members {
		mem := Member{ID: m.ConsumerID, InstanceID: m.GroupInstanceID, ClientID: m.ClientID, Host: m.Host,
			Assignment: make([]topicpartition.TopicPartition, 0, len(m.Assignment.TopicPartitions))}
		for _, tp := range m.Assignment.TopicPartitions {
			mem.Assignment = append(mem.Assignment, topicpartition.Of(*tp.Topic, tp.Partition))
		}
		sortPartitions(mem.Assignment)
		g.Members = append(g.Members, mem)
	}
	slices.SortFunc(g.Members, func(a, b Member) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), strings.Compare(a.ID, b.ID))
	})
	return g
}

func brokerOf(n ckafka.Node) Broker {
	b := Broker{ID: int32(n.ID), Host: n.Host, Port: n.Port}
	if n.Rack != nil {
		b.Rack = *n.Rack
	}
	return b
}

func sortPartitions(tps []topicpartition.TopicPartition) {
	slices.SortFunc(tps, func(a, b topicpartition.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
}

// validGroups refuses an empty group id and a group named twice.
func validGroups(op string, groups []string) error {
	seen := make(map[string]bool, len(groups))
	for i, g := range groups {
		if g == "" {
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: groups[%d] is an empty group id", op, i)
		}
		if seen[g] {
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: group %q is named twice", op, g)
		}
		seen[g] = true
	}
	return nil
}

// validPartitions refuses a partition without a topic or with a negative number, and
// a partition named twice.
func validPartitions(op string, tps []topicpartition.TopicPartition) error {
	type key struct {
		topic     string
		partition int32
	}
	seen := make(map[key]bool, len(tps))
	for i, tp := range tps {
		switch {
		case tp.Topic == "":
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: partitions[%d] (partition %d) has no topic name", op, i, tp.Partition)
		case tp.Partition < 0:
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: partitions[%d] (%s) has a negative partition", op, i, tp)
		}
		kk := key{tp.Topic, tp.Partition}
		if seen[kk] {
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: %s[%d] is named twice", op, tp.Topic, tp.Partition)
		}
		seen[kk] = true
	}
	return nil
}

// GroupOffsets returns a group's committed offsets: for the given partitions, in that
// order (OffsetInvalid where the group has committed nothing), or, when none are
// given, for every partition it has committed an offset for, sorted by topic and
// partition. A partition that fails alone has its Err set. A group that does not exist
// has no committed offsets: asking for all of them returns an empty list. Python's
// list_consumer_group_offsets.
func (c *Client) GroupOffsets(ctx context.Context, group string, partitions ...topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	if err := validGroups("group offsets", []string{group}); err != nil {
		return nil, err
	}
	if err := validPartitions("group offsets", partitions); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	return c.groupOffsets(k, group, partitions)
}

func (c *Client) groupOffsets(k *call, group string, partitions []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	req := ckafka.ConsumerGroupTopicPartitions{Group: group}
	if len(partitions) > 0 {
		req.Partitions = toCKTopicPartitions(partitions)
	}
	res, err := c.admin.ListConsumerGroupOffsets(k.ctx, []ckafka.ConsumerGroupTopicPartitions{req}, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	if len(res.ConsumerGroupsTopicPartitions) != 1 {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "group offsets of %q: %d results for one group", group, len(res.ConsumerGroupsTopicPartitions))
	}
	out := committedOffsets(group, res.ConsumerGroupsTopicPartitions[0].Partitions)
	if len(partitions) == 0 {
		sortPartitions(out)
		return out, nil
	}
	return inOrder("group offsets of "+fmt.Sprintf("%q", group), partitions, out), nil
}

// committedOffsets converts the engine's answer: negative offsets (none committed)
// become OffsetInvalid, and each error names its group and partition.
func committedOffsets(group string, ck []ckafka.TopicPartition) []topicpartition.TopicPartition {
	out := make([]topicpartition.TopicPartition, 0, len(ck))
	for _, p := range ck {
		tp := fromCKTopicPartition(p)
		tp.Err = nil
		if tp.Offset < 0 {
			tp.Offset = topicpartition.OffsetInvalid
		}
		if ce, ok := p.Error.(ckafka.Error); ok && ce.Code() != ckafka.ErrNoError {
			tp.Err = partitionError(fmt.Sprintf("group %q, %s[%d]", group, tp.Topic, tp.Partition), ce)
		} else if p.Error != nil {
			tp.Err = ckconv.Error(p.Error)
		}
		out = append(out, tp)
	}
	return out
}

// inOrder puts the engine's per-partition answers in the order asked; a partition the
// answer left out gets an error of its own.
func inOrder(op string, asked, got []topicpartition.TopicPartition) []topicpartition.TopicPartition {
	type key struct {
		topic     string
		partition int32
	}
	byKey := make(map[key]topicpartition.TopicPartition, len(got))
	for _, tp := range got {
		byKey[key{tp.Topic, tp.Partition}] = tp
	}
	out := make([]topicpartition.TopicPartition, len(asked))
	for i, a := range asked {
		tp, ok := byKey[key{a.Topic, a.Partition}]
		if !ok {
			tp = topicpartition.Of(a.Topic, a.Partition)
			tp.Err = kafkaerror.Newf(kafkaerror.Fail, "%s: %s[%d] left out of the broker's answer", op, a.Topic, a.Partition)
		}
		out[i] = tp
	}
	return out
}

// partitionError converts an engine error about one partition (or a group's
// partition), naming it in the text: `group "g", orders[3]: Broker: Unknown member`.
func partitionError(what string, e ckafka.Error) *kafkaerror.Error {
	kerr := ckconv.FromCK(e)
	return errtext.WithText(kerr, what+": "+kerr.Str())
}

// AlterGroupOffsets sets a group's committed offsets to the Offset of each partition
// (its Metadata too, when set), and returns the partitions in the order given, each
// with its own Err. The broker accepts this only for a group without active members
// (else each partition fails with UNKNOWN_MEMBER_ID): stop the group's consumers
// first. Offsets must be 0 or more. Python's alter_consumer_group_offsets.
func (c *Client) AlterGroupOffsets(ctx context.Context, group string, offsets []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	const op = "alter group offsets"
	if err := validGroups(op, []string{group}); err != nil {
		return nil, err
	}
	if len(offsets) == 0 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s of %q: no partitions given", op, group)
	}
	if err := validPartitions(op, offsets); err != nil {
		return nil, err
	}
	for i, tp := range offsets {
		if tp.Offset < 0 {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s of %q: offsets[%d] (%s): the offset must be 0 or more", op, group, i, tp)
		}
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	return c.alterGroupOffsets(k, group, offsets)
}

func (c *Client) alterGroupOffsets(k *call, group string, offsets []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	req := []ckafka.ConsumerGroupTopicPartitions{{Group: group, Partitions: toCKTopicPartitions(offsets)}}
	res, err := c.admin.AlterConsumerGroupOffsets(k.ctx, req, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	if len(res.ConsumerGroupsTopicPartitions) != 1 {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "alter group offsets of %q: %d results for one group", group, len(res.ConsumerGroupsTopicPartitions))
	}
	got := committedOffsets(group, res.ConsumerGroupsTopicPartitions[0].Partitions)
	return inOrder(fmt.Sprintf("alter group offsets of %q", group), offsets, got), nil
}

// DeleteGroups deletes consumer groups and their committed offsets, and returns one
// result per group, in the order given. A group that still has members fails with
// NON_EMPTY_GROUP, one that does not exist with GROUP_ID_NOT_FOUND; the others are
// still deleted. Python's delete_consumer_groups.
func (c *Client) DeleteGroups(ctx context.Context, groups ...string) (ItemResults, error) {
	if err := validGroups("delete groups", groups); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	out := make(ItemResults, len(groups))
	if len(groups) == 0 {
		return out, nil
	}
	res, err := c.admin.DeleteConsumerGroups(k.ctx, groups, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	byID := make(map[string]ckafka.Error, len(res.ConsumerGroupResults))
	for _, r := range res.ConsumerGroupResults {
		byID[r.Group] = r.Error
	}
	for i, g := range groups {
		out[i].Name = g
		e, ok := byID[g]
		switch {
		case !ok:
			out[i].Err = kafkaerror.Newf(kafkaerror.Fail, "delete group %q: left out of the broker's answer", g)
		case e.Code() != ckafka.ErrNoError:
			out[i].Err = groupError(g, e)
		}
	}
	return out, nil
}
