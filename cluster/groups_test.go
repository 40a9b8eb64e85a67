package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// produceN writes n messages to partition 0 of topic with rdstreams' producer.
func produceN(t *testing.T, topic string, n int) {
	t.Helper()
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t), "log_level": 3})
	require.NoError(t, err)
	defer p.Close()
	for i := 0; i < n; i++ {
		require.NoError(t, p.Produce(topic, []byte(fmt.Sprint("m", i)), producer.Partition(0)))
	}
	require.Zero(t, p.Flush(testWait))
}

// groupConsumer subscribes a consumer of group to topic; it is closed when the test
// ends unless the test closes it first.
func groupConsumer(t *testing.T, group, topic string, extra ...string) *consumer.Consumer {
	t.Helper()
	cfg := map[string]any{
		"bootstrap.servers":  testkafka.Bootstrap(t),
		"group.id":           group,
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
		"log_level":          3,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Subscribe([]string{topic}))
	return c
}

// nextMessage polls until a proper message arrives.
func nextMessage(t *testing.T, c *consumer.Consumer) *message.Message {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		if m := c.Poll(time.Second); m != nil && m.Err() == nil {
			return m
		}
	}
	t.Fatal("no message within", testWait)
	return nil
}

// A consumer that read and committed 3 of 10 messages: its group is listed, and lags by 7.
func TestConsumerGroupsAndLag(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceN(t, topic, 10)
	group := testkafka.UniqueName("cluster-group")
	cons := groupConsumer(t, group, topic)
	var last *message.Message
	for i := 0; i < 3; i++ {
		last = nextMessage(t, cons)
		assert.EqualValues(t, i, last.Offset())
	}
	_, err := cons.Commit(consumer.CommitMessage(last))
	require.NoError(t, err)

	c := newClient(t, nil)
	ctx := testCtx(t)
	groups, err := c.ConsumerGroups(ctx)
	require.NoError(t, err)
	g := findGroup(groups, group)
	require.NotNil(t, g, "group %s listed in %v", group, groups)
	assert.Equal(t, cluster.Group{ID: group, State: "Stable", Protocol: "range", Type: "classic", Members: 1}, *g)
	for i := 1; i < len(groups); i++ {
		assert.Less(t, groups[i-1].ID, groups[i].ID, "sorted by id")
	}

	want := []cluster.PartitionLag{{Topic: topic, Partition: 0, Committed: 3, High: 10, Lag: 7}}
	lag, err := c.GroupLag(ctx, group)
	require.NoError(t, err)
	assert.Equal(t, want, lag)

	// Without members the group is Empty, and its committed offsets still count.
	require.NoError(t, cons.Close())
	groups, err = c.ConsumerGroups(ctx)
	require.NoError(t, err)
	g = findGroup(groups, group)
	require.NotNil(t, g)
	assert.Equal(t, "Empty", g.State)
	assert.Equal(t, 0, g.Members)
	lag, err = c.GroupLag(ctx, group)
	require.NoError(t, err)
	assert.Equal(t, want, lag)
}

func findGroup(groups []cluster.Group, id string) *cluster.Group {
	for i := range groups {
		if groups[i].ID == id {
			return &groups[i]
		}
	}
	return nil
}

// A group of the new consumer protocol (KIP-848) is of type "consumer", its assignor
// chosen by the broker.
func TestConsumerGroupNewProtocol(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceN(t, topic, 4)
	group := testkafka.UniqueName("cluster-kip848")
	cons := groupConsumer(t, group, topic, "group.protocol", "consumer")
	m := nextMessage(t, cons)
	_, err := cons.Commit(consumer.CommitMessage(m))
	require.NoError(t, err)

	c := newClient(t, nil)
	groups, err := c.ConsumerGroups(testCtx(t))
	require.NoError(t, err)
	g := findGroup(groups, group)
	require.NotNil(t, g)
	assert.Equal(t, cluster.Group{ID: group, State: "Stable", Protocol: "uniform", Type: "consumer", Members: 1}, *g)
	lag, err := c.GroupLag(testCtx(t), group)
	require.NoError(t, err)
	assert.Equal(t, []cluster.PartitionLag{{Topic: topic, Partition: 0, Committed: 1, High: 4, Lag: 3}}, lag)
}

// A partition a member is assigned but has committed nothing for lags by every message
// it holds, and its Committed is OffsetInvalid.
func TestGroupLagWithoutCommit(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	produceN(t, topic, 6) // all to partition 0; partition 1 stays empty
	group := testkafka.UniqueName("cluster-nocommit")
	cons := groupConsumer(t, group, topic)
	nextMessage(t, cons) // the member is assigned both partitions now

	c := newClient(t, nil)
	lag, err := c.GroupLag(testCtx(t), group)
	require.NoError(t, err)
	assert.Equal(t, []cluster.PartitionLag{
		{Topic: topic, Partition: 0, Committed: topicpartition.OffsetInvalid, High: 6, Lag: 6},
		{Topic: topic, Partition: 1, Committed: topicpartition.OffsetInvalid, High: 0, Lag: 0},
	}, lag)
}

// The lag of a group nobody knows is GROUP_ID_NOT_FOUND.
func TestGroupLagUnknownGroup(t *testing.T) {
	c := newClient(t, nil)
	group := testkafka.UniqueName("cluster-nogroup")
	_, err := c.GroupLag(testCtx(t), group)
	kerr := requireCode(t, err, kafkaerror.GroupIDNotFound)
	assert.Contains(t, kerr.Str(), group)
}
