package cluster_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// until asks cond every 50 ms until it holds, failing the test after testWait: for
// what the broker shows with no event to wait on.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", testWait, what)
		}
		<-tick.C
	}
}

// A topic grows to 3 partitions, served at once; fewer partitions than today and an
// unknown topic fail alone with the broker's code, naming the topic.
func TestCreatePartitions(t *testing.T) {
	grow := testkafka.Topic(t, 1, nil)
	shrink := testkafka.Topic(t, 3, nil)
	missing := testkafka.UniqueName("no-such-topic")
	c := newClient(t, nil)
	ctx := testCtx(t)
	res, err := c.CreatePartitions(ctx,
		cluster.PartitionsSpec{Topic: grow, Total: 3},
		cluster.PartitionsSpec{Topic: shrink, Total: 2},
		cluster.PartitionsSpec{Topic: missing, Total: 2})
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, cluster.ItemResult{Name: grow}, res[0])
	kerr := requireCode(t, res[1].Err, kafkaerror.InvalidPartitions)
	assert.Contains(t, kerr.Str(), shrink)
	t.Log(kerr)
	kerr = requireCode(t, res[2].Err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), missing)

	tm, err := c.TopicMetadata(ctx, grow)
	require.NoError(t, err)
	require.Len(t, tm.Partitions, 3)
	for _, p := range tm.Partitions {
		assert.EqualValues(t, 1, p.Leader)
	}
	// The new partition takes messages at once.
	offsets, err := c.PublishBatch(ctx, grow, 2, [][]byte{[]byte("x")})
	require.NoError(t, err)
	assert.Equal(t, []topicpartition.Offset{0}, offsets)

	_, err = c.CreatePartitions(ctx, cluster.PartitionsSpec{Topic: grow, Total: 0})
	requireCode(t, err, kafkaerror.InvalidArg)
	_, err = c.CreatePartitions(ctx, cluster.PartitionsSpec{Topic: "bad/name", Total: 2})
	requireCode(t, err, kafkaerror.InvalidArg)
}

// Topic and broker configs are described with source, default and sensitivity; an
// incremental change sets and deletes single properties, an unknown property and an
// unknown topic fail alone; a full replacement resets what it does not name.
func TestConfigs(t *testing.T) {
	topic := testkafka.Topic(t, 1, map[string]string{"retention.ms": "3600000"})
	missing := testkafka.UniqueName("no-such-topic")
	c := newClient(t, nil)
	ctx := testCtx(t)

	describe := func(r cluster.ConfigResource) cluster.ResourceConfig {
		t.Helper()
		rcs, err := c.DescribeConfigs(ctx, r)
		require.NoError(t, err)
		require.Len(t, rcs, 1)
		require.NoError(t, rcs[0].Err)
		return rcs[0]
	}
	rcs, err := c.DescribeConfigs(ctx, cluster.TopicResource(topic), cluster.BrokerResource(1), cluster.TopicResource(missing))
	require.NoError(t, err)
	require.Len(t, rcs, 3)
	tc := rcs[0]
	require.NoError(t, tc.Err)
	assert.Equal(t, cluster.TopicResource(topic), tc.Resource)
	ret := tc.Entry("retention.ms")
	require.NotNil(t, ret)
	assert.Equal(t, "3600000", ret.Value)
	assert.Equal(t, cluster.ConfigSourceDynamicTopic, ret.Source)
	assert.False(t, ret.Default)
	require.NotEmpty(t, ret.Synonyms)
	assert.Equal(t, cluster.ConfigSynonym{Name: "retention.ms", Value: "3600000", Source: cluster.ConfigSourceDynamicTopic}, ret.Synonyms[0])
	seg := tc.Entry("segment.bytes")
	require.NotNil(t, seg)
	assert.True(t, seg.Default)
	assert.Equal(t, "DEFAULT_CONFIG", seg.Source.String())
	assert.Nil(t, tc.Entry("no.such.config"))
	for i := 1; i < len(tc.Entries); i++ {
		assert.Less(t, tc.Entries[i-1].Name, tc.Entries[i].Name)
	}

	bc := rcs[1]
	require.NoError(t, bc.Err)
	id := bc.Entry("broker.id")
	require.NotNil(t, id)
	assert.Equal(t, "1", id.Value)
	assert.Equal(t, cluster.ConfigSourceStaticBroker, id.Source)
	assert.True(t, id.ReadOnly)
	assert.False(t, id.Default)
	pw := bc.Entry("ssl.keystore.password")
	require.NotNil(t, pw)
	assert.True(t, pw.Sensitive)
	assert.Empty(t, pw.Value)

	kerr := requireCode(t, rcs[2].Err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), missing)

	res, err := c.IncrementalAlterConfigs(ctx,
		cluster.ConfigAlteration{Resource: cluster.TopicResource(topic), Ops: []cluster.ConfigOp{
			{Name: "retention.ms", Op: cluster.ConfigDelete},
			{Name: "cleanup.policy", Op: cluster.ConfigSet, Value: "compact"},
		}},
		cluster.ConfigAlteration{Resource: cluster.TopicResource(missing), Ops: []cluster.ConfigOp{{Name: "retention.ms", Op: cluster.ConfigSet, Value: "1"}}},
	)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, cluster.ItemResult{Name: "topic:" + topic}, res[0])
	kerr = requireCode(t, res[1].Err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), missing)

	tc = describe(cluster.TopicResource(topic))
	assert.Equal(t, "compact", tc.Entry("cleanup.policy").Value)
	assert.Equal(t, cluster.ConfigSourceDynamicTopic, tc.Entry("cleanup.policy").Source)
	assert.True(t, tc.Entry("retention.ms").Default, "deleted: back to the default")
	assert.Equal(t, "604800000", tc.Entry("retention.ms").Value)

	res, err = c.IncrementalAlterConfigs(ctx, cluster.ConfigAlteration{Resource: cluster.TopicResource(topic), Ops: []cluster.ConfigOp{
		{Name: "no.such.config", Op: cluster.ConfigSet, Value: "1"},
	}})
	require.NoError(t, err)
	kerr = requireCode(t, res[0].Err, kafkaerror.InvalidConfig)
	assert.Contains(t, kerr.Str(), "no.such.config")
	assert.Contains(t, kerr.Str(), topic)
	t.Log(kerr)
	res, err = c.IncrementalAlterConfigs(ctx, cluster.ConfigAlteration{Resource: cluster.TopicResource(topic), Ops: []cluster.ConfigOp{
		{Name: "retention.ms", Op: cluster.ConfigSet, Value: "not-a-number"},
	}})
	require.NoError(t, err)
	kerr = requireCode(t, res[0].Err, kafkaerror.InvalidConfig)
	assert.Contains(t, kerr.Str(), topic)

	// A replacement: cleanup.policy, not named, goes back to its default.
	res, err = c.AlterConfigs(ctx, cluster.ConfigReplacement{Resource: cluster.TopicResource(topic), Values: map[string]string{"max.message.bytes": "65536"}})
	require.NoError(t, err)
	require.NoError(t, res.Err())
	tc = describe(cluster.TopicResource(topic))
	assert.Equal(t, "65536", tc.Entry("max.message.bytes").Value)
	assert.Equal(t, "delete", tc.Entry("cleanup.policy").Value)
	assert.True(t, tc.Entry("cleanup.policy").Default)

	// A broker's dynamic config, set and deleted again.
	broker := cluster.BrokerResource(1)
	res, err = c.IncrementalAlterConfigs(ctx, cluster.ConfigAlteration{Resource: broker, Ops: []cluster.ConfigOp{
		{Name: "log.cleaner.threads", Op: cluster.ConfigSet, Value: "2"},
	}})
	require.NoError(t, err)
	require.NoError(t, res.Err())
	// The broker applies its dynamic configs from the metadata log, a moment after the
	// controller accepted them: asked until it shows.
	var e *cluster.ConfigEntry
	until(t, "the broker shows log.cleaner.threads=2", func() bool {
		e = describe(broker).Entry("log.cleaner.threads")
		return e.Value == "2"
	})
	assert.Equal(t, cluster.ConfigSourceDynamicBroker, e.Source)
	res, err = c.IncrementalAlterConfigs(ctx, cluster.ConfigAlteration{Resource: broker, Ops: []cluster.ConfigOp{
		{Name: "log.cleaner.threads", Op: cluster.ConfigDelete},
	}})
	require.NoError(t, err)
	require.NoError(t, res.Err())
	until(t, "log.cleaner.threads back to its default", func() bool {
		return describe(broker).Entry("log.cleaner.threads").Source != cluster.ConfigSourceDynamicBroker
	})

	// Bad arguments fail the whole call.
	_, err = c.DescribeConfigs(ctx, cluster.TopicResource(""))
	requireCode(t, err, kafkaerror.InvalidArg)
	_, err = c.DescribeConfigs(ctx, cluster.ConfigResource{Type: cluster.ResourceTransactionalID, Name: "x"})
	requireCode(t, err, kafkaerror.InvalidArg)
	_, err = c.IncrementalAlterConfigs(ctx, cluster.ConfigAlteration{Resource: cluster.TopicResource(topic)})
	requireCode(t, err, kafkaerror.InvalidArg)
}

// Earliest, latest, max timestamp and for-a-time offsets of one partition, asked in one
// call; an unknown partition fails alone.
func TestListOffsets(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	produceAt(t, topic, 0, t0, t0.Add(5*time.Second), t0.Add(2*time.Second))
	c := newClient(t, nil)
	q := func(spec cluster.OffsetSpec) cluster.OffsetQuery {
		return cluster.OffsetQuery{Topic: topic, Partition: 0, Spec: spec}
	}
	got, err := c.ListOffsets(testCtx(t),
		q(cluster.EarliestOffset()), q(cluster.LatestOffset()), q(cluster.MaxTimestampOffset()),
		q(cluster.OffsetForTime(t0.Add(time.Second))), q(cluster.OffsetForTime(t0.Add(time.Minute))),
		cluster.OffsetQuery{Topic: topic, Partition: 7, Spec: cluster.LatestOffset()})
	require.NoError(t, err)
	require.Len(t, got, 6)
	for i := 0; i < 5; i++ {
		require.NoError(t, got[i].Err, i)
		assert.Equal(t, topic, got[i].Topic)
	}
	assert.EqualValues(t, 0, got[0].Offset)
	assert.True(t, got[0].Timestamp.IsZero())
	assert.EqualValues(t, 3, got[1].Offset)
	assert.EqualValues(t, 1, got[2].Offset, "the message with the largest timestamp")
	assert.True(t, got[2].Timestamp.Equal(t0.Add(5*time.Second)), got[2].Timestamp)
	assert.EqualValues(t, 1, got[3].Offset, "the first message at or after t0+1s")
	assert.True(t, got[3].Timestamp.Equal(t0.Add(5*time.Second)))
	assert.Equal(t, topicpartition.OffsetEnd, got[4].Offset, "no message that late")
	assert.Equal(t, "max-timestamp", got[2].Spec.String())
	kerr := requireCode(t, got[5].Err, kafkaerror.UnknownPartition) // librdkafka's, from the metadata
	assert.Contains(t, kerr.Str(), topic+"[7]")

	_, err = c.ListOffsets(testCtx(t), cluster.OffsetQuery{Partition: 0})
	requireCode(t, err, kafkaerror.InvalidArg)
	_, err = c.ListOffsets(testCtx(t), cluster.OffsetQuery{Topic: topic, Partition: -1})
	requireCode(t, err, kafkaerror.InvalidArg)
}

// Records before an offset are deleted and the low watermark moves there; OffsetEnd
// deletes all; an offset beyond the end and an unknown partition fail alone.
func TestDeleteRecords(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	produceN(t, topic, 5)
	c := newClient(t, nil)
	ctx := testCtx(t)
	got, err := c.DeleteRecords(ctx, topicpartition.New(topic, 0, 2), topicpartition.New(topic, 1, 99), topicpartition.New(topic, 9, 0))
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, topicpartition.New(topic, 0, 2), got[0])
	kerr := requireCode(t, got[1].Err, kafkaerror.OffsetOutOfRange)
	assert.Contains(t, kerr.Str(), topic+"[1]")
	kerr = requireCode(t, got[2].Err, kafkaerror.UnknownPartition)
	assert.Contains(t, kerr.Str(), topic+"[9]")

	low, err := c.ListOffsets(ctx, cluster.OffsetQuery{Topic: topic, Partition: 0, Spec: cluster.EarliestOffset()})
	require.NoError(t, err)
	assert.EqualValues(t, 2, low[0].Offset)

	got, err = c.DeleteRecords(ctx, topicpartition.New(topic, 0, topicpartition.OffsetEnd))
	require.NoError(t, err)
	assert.Equal(t, topicpartition.New(topic, 0, 5), got[0])

	_, err = c.DeleteRecords(ctx, topicpartition.New(topic, 0, topicpartition.OffsetBeginning))
	requireCode(t, err, kafkaerror.InvalidArg)
}

// The cluster is described with its id, controller and brokers, as Metadata sees them.
func TestDescribeCluster(t *testing.T) {
	c := newClient(t, nil)
	ctx := testCtx(t)
	cd, err := c.DescribeCluster(ctx)
	require.NoError(t, err)
	md, err := c.Metadata(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, cd.ID)
	assert.Equal(t, md.ClusterID, cd.ID)
	assert.Equal(t, md.ControllerID, cd.Controller.ID)
	assert.Equal(t, md.Brokers, cd.Brokers)
	require.Len(t, cd.Brokers, 1)
	assert.Equal(t, testkafka.Bootstrap(t), cd.Brokers[0].Addr())
	assert.Equal(t, "1", strconv.Itoa(int(cd.Controller.ID)))
}
