package consumer_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Consume(0, timeout) is an empty list at once, as in confluent-kafka-python (whose
// range is 0 to 1,000,000), whatever the timeout; it takes nothing from the consumer.
func TestConsumeZeroReturnsEmptyAtOnce(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("z", 2))
	c := openConsumer(t, map[string]any{})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	first, err := c.Consume(1, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, first, 1)
	require.Equal(t, "z0", string(first[0].Value()))

	for _, timeout := range []time.Duration{0, time.Minute, -1} {
		start := time.Now()
		msgs, err := c.Consume(0, timeout)
		require.NoError(t, err, "timeout %v", timeout)
		assert.NotNil(t, msgs, "an empty list, not nil")
		assert.Empty(t, msgs)
		assert.Less(t, time.Since(start), 5*time.Second, "timeout %v: returned at once", timeout)
	}
	next, err := c.Consume(1, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, next, 1)
	assert.Equal(t, "z1", string(next[0].Value()), "Consume(0) took nothing")

	require.NoError(t, c.Close())
	_, err = c.Consume(0, 0)
	assert.ErrorIs(t, err, kafkaerror.ErrClosed)
}

// An assignment made with topicpartition.Of (Python's TopicPartition(topic, partition))
// resumes at the group's committed offset; a struct literal without Offset starts at 0.
func TestAssignOfResumesAtCommittedOffset(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("m", 10))
	group := testkafka.UniqueName("of")
	committer := openConsumer(t, map[string]any{"group.id": group})
	_, err := committer.Commit(consumer.CommitOffsets(topicpartition.New(topic, 0, 4)))
	require.NoError(t, err)
	require.NoError(t, committer.Close())

	c := openConsumer(t, map[string]any{"group.id": group, "auto.offset.reset": "latest", "enable.auto.commit": false})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{topicpartition.Of(topic, 0)}))
	m := pollMessage(t, c)
	assert.EqualValues(t, 4, m.Offset(), "starts at the committed offset")
	assert.Equal(t, "m4", string(m.Value()))

	literal := openConsumer(t, map[string]any{"group.id": group, "auto.offset.reset": "latest", "enable.auto.commit": false})
	require.NoError(t, literal.Assign([]topicpartition.TopicPartition{{Topic: topic, Partition: 0}}))
	assert.EqualValues(t, 0, pollMessage(t, literal).Offset(), "the literal's zero Offset is offset 0")
}

// default.topic.config, still accepted by the Python clients, is read as they read it:
// its auto.offset.reset takes effect, and wins over the top-level one.
func TestDefaultTopicConfigTakesEffect(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("d", 3))
	c := openConsumer(t, map[string]any{
		"group.id":             testkafka.UniqueName("dtc"),
		"auto.offset.reset":    "latest",
		"default.topic.config": map[string]any{"auto.offset.reset": "earliest"},
	})
	require.NoError(t, c.Subscribe([]string{topic}))
	m := pollMessage(t, c)
	assert.EqualValues(t, 0, m.Offset(), "earliest, from default.topic.config, not the top-level latest")
	assert.Equal(t, "d0", string(m.Value()))
}

// Asynchronous commits are made in the order they were asked for, as librdkafka (and so
// Python) makes them: the results come in that order, and the last one asked for is the
// committed offset.
func TestCommitAsyncKeepsOrder(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("o", 1))
	var got []topicpartition.Offset
	c := openConsumer(t, map[string]any{"group.id": testkafka.UniqueName("order"), "enable.auto.commit": false},
		consumer.WithCommitCallback(func(err error, parts []topicpartition.TopicPartition) {
			require.NoError(t, err)
			require.Len(t, parts, 1)
			got = append(got, parts[0].Offset)
		}))
	const n = 100
	want := make([]topicpartition.Offset, n)
	for i := range want {
		want[i] = topicpartition.Offset(i + 1)
		_, err := c.Commit(consumer.CommitOffsets(topicpartition.New(topic, 0, want[i])), consumer.CommitAsync())
		require.NoError(t, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		c.Poll(50 * time.Millisecond)
	}
	assert.Equal(t, want, got, "results in the order the commits were asked for")
	committed, err := c.Committed([]topicpartition.TopicPartition{topicpartition.Of(topic, 0)}, 10*time.Second)
	require.NoError(t, err)
	assert.EqualValues(t, n, committed[0].Offset, "the last commit asked for stays")
}
