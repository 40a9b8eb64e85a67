package cluster_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// createTopic creates a topic through the client and deletes it when the test ends.
func createTopic(t *testing.T, c *cluster.Client, spec cluster.TopicSpec) {
	t.Helper()
	require.NoError(t, c.CreateTopics(testCtx(t), spec))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		_ = testkafka.DeleteTopic(ctx, testkafka.Bootstrap(t), spec.Name)
	})
}

// A created topic is served at once with its partitions, and its configs read back.
func TestCreateTopicWithConfigs(t *testing.T) {
	c := newClient(t, nil)
	ctx := testCtx(t)
	name := testkafka.UniqueName("cluster-create")
	createTopic(t, c, cluster.TopicSpec{Name: name, Partitions: 4, ReplicationFactor: 1, Configs: map[string]string{
		"retention.ms":   "3600000",
		"cleanup.policy": "compact",
	}})

	// CreateTopics returned once the broker served the topic: no waiting here.
	tm, err := c.TopicMetadata(ctx, name)
	require.NoError(t, err)
	require.Len(t, tm.Partitions, 4)
	for i, p := range tm.Partitions {
		assert.EqualValues(t, i, p.ID)
		assert.EqualValues(t, 1, p.Leader)
	}

	cfg, err := c.TopicConfig(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, "3600000", cfg["retention.ms"])
	assert.Equal(t, "compact", cfg["cleanup.policy"])
	assert.Contains(t, cfg, "segment.bytes", "inherited defaults are listed too")

	_, err = c.TopicConfig(ctx, name+"-missing")
	requireCode(t, err, kafkaerror.UnknownTopicOrPart)
}

// ReplicationFactor 0 takes the broker's default (1 on the test broker).
func TestCreateTopicBrokerDefaultReplication(t *testing.T) {
	c := newClient(t, nil)
	name := testkafka.UniqueName("cluster-rf0")
	createTopic(t, c, cluster.TopicSpec{Name: name, Partitions: 1})
	tm, err := c.TopicMetadata(testCtx(t), name)
	require.NoError(t, err)
	assert.Equal(t, []int32{1}, tm.Partitions[0].Replicas)
}

// Creating an existing topic is TOPIC_ALREADY_EXISTS; the other topics of the call are
// created all the same.
func TestCreateExistingTopic(t *testing.T) {
	existing := testkafka.Topic(t, 1, nil)
	c := newClient(t, nil)
	ctx := testCtx(t)

	err := c.CreateTopics(ctx, cluster.TopicSpec{Name: existing, Partitions: 1})
	kerr := requireCode(t, err, kafkaerror.TopicAlreadyExists)
	assert.Contains(t, kerr.Str(), existing)

	fresh := testkafka.UniqueName("cluster-fresh")
	t.Cleanup(func() { _ = testkafka.DeleteTopic(context.Background(), testkafka.Bootstrap(t), fresh) })
	err = c.CreateTopics(ctx, cluster.TopicSpec{Name: existing, Partitions: 1}, cluster.TopicSpec{Name: fresh, Partitions: 2})
	requireCode(t, err, kafkaerror.TopicAlreadyExists)
	tm, err := c.TopicMetadata(ctx, fresh)
	require.NoError(t, err)
	assert.Len(t, tm.Partitions, 2)
}

// A config the broker refuses is that topic's error.
func TestCreateTopicBadConfig(t *testing.T) {
	c := newClient(t, nil)
	name := testkafka.UniqueName("cluster-badcfg")
	err := c.CreateTopics(testCtx(t), cluster.TopicSpec{Name: name, Partitions: 1,
		Configs: map[string]string{"cleanup.policy": "shred"}})
	requireCode(t, err, kafkaerror.InvalidConfig)
	_, err = c.TopicMetadata(testCtx(t), name)
	requireCode(t, err, kafkaerror.UnknownTopicOrPart)
}

// A deleted topic is gone from the metadata when DeleteTopics returns; deleting a
// missing topic is UNKNOWN_TOPIC_OR_PART.
func TestDeleteTopic(t *testing.T) {
	c := newClient(t, nil)
	ctx := testCtx(t)
	a, b := testkafka.UniqueName("cluster-del-a"), testkafka.UniqueName("cluster-del-b")
	require.NoError(t, c.CreateTopics(ctx, cluster.TopicSpec{Name: a, Partitions: 2}, cluster.TopicSpec{Name: b, Partitions: 1}))
	md, err := c.Metadata(ctx)
	require.NoError(t, err)
	require.NotNil(t, md.Topic(a))
	require.NotNil(t, md.Topic(b))

	require.NoError(t, c.DeleteTopics(ctx, a, b))
	md, err = c.Metadata(ctx)
	require.NoError(t, err)
	assert.Nil(t, md.Topic(a))
	assert.Nil(t, md.Topic(b))
	_, err = c.TopicMetadata(ctx, a)
	requireCode(t, err, kafkaerror.UnknownTopicOrPart)

	err = c.DeleteTopics(ctx, a)
	kerr := requireCode(t, err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), a)
}

// Specs Kafka would refuse are refused before any request: the client here has no
// broker to ask, and answers at once.
func TestInvalidSpecsRefusedBeforeTheBroker(t *testing.T) {
	c, err := newUnreachable(t)
	require.NoError(t, err)
	ok := cluster.TopicSpec{Name: "fine", Partitions: 1}
	for name, tc := range map[string]struct {
		specs []cluster.TopicSpec
		says  string
	}{
		"zero partitions":     {[]cluster.TopicSpec{{Name: "t", Partitions: 0}}, "at least 1"},
		"negative partitions": {[]cluster.TopicSpec{{Name: "t", Partitions: -3}}, "at least 1"},
		"empty name":          {[]cluster.TopicSpec{{Name: "", Partitions: 1}}, "empty"},
		"space":               {[]cluster.TopicSpec{{Name: "bad name", Partitions: 1}}, `' '`},
		"slash":               {[]cluster.TopicSpec{{Name: "a/b", Partitions: 1}}, `'/'`},
		"non-ascii":           {[]cluster.TopicSpec{{Name: "café", Partitions: 1}}, `'é'`},
		"dot":                 {[]cluster.TopicSpec{{Name: ".", Partitions: 1}}, "not allowed"},
		"dot dot":             {[]cluster.TopicSpec{{Name: "..", Partitions: 1}}, "not allowed"},
		"too long":            {[]cluster.TopicSpec{{Name: strings.Repeat("x", 250), Partitions: 1}}, "at most 249"},
		"negative rf":         {[]cluster.TopicSpec{{Name: "t", Partitions: 1, ReplicationFactor: -1}}, "replication factor"},
		"empty config name":   {[]cluster.TopicSpec{{Name: "t", Partitions: 1, Configs: map[string]string{"": "x"}}}, "empty name"},
		"named twice":         {[]cluster.TopicSpec{ok, ok}, "twice"},
		"one bad among good":  {[]cluster.TopicSpec{ok, {Name: "t", Partitions: 0}}, "at least 1"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		start := time.Now()
		err := c.CreateTopics(ctx, tc.specs...)
		cancel()
		kerr := requireCode(t, err, kafkaerror.InvalidArg)
		assert.Contains(t, kerr.Str(), tc.says, name)
		assert.Less(t, time.Since(start), time.Second, "%s: answered without the broker", name)
	}
	for _, err := range []error{
		c.DeleteTopics(context.Background(), ""),
		c.DeleteTopics(context.Background(), "a", "a"),
		func() error { _, err := c.TopicConfig(context.Background(), "a b"); return err }(),
		func() error { _, err := c.TopicMetadata(context.Background(), "a:b"); return err }(),
		func() error { _, err := c.GroupLag(context.Background(), ""); return err }(),
	} {
		requireCode(t, err, kafkaerror.InvalidArg)
	}
	// Nothing to do is no error, and no request either.
	assert.NoError(t, c.CreateTopics(context.Background()))
	assert.NoError(t, c.DeleteTopics(context.Background()))
}

// Several failures in one call are joined: each matches with errors.Is.
func TestSeveralTopicErrorsAreJoined(t *testing.T) {
	existing := testkafka.Topic(t, 1, nil)
	c := newClient(t, nil)
	missing := testkafka.UniqueName("cluster-missing")
	err := c.DeleteTopics(testCtx(t), missing, missing+"-2")
	require.Error(t, err)
	assert.ErrorIs(t, err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, err.Error(), missing+"-2")

	name := testkafka.UniqueName("cluster-bad")
	err = c.CreateTopics(testCtx(t), cluster.TopicSpec{Name: existing, Partitions: 1},
		cluster.TopicSpec{Name: name, Partitions: 1, Configs: map[string]string{"retention.ms": "forever"}})
	assert.True(t, errors.Is(err, kafkaerror.TopicAlreadyExists), "%v", err)
	assert.True(t, errors.Is(err, kafkaerror.InvalidConfig), "%v", err)
}
