package cluster_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// On the single test broker every partition is led by its only, preferred replica:
// both kinds of election are ELECTION_NOT_NEEDED per partition, an unknown topic fails
// alone, and an election over the whole cluster moves nothing.
func TestElectLeaders(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	missing := testkafka.UniqueName("no-such-topic")
	c := newClient(t, nil)
	ctx := testCtx(t)

	for _, et := range []cluster.ElectionType{cluster.ElectPreferred, cluster.ElectUnclean} {
		got, err := c.ElectLeaders(ctx, et, topicpartition.Of(topic, 1), topicpartition.Of(missing, 0), topicpartition.Of(topic, 0))
		require.NoError(t, err, et)
		require.Len(t, got, 3)
		assert.Equal(t, []string{topic, missing, topic}, []string{got[0].Topic, got[1].Topic, got[2].Topic})
		assert.Equal(t, []int32{1, 0, 0}, []int32{got[0].Partition, got[1].Partition, got[2].Partition})
		for _, i := range []int{0, 2} {
			kerr := requireCode(t, got[i].Err, kafkaerror.ElectionNotNeeded)
			assert.Contains(t, kerr.Str(), et.String()+" election of "+got[i].Topic)
		}
		kerr := requireCode(t, got[1].Err, kafkaerror.UnknownTopicOrPart)
		assert.Contains(t, kerr.Str(), missing+"[0]")
		t.Log(et, ":", got[0].Err, "|", got[1].Err)
	}

	all, err := c.ElectLeaders(ctx, cluster.ElectPreferred)
	require.NoError(t, err)
	assert.Empty(t, all, "nothing needs moving on one broker")

	_, err = c.ElectLeaders(ctx, cluster.ElectionType(7), topicpartition.Of(topic, 0))
	requireCode(t, err, kafkaerror.InvalidArg)
	_, err = c.ElectLeaders(ctx, cluster.ElectPreferred, topicpartition.Of(topic, 0), topicpartition.Of(topic, 0))
	requireCode(t, err, kafkaerror.InvalidArg)
	assert.Equal(t, "UNCLEAN", cluster.ElectUnclean.String())
}

// A preferred election moves leadership back where a restart left it elsewhere. Needs
// a cluster of its own: three nodes, one of them stopped and started again.
func TestElectLeadersMovesLeadershipBack(t *testing.T) {
	cl := testkafka.StartCluster(t, 3)
	topic := cl.CreateTopic(t, 1, nil)
	c, err := cluster.New(map[string]any{"bootstrap.servers": cl.Bootstrap, "log_level": 0})
	require.NoError(t, err)
	defer func() { assert.NoError(t, c.Close()) }()
	ctx := testCtx(t)
	tm, err := c.TopicMetadata(ctx, topic)
	require.NoError(t, err)
	require.Len(t, tm.Partitions[0].Replicas, 3)
	preferred := tm.Partitions[0].Replicas[0]
	require.Equal(t, preferred, cl.Leader(t, topic, 0), "a new partition is led by its preferred replica")

	// Stopped, the preferred replica loses the lead; started again it follows. (The
	// brokers' own rebalancing, auto.leader.rebalance.enable, runs every 300 s: not
	// within this test.)
	cl.Node(t, preferred).Stop(t)
	until(t, "another replica leads", func() bool { l := cl.Leader(t, topic, 0); return l >= 0 && l != preferred })
	cl.Node(t, preferred).Start(t)
	cl.WaitISR(t, testWait, topic)
	moved := cl.Leader(t, topic, 0)
	require.NotEqual(t, preferred, moved, "leadership stays where the stop left it")
	t.Logf("preferred replica %d, leader after its restart %d", preferred, moved)

	got, err := c.ElectLeaders(ctx, cluster.ElectPreferred, topicpartition.Of(topic, 0))
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.NoError(t, got[0].Err)
	until(t, "the preferred replica leads again", func() bool { return cl.Leader(t, topic, 0) == preferred })

	again, err := c.ElectLeaders(ctx, cluster.ElectPreferred, topicpartition.Of(topic, 0))
	require.NoError(t, err)
	requireCode(t, again[0].Err, kafkaerror.ElectionNotNeeded)
	// Over the whole cluster, whatever is listed (internal topics' partitions the stop
	// moved too) was moved back without error, and the topic is not listed again.
	all, err := c.ElectLeaders(ctx, cluster.ElectPreferred)
	require.NoError(t, err)
	for _, tp := range all {
		assert.NoError(t, tp.Err, tp)
		assert.NotEqual(t, topic, tp.Topic)
	}
	t.Logf("whole-cluster election moved %d more partition(s)", len(all))
}
