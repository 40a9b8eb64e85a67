package cluster_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Some of a group's offsets are deleted and the rest kept; an unknown topic fails
// alone; a topic a member of the group is subscribed to is refused per partition
// while another topic's offsets still go; an unknown group fails the call, named.
func TestDeleteGroupOffsets(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	other := testkafka.Topic(t, 1, nil)
	produceN(t, topic, 10)
	produceN(t, other, 10)
	group := testkafka.UniqueName("delete-offsets")
	c := newClient(t, nil)
	ctx := testCtx(t)

	got, err := c.AlterGroupOffsets(ctx, group, []topicpartition.TopicPartition{
		topicpartition.New(topic, 0, 3), topicpartition.New(topic, 1, 4), topicpartition.New(other, 0, 5),
	})
	require.NoError(t, err)
	require.NoError(t, assertNoPartitionErrors(t, got))

	missingTopic := testkafka.UniqueName("no-such-topic")
	got, err = c.DeleteGroupOffsets(ctx, group, topicpartition.Of(missingTopic, 0), topicpartition.Of(topic, 0))
	require.NoError(t, err)
	require.Len(t, got, 2)
	kerr := requireCode(t, got[0].Err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), group)
	assert.Contains(t, kerr.Str(), missingTopic+"[0]")
	assert.Equal(t, topicpartition.Of(topic, 0), got[1])

	all, err := c.GroupOffsets(ctx, group)
	require.NoError(t, err)
	assert.Equal(t, []topicpartition.TopicPartition{topicpartition.New(other, 0, 5), topicpartition.New(topic, 1, 4)}, sortedByTopic(all, other, topic))

	// A member subscribed to other: its offsets stay, topic's can still go.
	assignedOnce(t, group, other)
	got, err = c.DeleteGroupOffsets(ctx, group, topicpartition.Of(other, 0), topicpartition.Of(topic, 1))
	require.NoError(t, err)
	require.Len(t, got, 2)
	kerr = requireCode(t, got[0].Err, kafkaerror.GroupSubscribedToTopic)
	assert.Contains(t, kerr.Str(), other+"[0]")
	t.Log(kerr)
	assert.NoError(t, got[1].Err)
	all, err = c.GroupOffsets(ctx, group)
	require.NoError(t, err)
	assert.Equal(t, []topicpartition.TopicPartition{topicpartition.New(other, 0, 5)}, all)

	missing := testkafka.UniqueName("no-such-group")
	_, err = c.DeleteGroupOffsets(ctx, missing, topicpartition.Of(topic, 0))
	kerr = requireCode(t, err, kafkaerror.GroupIDNotFound)
	assert.Contains(t, kerr.Str(), missing)
	t.Log(kerr)

	for _, bad := range [][]topicpartition.TopicPartition{
		nil,
		{{Topic: "", Partition: 0}},
		{topicpartition.Of(topic, -1)},
		{topicpartition.Of(topic, 0), topicpartition.Of(topic, 0)},
	} {
		_, err := c.DeleteGroupOffsets(ctx, group, bad...)
		requireCode(t, err, kafkaerror.InvalidArg)
	}
	_, err = c.DeleteGroupOffsets(ctx, "", topicpartition.Of(topic, 0))
	requireCode(t, err, kafkaerror.InvalidArg)
}

func assertNoPartitionErrors(t *testing.T, tps []topicpartition.TopicPartition) error {
	t.Helper()
	for _, tp := range tps {
		if tp.Err != nil {
			return tp.Err
		}
	}
	return nil
}

// sortedByTopic orders tps by the topics given (GroupOffsets sorts by name, which for
// two unique names is either order).
func sortedByTopic(tps []topicpartition.TopicPartition, order ...string) []topicpartition.TopicPartition {
	var out []topicpartition.TopicPartition
	for _, name := range order {
		for _, tp := range tps {
			if tp.Topic == name {
				out = append(out, tp)
			}
		}
	}
	return out
}
