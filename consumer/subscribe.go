package consumer

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Subscribe joins the consumer group (group.id) for topics, replacing any previous
// subscription. A topic starting with '^' is a regular expression matched against all
// topic names. Partitions are assigned by the group: with OnAssign / OnRevoke / OnLost
// the application hears of each change (inside Poll); without them the assignment
// simply takes effect. Eager and cooperative-sticky assignors and
// group.protocol=consumer all work.
//
// A consumer holding a manual assignment (Assign) must Unassign first: Subscribe
// returns a _CONFLICT error.
func (c *Consumer) Subscribe(topics []string, opts ...SubscribeOption) error {
	in := c.enter()
	if in == closed {
		return kafkaerror.ErrClosed
	}
	defer c.exit(in)
	if err := c.needGroup("Subscribe"); err != nil {
		return err
	}
	if len(topics) == 0 {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "Subscribe: no topics given")
	}
	var rb rebalance
	for _, o := range opts {
		o(&rb)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.manual {
		return kafkaerror.Newf(kafkaerror.Conflict,
			"Subscribe: the consumer holds a manual assignment; call Unassign before subscribing")
	}
	c.rb = rb
	return ckconv.Error(c.ck.SubscribeTopics(topics, c.onRebalance))
}

// onRebalance is the engine's rebalance callback; it runs inside the engine's Poll (or
// Close), on the serving goroutine. The engine assigns or unassigns by itself afterwards
// unless the application's callback did.
func (c *Consumer) onRebalance(ck *ckafka.Consumer, ev ckafka.Event) error {
	c.mu.Lock()
	rb := c.rb
	c.mu.Unlock()
	var fn RebalanceFunc
	var parts []ckafka.TopicPartition
	switch e := ev.(type) {
	case ckafka.AssignedPartitions:
		fn, parts = rb.onAssign, e.Partitions
	case ckafka.RevokedPartitions:
		fn, parts = rb.onRevoke, e.Partitions
		if rb.onLost != nil && ck.AssignmentLost() {
			fn = rb.onLost
		}
		// What was returned so far is stored before the partitions go (an orderly revoke
		// commits it with auto-commit), and forgotten after.
		c.storeTracked()
		if c.track != nil {
			defer c.track.forget(parts)
		}
	}
	if fn == nil {
		return nil
	}
	tps := ckconv.TopicPartitions(parts)
	c.runCallback(func() {
		c.inRebalance.Store(true)
		defer c.inRebalance.Store(false)
		fn(c, tps)
	})
	return nil
}

// Unsubscribe leaves the group's subscription; the current assignment is revoked.
func (c *Consumer) Unsubscribe() error {
	return c.call(func() error { return c.ck.Unsubscribe() })
}

// Subscription is the current list of subscribed topics.
func (c *Consumer) Subscription() ([]string, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	topics, err := c.ck.Subscription()
	return topics, ckconv.Error(err)
}

// Assign sets the partitions to consume, each from its Offset (a real offset,
// OffsetBeginning, OffsetEnd, OffsetStored for the committed offset, or OffsetTail(n)),
// replacing the current assignment. Outside a rebalance callback this is a manual
// assignment, without group management. Inside OnAssign it chooses the start offsets of
// the partitions the group assigned (eager protocol; use IncrementalAssign with the
// cooperative one).
func (c *Consumer) Assign(partitions []topicpartition.TopicPartition) error {
	return c.assignment(partitions, func() error { return c.ck.Assign(ckconv.ToCKTopicPartitions(partitions)) })
}

// Unassign stops consuming every assigned partition.
func (c *Consumer) Unassign() error {
	return c.assignment(nil, c.ck.Unassign)
}

// IncrementalAssign adds partitions to the current assignment (cooperative protocol,
// or manual assignment).
func (c *Consumer) IncrementalAssign(partitions []topicpartition.TopicPartition) error {
	return c.assignment(partitions, func() error { return c.ck.IncrementalAssign(ckconv.ToCKTopicPartitions(partitions)) })
}

// IncrementalUnassign removes partitions from the current assignment.
func (c *Consumer) IncrementalUnassign(partitions []topicpartition.TopicPartition) error {
	return c.assignment(nil, func() error { return c.ck.IncrementalUnassign(ckconv.ToCKTopicPartitions(partitions)) })
}

// assignment runs a call that changes the assignment and, outside rebalance callbacks,
// records whether a manual assignment is now in force: whether anything is assigned.
// The topics of added partitions are checked in the background (checkAssignedTopics).
func (c *Consumer) assignment(added []topicpartition.TopicPartition, call func() error) error {
	return c.call(func() error {
		if err := call(); err != nil {
			return err
		}
		if c.inRebalance.Load() {
			return nil
		}
		c.checkAssignedTopics(added)
		held, err := c.ck.Assignment()
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.manual = len(held) > 0
		c.mu.Unlock()
		return nil
	})
}

// Assignment is the current set of assigned partitions.
func (c *Consumer) Assignment() ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	parts, err := c.ck.Assignment()
	return ckconv.TopicPartitions(parts), ckconv.Error(err)
}

// AssignmentLost reports, inside OnRevoke, whether the partitions were lost rather
// than revoked in an orderly way.
func (c *Consumer) AssignmentLost() bool {
	in := c.enter()
	if in == closed {
		return false
	}
	defer c.exit(in)
	return c.ck.AssignmentLost()
}

// RebalanceProtocol is "EAGER", "COOPERATIVE", or "NONE" before joining a group.
func (c *Consumer) RebalanceProtocol() string {
	in := c.enter()
	if in == closed {
		return "NONE"
	}
	defer c.exit(in)
	return c.ck.GetRebalanceProtocol()
}

// GroupMetadata is this member's group metadata, for a transactional producer's
// SendOffsetsToTransaction (Python's consumer_group_metadata()).
func (c *Consumer) GroupMetadata() (*producer.GroupMetadata, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	if err := c.needGroup("GroupMetadata"); err != nil {
		return nil, err
	}
	md, err := c.ck.GetConsumerGroupMetadata()
	if err != nil {
		return nil, ckconv.Error(err)
	}
	return producer.ParseGroupMetadata(ckconv.GroupMetadataBytes(md))
}

// call runs an engine call on an open consumer and converts its error.
func (c *Consumer) call(fn func() error) error {
	in := c.enter()
	if in == closed {
		return kafkaerror.ErrClosed
	}
	defer c.exit(in)
	return ckconv.Error(fn())
}

// needGroup refuses a group operation on a consumer created without group.id.
func (c *Consumer) needGroup(op string) error {
	if c.hasGroup {
		return nil
	}
	return kafkaerror.Newf(kafkaerror.InvalidArg, "%s needs a consumer group: set group.id in the consumer's configuration", op)
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// topicCheckTimeout bounds the metadata request of checkAssignedTopics.
const topicCheckTimeout = 5 * time.Second

// checkAssignedTopics asks the broker, in the background, about the topics of manually
// assigned partitions, and has Poll return TOPIC_AUTHORIZATION_FAILED as an error
// message for each the client may not read. With a subscription the engine reports
// it itself; with a manual assignment it only stops fetching, silently (the partition
// never gets a leader), which would leave the application waiting for nothing.
func (c *Consumer) checkAssignedTopics(partitions []topicpartition.TopicPartition) {
	seen := map[string]bool{}
	for _, tp := range partitions {
		topic := tp.Topic
		if topic == "" || seen[topic] {
			continue
		}
		seen[topic] = true
		c.topicChecks.Add(1)
		go func() {
			defer c.topicChecks.Done()
			md, err := c.ck.GetMetadata(&topic, false, int(topicCheckTimeout/time.Millisecond))
			if err != nil {
				return // unreachable broker: the engine reports that itself
			}
			tm, ok := md.Topics[topic]
			if !ok || tm.Error.Code() != ckafka.ErrTopicAuthorizationFailed {
				return
			}
			kerr := kafkaerror.Newf(kafkaerror.TopicAuthorizationFailed,
				"assigned topic %q: %s (no READ permission for this client)", topic, tm.Error.String())
			c.mu.Lock()
			c.found = append(c.found, ckconv.EventMessage(kerr, topic, topicpartition.PartitionAny, topicpartition.OffsetInvalid))
			c.pendingFound.Add(1)
			c.mu.Unlock()
		}()
	}
}

// popFound takes the oldest error found in the background.
func (c *Consumer) popFound() *message.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.found[0]
	c.found = c.found[1:]
	c.pendingFound.Add(-1)
	return m
}
