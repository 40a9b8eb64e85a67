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
