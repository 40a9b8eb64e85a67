package producer_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
)

// ListTopics answers what cluster.Metadata answers, in the same type: the broker,
// cluster id, controller, and each topic with its partitions.
func TestListTopicsMatchesCluster(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	p := newProducer(t, map[string]any{})
	md, err := p.ListTopics("", 30*time.Second)
	require.NoError(t, err)

	cl, err := cluster.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer func() { assert.NoError(t, cl.Close()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var want *cluster.Metadata
	want, err = cl.Metadata(ctx)
	require.NoError(t, err)

	assert.Equal(t, want.ClusterID, md.ClusterID)
	assert.NotEmpty(t, md.ClusterID)
	assert.Equal(t, want.ControllerID, md.ControllerID)
	assert.Equal(t, want.Brokers, md.Brokers)
	require.NotNil(t, md.Topic(topic))
	assert.Equal(t, want.Topic(topic), md.Topic(topic))
	require.Len(t, md.Topic(topic).Partitions, 3)
	assert.Contains(t, md.OrigBrokerName, testkafka.Bootstrap(t))
}

// One topic asked for by name comes alone; a missing one carries UNKNOWN_TOPIC_OR_PART
// when the producer may not create topics, and is created by asking, as in Python,
// when it may (the producer's default).
func TestListTopicsOneTopic(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	p := newProducer(t, map[string]any{"allow.auto.create.topics": false})
	md, err := p.ListTopics(topic, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, md.Topics, 1)
	assert.Equal(t, topic, md.Topics[0].Name)
	assert.NoError(t, md.Topics[0].Err)
	assert.Len(t, md.Topics[0].Partitions, 2)
	require.NotEmpty(t, md.Brokers)

	missing := testkafka.UniqueName("no-such-topic")
	md, err = p.ListTopics(missing, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, md.Topics, 1)
	assert.True(t, errors.Is(md.Topics[0].Err, kafkaerror.UnknownTopicOrPart), "got %v", md.Topics[0].Err)
	all, err := p.ListTopics("", 30*time.Second)
	require.NoError(t, err)
	assert.Nil(t, all.Topic(missing), "asking did not create it")

	created := testkafka.UniqueName("created-by-asking")
	t.Cleanup(func() { _ = testkafka.DeleteTopic(context.Background(), testkafka.Bootstrap(t), created) })
	creator := newProducer(t, map[string]any{})
	md, err = creator.ListTopics(created, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, md.Topics, 1)
	t.Log("first answer for a topic created by asking:", md.Topics[0].Err)
	all, err = creator.ListTopics("", 30*time.Second)
	require.NoError(t, err)
	assert.NotNil(t, all.Topic(created), "asking created it")
}

// With no broker, a bounded ListTopics fails at its timeout with librdkafka's code and
// names the call; an unbounded one is ended by Close, which returns in time; a closed
// producer answers ErrClosed.
func TestListTopicsWithoutBroker(t *testing.T) {
	var downs atomic.Int32 // client-wide errors, served by Close
	p := newProducer(t, map[string]any{"bootstrap.servers": testkafka.ClosedPort(t), "log_level": 0},
		producer.WithErrorCallback(func(e *kafkaerror.Error) { downs.Add(1) }))
	start := time.Now()
	_, err := p.ListTopics("orders", 1500*time.Millisecond)
	took := time.Since(start)
	require.Error(t, err)
	assert.True(t, errors.Is(err, kafkaerror.Transport) || errors.Is(err, kafkaerror.TimedOut), "got %v", err)
	assert.Contains(t, err.Error(), `ListTopics of topic "orders": `)
	assert.GreaterOrEqual(t, took, 1400*time.Millisecond)
	assert.Less(t, took, 4*time.Second)
	t.Log(err, "after", took)

	done := make(chan error, 1)
	go func() {
		_, err := p.ListTopics("", -1)
		done <- err
	}()
	// The call is in progress once it has not returned after the first request's
	// bound began; Close must end it whichever request it is in.
	select {
	case err := <-done:
		t.Fatalf("ListTopics(-1) returned without a broker: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	start = time.Now()
	require.NoError(t, p.Close())
	assert.ErrorIs(t, <-done, kafkaerror.ErrClosed)
	assert.Less(t, time.Since(start), 6*time.Second)
	assert.Positive(t, downs.Load(), "the broker being down was reported too")
	t.Log("Close ended an unbounded ListTopics in", time.Since(start))

	_, err = p.ListTopics("", time.Second)
	assert.ErrorIs(t, err, kafkaerror.ErrClosed)
}

// ListTopics answers what the cluster says about a topic: its partitions and which
// broker leads each.
func ExampleProducer_ListTopics() {
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	// Producing makes sure the topic exists (brokers create topics on first use by
	// default).
	_ = p.Produce("rdstreams-example-listtopics", []byte("hello"))
	p.Flush(30 * time.Second)

	md, err := p.ListTopics("rdstreams-example-listtopics", 30*time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := md.Topic("rdstreams-example-listtopics")
	fmt.Println(t.Name, "error:", t.Err)
	for _, part := range t.Partitions {
		fmt.Println("partition", part.ID, "led by a known broker:", md.Broker(part.Leader) != nil)
	}
	// Output:
	// rdstreams-example-listtopics error: <nil>
	// partition 0 led by a known broker: true
}
