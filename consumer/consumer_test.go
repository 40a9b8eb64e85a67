package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// openConsumer creates a consumer on the test broker, closed when the test ends.
func openConsumer(t *testing.T, config map[string]any, opts ...consumer.Option) *consumer.Consumer {
	t.Helper()
	config["bootstrap.servers"] = testkafka.Bootstrap(t)
	if _, ok := config["log_level"]; !ok {
		config["log_level"] = 3
	}
	c, err := consumer.New(config, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// produce writes values to one partition of topic, in order, with the given timestamps
// when any, and waits for delivery.
func produceValues(t *testing.T, topic string, partition int32, values []string, stamps ...time.Time) {
	t.Helper()
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer p.Close()
	for i, v := range values {
		opts := []producer.ProduceOption{producer.Partition(partition)}
		if i < len(stamps) {
			opts = append(opts, producer.Timestamp(stamps[i]))
		}
		require.NoError(t, p.Produce(topic, []byte(v), opts...))
	}
	require.Equal(t, 0, p.Flush(30*time.Second))
}

func values(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// next polls until a message (or event) arrives, failing after 30 s.
func pollNext(t *testing.T, c *consumer.Consumer) *message.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := c.Poll(100 * time.Millisecond); m != nil {
			return m
		}
	}
	t.Fatal("no message within 30 s")
	return nil
}

// nextMessage is next, skipping events, and failing on errors.
func pollMessage(t *testing.T, c *consumer.Consumer) *message.Message {
	t.Helper()
	for {
		m := pollNext(t, c)
		if m.Err() == nil {
			return m
		}
		require.ErrorIs(t, m.Err(), kafkaerror.PartitionEOF, "unexpected error event")
	}
}

func tpAt(topic string, partition int32, offset topicpartition.Offset) topicpartition.TopicPartition {
	return topicpartition.New(topic, partition, offset)
}

// Poll returns nil when nothing comes within the timeout, also with a zero timeout.
func TestPollReturnsNilOnTimeout(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	c := openConsumer(t, map[string]any{})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	assert.Nil(t, c.Poll(0))
	start := time.Now()
	assert.Nil(t, c.Poll(300*time.Millisecond))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "it waited for the timeout")
}

// With enable.partition.eof, the end of a partition is reported once per new end
// offset, with the topic, partition and offset set.
func TestPartitionEOFOncePerEndOffset(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("a", 3))
	c := openConsumer(t, map[string]any{"enable.partition.eof": true})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))

	var got []string
	for len(got) < 3 {
		m := pollNext(t, c)
		require.NoError(t, m.Err())
		got = append(got, string(m.Value()))
	}
	assert.Equal(t, values("a", 3), got)
	eof := pollNext(t, c)
	require.ErrorIs(t, eof.Err(), kafkaerror.PartitionEOF)
	assert.Equal(t, topic, eof.Topic())
	assert.EqualValues(t, 0, eof.Partition())
	assert.EqualValues(t, 3, eof.Offset())
	assert.Nil(t, c.Poll(time.Second), "no second EOF for the same end offset")

	produceValues(t, topic, 0, values("b", 2))
	assert.Equal(t, "b0", string(pollMessage(t, c).Value()))
	m := pollNext(t, c)
	require.NoError(t, m.Err())
	assert.Equal(t, "b1", string(m.Value()))
	eof = pollNext(t, c)
	require.ErrorIs(t, eof.Err(), kafkaerror.PartitionEOF)
	assert.EqualValues(t, 5, eof.Offset(), "a new EOF for the new end offset")
}

// A subscription to a topic that does not exist reports UNKNOWN_TOPIC_OR_PART as an
// error message naming the topic.
func TestUnknownTopicIsAnErrorMessage(t *testing.T) {
	missing := testkafka.UniqueName("missing")
	c := openConsumer(t, map[string]any{"group.id": testkafka.UniqueName("g"), "allow.auto.create.topics": false})
	require.NoError(t, c.Subscribe([]string{missing}))
	m := pollNext(t, c)
	require.Error(t, m.Err())
	assert.ErrorIs(t, m.Err(), kafkaerror.UnknownTopicOrPart)
	// librdkafka names the topic in the text of this error, not in the message's fields.
	assert.Contains(t, m.Err().Error(), missing)
	var kerr *kafkaerror.Error
	require.True(t, errors.As(m.Err(), &kerr))
	assert.Equal(t, "UNKNOWN_TOPIC_OR_PART", kerr.Name())
}

// Consume returns at most n, waits at most the timeout, and refuses n outside 0..1e6.
func TestConsumeBounds(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	c := openConsumer(t, map[string]any{})
	for _, n := range []int{-1, 1_000_001} {
		_, err := c.Consume(n, time.Second)
		assert.ErrorIs(t, err, kafkaerror.InvalidArg, "n=%d", n)
	}
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	msgs, err := c.Consume(5, 200*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, msgs, "empty on timeout")

	produceValues(t, topic, 0, values("m", 10))
	msgs, err = c.Consume(4, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, msgs, 4, "never more than n")
	msgs, err = c.Consume(100, 2*time.Second)
	require.NoError(t, err)
	require.Len(t, msgs, 6, "what there was within the timeout")
	assert.Equal(t, "m9", string(msgs[5].Value()))
	assert.EqualValues(t, 9, msgs[5].Offset())
}

// Commit of a message commits its offset + 1; of an offset list, those offsets; with
// neither, the current positions. Committed reads them back.
func TestCommitForms(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	produceValues(t, topic, 0, values("p0-", 3))
	produceValues(t, topic, 1, values("p1-", 2))
	group := testkafka.UniqueName("g")
	c := openConsumer(t, map[string]any{"group.id": group, "enable.auto.commit": false})
	all := []topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetInvalid), tpAt(topic, 1, topicpartition.OffsetInvalid)}
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning), tpAt(topic, 1, topicpartition.OffsetBeginning)}))

	committed, err := c.Committed(all, 10*time.Second)
	require.NoError(t, err)
	assert.Equal(t, topicpartition.OffsetInvalid, committed[0].Offset, "nothing committed yet")
	assert.Equal(t, topicpartition.OffsetInvalid, committed[1].Offset)

	// Read everything; commit the first message of partition 0 explicitly.
	var first *message.Message
	for n := 0; n < 5; n++ {
		m := pollMessage(t, c)
		if m.Partition() == 0 && m.Offset() == 0 {
			first = m
		}
	}
	require.NotNil(t, first)
	parts, err := c.Commit(consumer.CommitMessage(first))
	require.NoError(t, err)
	require.Len(t, parts, 1)
	assert.Equal(t, topic, parts[0].Topic)
	assert.EqualValues(t, 0, parts[0].Partition)
	assert.EqualValues(t, 1, parts[0].Offset, "a message commits its offset + 1")
	assert.NoError(t, parts[0].Err)
	committed, err = c.Committed(all, 10*time.Second)
	require.NoError(t, err)
	assert.EqualValues(t, 1, committed[0].Offset)
	assert.Equal(t, topicpartition.OffsetInvalid, committed[1].Offset)

	parts, err = c.Commit(consumer.CommitOffsets(tpAt(topic, 1, 1)))
	require.NoError(t, err)
	require.Len(t, parts, 1)
	assert.EqualValues(t, 1, parts[0].Offset, "an offset list is committed as given")
	committed, err = c.Committed(all, 10*time.Second)
	require.NoError(t, err)
	assert.EqualValues(t, 1, committed[1].Offset)

	parts, err = c.Commit()
	require.NoError(t, err)
	got := map[int32]topicpartition.Offset{}
	for _, p := range parts {
		assert.NoError(t, p.Err)
		got[p.Partition] = p.Offset
	}
	assert.Equal(t, map[int32]topicpartition.Offset{0: 3, 1: 2}, got, "neither: the current positions")
	committed, err = c.Committed(all, 10*time.Second)
	require.NoError(t, err)
	assert.EqualValues(t, 3, committed[0].Offset)
	assert.EqualValues(t, 2, committed[1].Offset)
}

// Message and offsets together, a message carrying an error, an empty list, an offset
// without a topic, or nothing to commit: each a clear error of the documented kind.
func TestCommitRefusals(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("x", 1))
	c := openConsumer(t, map[string]any{"group.id": testkafka.UniqueName("g"), "enable.auto.commit": false, "enable.partition.eof": true})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))

	_, err := c.Commit()
	assert.ErrorIs(t, err, kafkaerror.NoOffset, "nothing consumed, nothing to commit")

	m := pollMessage(t, c)
	_, err = c.Commit(consumer.CommitMessage(m), consumer.CommitOffsets(tpAt(topic, 0, 1)))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, "not both")

	eof := pollNext(t, c)
	require.ErrorIs(t, eof.Err(), kafkaerror.PartitionEOF)
	_, err = c.Commit(consumer.CommitMessage(eof))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg, "a message carrying an error has no offset to commit")

	_, err = c.Commit(consumer.CommitOffsets())
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	_, err = c.Commit(consumer.CommitMessage(nil))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	_, err = c.Commit(consumer.CommitOffsets(tpAt(topic, 0, 1), tpAt("", 0, 5)))
	assert.ErrorIs(t, err, kafkaerror.InvalidArg, "an offset without a topic is refused locally")
	assert.ErrorContains(t, err, "offsets[1] (partition 0, offset 5) has no topic name")
}

// An asynchronous commit returns at once; its result reaches the commit callback only
// from a later Poll, on the polling goroutine.
func TestCommitAsyncResultComesThroughPoll(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("x", 2))
	type result struct {
		err    error
		parts  []topicpartition.TopicPartition
		inPoll bool
	}
	var results []result
	inPoll := false
	c := openConsumer(t, map[string]any{"group.id": testkafka.UniqueName("g"), "enable.auto.commit": false},
		consumer.WithCommitCallback(func(err error, parts []topicpartition.TopicPartition) {
			results = append(results, result{err, parts, inPoll})
		}))
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	pollMessage(t, c)
	m := pollMessage(t, c)

	parts, err := c.Commit(consumer.CommitMessage(m), consumer.CommitAsync())
	require.NoError(t, err)
	assert.Nil(t, parts, "async returns at once, without a result")
	assert.Empty(t, results, "no callback outside Poll")

	deadline := time.Now().Add(30 * time.Second)
	for len(results) == 0 && time.Now().Before(deadline) {
		inPoll = true
		c.Poll(50 * time.Millisecond)
		inPoll = false
	}
	require.Len(t, results, 1)
	assert.True(t, results[0].inPoll)
	assert.NoError(t, results[0].err)
	require.Len(t, results[0].parts, 1)
	assert.EqualValues(t, 2, results[0].parts[0].Offset)

	committed, err := c.Committed([]topicpartition.TopicPartition{tpAt(topic, 0, 0)}, 10*time.Second)
	require.NoError(t, err)
	assert.EqualValues(t, 2, committed[0].Offset)
}

// Position is the last consumed offset + 1, OffsetInvalid before anything was consumed;
// watermarks: uncached from the broker, cached from the last fetch.
func TestPositionAndWatermarks(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("x", 4))
	c := openConsumer(t, map[string]any{})
	part := tpAt(topic, 0, topicpartition.OffsetInvalid)

	lo, hi, err := c.GetWatermarkOffsets(part, 10*time.Second, true)
	require.NoError(t, err)
	assert.Equal(t, [2]topicpartition.Offset{topicpartition.OffsetInvalid, topicpartition.OffsetInvalid}, [2]topicpartition.Offset{lo, hi}, "cached: nothing fetched yet")
	lo, hi, err = c.GetWatermarkOffsets(part, 10*time.Second, false)
	require.NoError(t, err)
	assert.Equal(t, [2]topicpartition.Offset{0, 4}, [2]topicpartition.Offset{lo, hi}, "uncached: asked the broker")

	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, 1)}))
	pos, err := c.Position([]topicpartition.TopicPartition{part})
	require.NoError(t, err)
	assert.Equal(t, topicpartition.OffsetInvalid, pos[0].Offset, "nothing consumed yet")

	m := pollMessage(t, c)
	assert.EqualValues(t, 1, m.Offset(), "assigned from offset 1")
	pollMessage(t, c)
	pos, err = c.Position([]topicpartition.TopicPartition{part})
	require.NoError(t, err)
	assert.EqualValues(t, 3, pos[0].Offset, "last consumed (2) + 1")

	lo, hi, err = c.GetWatermarkOffsets(part, 0, true)
	require.NoError(t, err)
	assert.Equal(t, [2]topicpartition.Offset{0, 4}, [2]topicpartition.Offset{lo, hi}, "cached from the fetch")

	missing := testkafka.UniqueName("missing")
	_, _, err = c.GetWatermarkOffsets(tpAt(missing, 0, 0), 5*time.Second, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("watermark offsets of topic %q partition 0: ", missing), "the error names the partition")
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.NotEqual(t, kafkaerror.NoError, kerr.Code(), "the engine's code is kept: %v", err)
}

// Seek moves the next message; Pause stops fetching until Resume.
func TestSeekPauseResume(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("x", 5))
	c := openConsumer(t, map[string]any{})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	for i := 0; i < 5; i++ {
		pollMessage(t, c)
	}
	require.NoError(t, c.Seek(tpAt(topic, 0, 1)))
	m := pollMessage(t, c)
	assert.EqualValues(t, 1, m.Offset())
	assert.Equal(t, "x1", string(m.Value()))
	for i := 2; i < 5; i++ {
		pollMessage(t, c)
	}

	require.NoError(t, c.Pause([]topicpartition.TopicPartition{tpAt(topic, 0, 0)}))
	produceValues(t, topic, 0, []string{"after-pause"})
	assert.Nil(t, c.Poll(time.Second), "paused: nothing fetched")
	require.NoError(t, c.Resume([]topicpartition.TopicPartition{tpAt(topic, 0, 0)}))
	assert.Equal(t, "after-pause", string(pollMessage(t, c).Value()))
}

// SeekPartitions is librdkafka's partition-list seek, as confluent-kafka-python's
// seek: each partition comes back with its own Err; a partition of the topic that is
// not assigned while others are is _STATE (Seek's error names it); a partition the
// client does not know at all is _UNKNOWN_PARTITION; a LeaderEpoch is carried along.
func TestSeekPartitions(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	produceValues(t, topic, 0, values("p0-", 5))
	c := openConsumer(t, map[string]any{})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	var last *message.Message
	for i := 0; i < 5; i++ {
		last = pollMessage(t, c)
	}
	epoch := last.LeaderEpoch()
	require.NotNil(t, epoch, "the broker gives leader epochs")

	withEpoch := tpAt(topic, 0, 2)
	withEpoch.LeaderEpoch = epoch
	out, err := c.SeekPartitions([]topicpartition.TopicPartition{withEpoch})
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.NoError(t, out[0].Err)
	m := pollMessage(t, c)
	assert.EqualValues(t, 2, m.Offset(), "seek with the partition's leader epoch")

	out, err = c.SeekPartitions([]topicpartition.TopicPartition{tpAt(topic, 0, 0), tpAt(topic, 1, 0)})
	require.Error(t, err)
	require.Len(t, out, 2)
	assert.NoError(t, out[0].Err, "the assigned partition is seeked")
	assert.ErrorIs(t, out[1].Err, kafkaerror.State, "partition 1 is not assigned")
	assert.Contains(t, err.Error(), fmt.Sprintf("seek topic %q partition 1", topic))
	assert.EqualValues(t, 0, pollMessage(t, c).Offset(), "the other partition's seek happened")

	err = c.Seek(tpAt(testkafka.UniqueName("unknown"), 0, 0))
	assert.ErrorIs(t, err, kafkaerror.UnknownPartition)
}

// With enable.auto.offset.store=false only stored offsets are committed.
func TestStoreOffsets(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, values("x", 3))
	c := openConsumer(t, map[string]any{
		"group.id": testkafka.UniqueName("g"), "enable.auto.commit": false, "enable.auto.offset.store": false,
	})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	first := pollMessage(t, c)
	pollMessage(t, c)
	pollMessage(t, c)

	stored, err := c.StoreMessage(first)
	require.NoError(t, err)
	require.Len(t, stored, 1)
	assert.EqualValues(t, 1, stored[0].Offset, "a message stores its offset + 1")
	parts, err := c.Commit()
	require.NoError(t, err)
	assert.EqualValues(t, 1, parts[0].Offset, "only the stored offset is committed, not the position (3)")

	_, err = c.StoreOffsets([]topicpartition.TopicPartition{tpAt(topic, 0, 2)})
	require.NoError(t, err)
	parts, err = c.Commit()
	require.NoError(t, err)
	assert.EqualValues(t, 2, parts[0].Offset)
}

// OffsetsForTimes finds the first offset at or after a time, OffsetEnd past the end.
func TestOffsetsForTimes(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	t0 := time.UnixMilli(1_700_000_000_000)
	produceValues(t, topic, 0, values("x", 3), t0, t0.Add(time.Second), t0.Add(2*time.Second))
	c := openConsumer(t, map[string]any{})
	res, err := c.OffsetsForTimes([]topicpartition.TopicPartition{
		tpAt(topic, 0, consumer.TimeOffset(t0.Add(500*time.Millisecond))),
	}, 10*time.Second)
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.EqualValues(t, 1, res[0].Offset)
	res, err = c.OffsetsForTimes([]topicpartition.TopicPartition{tpAt(topic, 0, consumer.TimeOffset(t0.Add(time.Hour)))}, 10*time.Second)
	require.NoError(t, err)
	assert.Equal(t, topicpartition.OffsetEnd, res[0].Offset)

	missing := testkafka.UniqueName("missing")
	_, err = c.OffsetsForTimes([]topicpartition.TopicPartition{tpAt(missing, 0, consumer.TimeOffset(t0)), tpAt(missing, 1, consumer.TimeOffset(t0))}, 5*time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("offsets for times of topic %q: ", missing), "the error names the topic")
}

// IncrementalAssign adds to the assignment, IncrementalUnassign removes from it.
func TestIncrementalAssign(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	produceValues(t, topic, 1, []string{"on-1"})
	c := openConsumer(t, map[string]any{})
	require.NoError(t, c.IncrementalAssign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	require.NoError(t, c.IncrementalAssign([]topicpartition.TopicPartition{tpAt(topic, 1, topicpartition.OffsetBeginning)}))
	a, err := c.Assignment()
	require.NoError(t, err)
	assert.ElementsMatch(t, []int32{0, 1}, partitionsOf(a))
	assert.Equal(t, "on-1", string(pollMessage(t, c).Value()))
	require.NoError(t, c.IncrementalUnassign([]topicpartition.TopicPartition{tpAt(topic, 0, 0)}))
	a, err = c.Assignment()
	require.NoError(t, err)
	assert.Equal(t, []int32{1}, partitionsOf(a))
}

func partitionsOf(tps []topicpartition.TopicPartition) []int32 {
	out := []int32{}
	for _, p := range tps {
		out = append(out, p.Partition)
	}
	return out
}

// Without group.id a consumer reads what it Assigns; group operations say what is missing.
func TestGroupOperationsNeedGroupID(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	produceValues(t, topic, 0, []string{"hello"})
	c := openConsumer(t, map[string]any{})
	for name, err := range map[string]error{
		"Subscribe": c.Subscribe([]string{topic}),
		"Commit":    errOf(c.Commit()),
		"Committed": errOf(c.Committed([]topicpartition.TopicPartition{tpAt(topic, 0, 0)}, time.Second)),
		"Store":     errOf(c.StoreOffsets([]topicpartition.TopicPartition{tpAt(topic, 0, 1)})),
		"Metadata":  errOf(c.GroupMetadata()),
	} {
		assert.ErrorIs(t, err, kafkaerror.InvalidArg, name)
		assert.ErrorContains(t, err, "group.id", name)
	}
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{tpAt(topic, 0, topicpartition.OffsetBeginning)}))
	assert.Equal(t, "hello", string(pollMessage(t, c).Value()))
}

func errOf[T any](_ T, err error) error { return err }

// Unknown or invalid properties fail New, naming the property.
func TestConsumerConfigErrors(t *testing.T) {
	_, err := consumer.New(map[string]any{"bootstrap.servers": "x:1", "no.such.thing": 1})
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, "no.such.thing")
	_, err = consumer.New(map[string]any{"bootstrap.servers": "x:1", "auto.offset.reset": "sideways"})
	assert.ErrorContains(t, err, "auto.offset.reset")
	_, err = consumer.New(map[string]any{"bootstrap.servers": "x:1", "go.events.channel.enable": true})
	assert.ErrorContains(t, err, "go.events.channel.enable")
}

// Consume-transform-produce: offsets sent with the consumer's own group metadata are
// committed for its group exactly when the transaction commits.
func TestGroupMetadataInTransaction(t *testing.T) {
	in := testkafka.Topic(t, 1, nil)
	out := testkafka.Topic(t, 1, nil)
	produceValues(t, in, 0, values("in", 3))
	group := testkafka.UniqueName("g")
	c := openConsumer(t, map[string]any{"group.id": group, "enable.auto.commit": false, "auto.offset.reset": "earliest"})
	require.NoError(t, c.Subscribe([]string{in}))
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t), "transactional.id": testkafka.UniqueName("tx")})
	require.NoError(t, err)
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, p.InitTransactions(ctx))
	require.NoError(t, p.BeginTransaction())
	var last *message.Message
	for i := 0; i < 3; i++ {
		last = pollMessage(t, c)
		require.NoError(t, p.Produce(out, append([]byte("out-"), last.Value()...)))
	}
	gm, err := c.GroupMetadata()
	require.NoError(t, err)
	require.NoError(t, p.SendOffsetsToTransaction(ctx, []topicpartition.TopicPartition{tpAt(in, 0, last.Offset()+1)}, gm))
	require.NoError(t, p.CommitTransaction(ctx))

	committed, err := c.Committed([]topicpartition.TopicPartition{tpAt(in, 0, 0)}, 10*time.Second)
	require.NoError(t, err)
	assert.EqualValues(t, 3, committed[0].Offset)
}
