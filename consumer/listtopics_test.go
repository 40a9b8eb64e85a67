package consumer_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// ListTopics answers with the cluster's metadata: one topic by name with its
// partitions, a missing one with UNKNOWN_TOPIC_OR_PART (a consumer creates nothing),
// every topic when none is named; on a closed consumer it is ErrClosed.
func TestListTopics(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 3, nil)
	c := clConsumer(t, map[string]any{"bootstrap.servers": bootstrap, "group.id": testkafka.UniqueName("list-topics")})

	md, err := c.ListTopics(topic, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, md.Topics, 1)
	assert.Equal(t, topic, md.Topics[0].Name)
	assert.NoError(t, md.Topics[0].Err)
	assert.Len(t, md.Topics[0].Partitions, 3)
	assert.NotEmpty(t, md.Brokers)

	missing := testkafka.UniqueName("never-created")
	md, err = c.ListTopics(missing, 30*time.Second)
	require.NoError(t, err)
	require.NotNil(t, md.Topic(missing))
	assert.True(t, errors.Is(md.Topic(missing).Err, kafkaerror.UnknownTopicOrPart), "%v", md.Topic(missing).Err)

	md, err = c.ListTopics("", 30*time.Second)
	require.NoError(t, err)
	assert.NotNil(t, md.Topic(topic))
	assert.Nil(t, md.Topic(missing), "asking about a topic did not create it")

	require.NoError(t, c.Close())
	_, err = c.ListTopics("", time.Second)
	assert.ErrorIs(t, err, kafkaerror.ErrClosed)
}

// MemberID is "" before the consumer joins its group and the coordinator's id for it
// after (Python's memberid()); "" once closed.
func TestMemberID(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	clProduce(t, bootstrap, topic, 0, "m", 1)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers": bootstrap,
		"group.id":          testkafka.UniqueName("member-id"),
		"auto.offset.reset": "earliest",
	})
	assert.Equal(t, "", c.MemberID(), "no member id before joining")
	require.NoError(t, c.Subscribe([]string{topic}))
	clReadN(t, c, 1)
	id := c.MemberID()
	assert.True(t, strings.HasPrefix(id, "rdkafka-"), "member id %q", id)
	require.NoError(t, c.Close())
	assert.Equal(t, "", c.MemberID())
}
