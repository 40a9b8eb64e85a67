package cluster_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// produceAt writes one message per timestamp to one partition of topic, in order.
func produceAt(t *testing.T, topic string, partition int32, stamps ...time.Time) {
	t.Helper()
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t), "log_level": 3})
	require.NoError(t, err)
	defer p.Close()
	for _, ts := range stamps {
		require.NoError(t, p.Produce(topic, []byte("m"), producer.Partition(partition), producer.Timestamp(ts)))
	}
	require.Zero(t, p.Flush(testWait))
}

// assignedOnce subscribes a consumer of group to topic and polls it until it is
// assigned partitions: a member of the group.
func assignedOnce(t *testing.T, group, topic string, extra ...string) {
	t.Helper()
	cons := groupConsumer(t, group, topic, extra...)
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		cons.Poll(100 * time.Millisecond)
		if parts, err := cons.Assignment(); err == nil && len(parts) > 0 {
			return
		}
	}
	t.Fatal("no assignment within", testWait)
}

// A member is described with its client id, host and assignment, the group with its
// state, type, assignor and coordinator; an unknown group fails alone.
func TestDescribeGroups(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	produceN(t, topic, 1)
	group := testkafka.UniqueName("describe")
	assignedOnce(t, group, topic, "client.id", "describer-1")
	missing := testkafka.UniqueName("no-such-group")

	c := newClient(t, nil)
	descs, err := c.DescribeGroups(testCtx(t), group, missing)
	require.NoError(t, err)
	require.Len(t, descs, 2)
	d := descs[0]
	require.NoError(t, d.Err)
	assert.Equal(t, group, d.ID)
	assert.Equal(t, "Stable", d.State)
	assert.Equal(t, "classic", d.Type)
	assert.Equal(t, "range", d.Protocol)
	assert.False(t, d.Simple)
	assert.EqualValues(t, 1, d.Coordinator.ID)
	assert.Equal(t, testkafka.Bootstrap(t), d.Coordinator.Addr())
	require.Len(t, d.Members, 1)
	m := d.Members[0]
	assert.Equal(t, "describer-1", m.ClientID)
	assert.Contains(t, m.Host, "127.0.0.1")
	assert.NotEmpty(t, m.ID)
	assert.Empty(t, m.InstanceID)
	assert.Equal(t, []topicpartition.TopicPartition{topicpartition.Of(topic, 0), topicpartition.Of(topic, 1)}, m.Assignment)
	assert.Contains(t, m.String(), "describer-1@127.0.0.1")

	assert.Equal(t, missing, descs[1].ID)
	kerr := requireCode(t, descs[1].Err, kafkaerror.GroupIDNotFound)
	assert.Contains(t, kerr.Str(), missing)
	assert.Empty(t, descs[1].Members)

	_, err = c.DescribeGroups(testCtx(t), group, "")
	requireCode(t, err, kafkaerror.InvalidArg)
	_, err = c.DescribeGroups(testCtx(t), group, group)
	requireCode(t, err, kafkaerror.InvalidArg)
	none, err := c.DescribeGroups(testCtx(t))
	require.NoError(t, err)
	assert.Empty(t, none)
}

// Committed offsets are listed (all, or those asked, OffsetInvalid where none),
// altered per partition (an unknown topic fails alone), and the group deleted; a group
// with members and an unknown group fail alone.
func TestGroupOffsetsAlterDelete(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	produceN(t, topic, 10)
	group := testkafka.UniqueName("offsets")
	c := newClient(t, nil)
	ctx := testCtx(t)

	all, err := c.GroupOffsets(ctx, group)
	require.NoError(t, err)
	assert.Empty(t, all, "a group nobody knows has no offsets")

	missingTopic := testkafka.UniqueName("no-such-topic")
	got, err := c.AlterGroupOffsets(ctx, group, []topicpartition.TopicPartition{
		topicpartition.New(topic, 0, 3), {Topic: missingTopic, Partition: 0, Offset: 1},
	})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.NoError(t, got[0].Err)
	assert.Equal(t, topic, got[0].Topic)
	assert.EqualValues(t, 3, got[0].Offset)
	kerr := requireCode(t, got[1].Err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), missingTopic)
	assert.Contains(t, kerr.Str(), group)

	all, err = c.GroupOffsets(ctx, group)
	require.NoError(t, err)
	assert.Equal(t, []topicpartition.TopicPartition{topicpartition.New(topic, 0, 3)}, all)
	asked, err := c.GroupOffsets(ctx, group, topicpartition.Of(topic, 1), topicpartition.Of(topic, 0))
	require.NoError(t, err)
	assert.Equal(t, []topicpartition.TopicPartition{
		topicpartition.New(topic, 1, topicpartition.OffsetInvalid), topicpartition.New(topic, 0, 3),
	}, asked)

	lags, err := c.GroupLag(ctx, group)
	require.NoError(t, err)
	assert.Equal(t, []cluster.PartitionLag{{Topic: topic, Partition: 0, Committed: 3, High: 10, Lag: 7}}, lags)

	// Bad arguments fail the whole call before asking the broker.
	for _, bad := range [][]topicpartition.TopicPartition{
		nil,
		{{Topic: "", Partition: 0, Offset: 1}},
		{topicpartition.New(topic, -1, 1)},
		{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)},
		{topicpartition.New(topic, 0, 1), topicpartition.New(topic, 0, 2)},
	} {
		_, err := c.AlterGroupOffsets(ctx, group, bad)
		requireCode(t, err, kafkaerror.InvalidArg)
	}

	// A group with a member cannot have its offsets altered nor be deleted.
	active := testkafka.UniqueName("active")
	assignedOnce(t, active, topic)
	got, err = c.AlterGroupOffsets(ctx, active, []topicpartition.TopicPartition{topicpartition.New(topic, 0, 1)})
	require.NoError(t, err)
	require.Len(t, got, 1)
	requireCode(t, got[0].Err, kafkaerror.UnknownMemberID) // the broker refuses offsets for a group with members
	t.Logf("alter offsets of an active group: %v", got[0].Err)

	missing := testkafka.UniqueName("no-such-group")
	res, err := c.DeleteGroups(ctx, group, active, missing)
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, cluster.ItemResult{Name: group}, res[0])
	assert.Equal(t, active, res[1].Name)
	requireCode(t, res[1].Err, kafkaerror.NonEmptyGroup)
	assert.Contains(t, res[1].Err.Error(), active)
	kerr = requireCode(t, res[2].Err, kafkaerror.GroupIDNotFound)
	assert.Contains(t, kerr.Str(), missing)
	assert.Len(t, res.Failed(), 2)
	joined := res.Err()
	assert.True(t, errors.Is(joined, kafkaerror.NonEmptyGroup) && errors.Is(joined, kafkaerror.GroupIDNotFound), joined)

	descs, err := c.DescribeGroups(ctx, group)
	require.NoError(t, err)
	requireCode(t, descs[0].Err, kafkaerror.GroupIDNotFound)
	all, err = c.GroupOffsets(ctx, group)
	require.NoError(t, err)
	assert.Empty(t, all, "deleted with its offsets")
}

// A reset is planned without changing anything, to the earliest, latest, a time or an
// offset, and carried out; the low watermark moved by DeleteRecords is the new earliest;
// a group with a member is refused, naming it.
func TestResetGroupOffsets(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	produceAt(t, topic, 0, at(0), at(1), at(2), at(3), at(4), at(5))
	produceAt(t, topic, 1, at(0), at(1), at(2), at(3))
	group := testkafka.UniqueName("reset")
	c := newClient(t, nil)
	ctx := testCtx(t)
	_, err := c.PlanGroupReset(ctx, group, cluster.ResetToEarliest())
	kerr := requireCode(t, err, kafkaerror.GroupIDNotFound)
	assert.Contains(t, kerr.Str(), group)

	// A new group: planned from the topic's partitions.
	plan, err := c.PlanGroupReset(ctx, group, cluster.ResetToOffset(2), topic)
	require.NoError(t, err)
	assert.Equal(t, &cluster.ResetPlan{Group: group, To: cluster.ResetToOffset(2), Partitions: []cluster.PartitionReset{
		{Topic: topic, Partition: 0, Current: topicpartition.OffsetInvalid, Target: 2, Low: 0, High: 6},
		{Topic: topic, Partition: 1, Current: topicpartition.OffsetInvalid, Target: 2, Low: 0, High: 4},
	}}, plan)
	all, err := c.GroupOffsets(ctx, group)
	require.NoError(t, err)
	assert.Empty(t, all, "planning changes nothing")
	done, err := c.ResetGroupOffsets(ctx, plan)
	require.NoError(t, err)
	assert.Equal(t, []topicpartition.TopicPartition{topicpartition.New(topic, 0, 2), topicpartition.New(topic, 1, 2)}, done)

	targets := func(to cluster.ResetTo) []topicpartition.Offset {
		t.Helper()
		plan, err := c.PlanGroupReset(ctx, group, to) // the group's committed partitions
		require.NoError(t, err)
		var out []topicpartition.Offset
		for _, p := range plan.Partitions {
			require.NoError(t, p.Err)
			assert.EqualValues(t, 2, p.Current)
			out = append(out, p.Target)
		}
		return out
	}
	assert.Equal(t, []topicpartition.Offset{0, 0}, targets(cluster.ResetToEarliest()))
	assert.Equal(t, []topicpartition.Offset{6, 4}, targets(cluster.ResetToLatest()))
	assert.Equal(t, []topicpartition.Offset{3, 3}, targets(cluster.ResetToTime(at(3))))
	assert.Equal(t, []topicpartition.Offset{5, 4}, targets(cluster.ResetToTime(at(5))))
	assert.Equal(t, []topicpartition.Offset{6, 4}, targets(cluster.ResetToTime(at(60))))
	assert.Equal(t, []topicpartition.Offset{6, 4}, targets(cluster.ResetToOffset(100)))

	deleted, err := c.DeleteRecords(ctx, topicpartition.New(topic, 0, 4))
	require.NoError(t, err)
	assert.Equal(t, []topicpartition.TopicPartition{topicpartition.New(topic, 0, 4)}, deleted)
	assert.Equal(t, []topicpartition.Offset{4, 0}, targets(cluster.ResetToEarliest()))
	assert.Equal(t, []topicpartition.Offset{4, 1}, targets(cluster.ResetToOffset(1)))

	plan, err = c.PlanGroupReset(ctx, group, cluster.ResetToLatest())
	require.NoError(t, err)
	_, err = c.ResetGroupOffsets(ctx, plan)
	require.NoError(t, err)
	lags, err := c.GroupLag(ctx, group)
	require.NoError(t, err)
	for _, l := range lags {
		assert.Zero(t, l.Lag, "reset to latest: nothing left to read in %s[%d]", l.Topic, l.Partition)
	}

	// With a member, neither planning nor resetting is allowed; the error names it.
	assignedOnce(t, group, topic, "client.id", "still-reading")
	_, err = c.PlanGroupReset(ctx, group, cluster.ResetToEarliest())
	kerr = requireCode(t, err, kafkaerror.NonEmptyGroup)
	assert.Contains(t, kerr.Str(), "still-reading@127.0.0.1")
	assert.Contains(t, kerr.Str(), group)
	t.Log(kerr)
	_, err = c.ResetGroupOffsets(ctx, plan)
	kerr = requireCode(t, err, kafkaerror.NonEmptyGroup)
	assert.True(t, strings.Contains(kerr.Str(), "still-reading"), kerr.Str())

	_, err = c.PlanGroupReset(ctx, group, cluster.ResetToEarliest(), testkafka.UniqueName("no-such-topic"))
	require.Error(t, err)
	_, err = c.ResetGroupOffsets(ctx, nil)
	requireCode(t, err, kafkaerror.InvalidArg)
}

// Planning for a topic that does not exist is UNKNOWN_TOPIC_OR_PART naming it.
func TestResetUnknownTopic(t *testing.T) {
	c := newClient(t, nil)
	missing := testkafka.UniqueName("no-such-topic")
	_, err := c.PlanGroupReset(testCtx(t), testkafka.UniqueName("reset"), cluster.ResetToEarliest(), missing)
	kerr := requireCode(t, err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), missing)
}
