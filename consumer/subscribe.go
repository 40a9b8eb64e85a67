package consumer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/internal/errtext"
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
	return c.eng.Subscribe(topics)
}

// rebalance serves a rebalance: it runs the application's callback (on Close's
// goroutine, through the close window, when closing), then, unless the callback did,
// assigns or revokes the partitions as the engine asks.
func (c *Consumer) rebalance(ev engine.Event, closing bool) {
	c.mu.Lock()
	rb := c.rb
	c.mu.Unlock()
	cooperative := c.eng.RebalanceProtocol() == "COOPERATIVE"
	if ev.Err != nil {
		// The rebalance failed: the assignment is dropped, as librdkafka asks.
		c.set.logger.Warn("rdstreams: rebalance failed", slog.String("error", ev.Err.Error()))
		c.storeTracked()
		if err := c.eng.Assign(nil); err != nil {
			c.set.logger.Debug("rdstreams: unassigning after a failed rebalance", slog.String("error", err.Error()))
		}
		if c.track != nil {
			c.track.forget(nil)
		}
		return
	}
	var fn RebalanceFunc
	if ev.Assign {
		fn = rb.onAssign
	} else {
		fn = rb.onRevoke
		if rb.onLost != nil && c.eng.AssignmentLost() {
			fn = rb.onLost
		}
		// What was returned so far is stored before the partitions go (an orderly revoke
		// commits it with auto-commit), and forgotten after.
		c.storeTracked()
		if c.track != nil {
			defer c.track.forget(ev.Partitions)
		}
	}
	c.assignedIn.Store(false)
	defer func() {
		// Also when the callback panics: the engine must hear of the change.
		if !c.assignedIn.Load() {
			c.applyRebalance(ev, cooperative)
		}
	}()
	if fn == nil || closing && c.quiet.Load() {
		return
	}
	call := func() {
		c.inRebalance.Store(true)
		defer c.inRebalance.Store(false)
		fn(c, ev.Partitions)
	}
	if closing {
		c.inCloseWindow(call)
	} else {
		call()
	}
}

// applyRebalance assigns or revokes a rebalance's partitions, as the protocol wants.
func (c *Consumer) applyRebalance(ev engine.Event, cooperative bool) {
	var err error
	switch {
	case ev.Assign && cooperative:
		err = c.eng.IncrementalAssign(ev.Partitions)
	case ev.Assign:
		err = c.eng.Assign(ev.Partitions)
	case cooperative:
		err = c.eng.IncrementalUnassign(ev.Partitions)
	default:
		err = c.eng.Assign(nil)
	}
	if err != nil {
		c.set.logger.Warn("rdstreams: applying a rebalance", slog.Bool("assign", ev.Assign), slog.String("error", err.Error()))
	}
}

// Unsubscribe leaves the group's subscription; the current assignment is revoked.
func (c *Consumer) Unsubscribe() error {
	return c.call(c.eng.Unsubscribe)
}

// Subscription is the current list of subscribed topics.
func (c *Consumer) Subscription() ([]string, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	return c.eng.Subscription()
}

// Assign sets the partitions to consume, each from its Offset (a real offset,
// OffsetBeginning, OffsetEnd, OffsetStored for the committed offset, or OffsetTail(n)),
// replacing the current assignment. Outside a rebalance callback this is a manual
// assignment, without group management. Inside OnAssign it chooses the start offsets of
// the partitions the group assigned (eager protocol; use IncrementalAssign with the
// cooperative one).
func (c *Consumer) Assign(partitions []topicpartition.TopicPartition) error {
	if partitions == nil {
		partitions = []topicpartition.TopicPartition{} // nil would unassign
	}
	return c.assignment(partitions, func() error { return c.eng.Assign(partitions) })
}

// Unassign stops consuming every assigned partition.
func (c *Consumer) Unassign() error {
	return c.assignment(nil, func() error { return c.eng.Assign(nil) })
}

// IncrementalAssign adds partitions to the current assignment (cooperative protocol,
// or manual assignment).
func (c *Consumer) IncrementalAssign(partitions []topicpartition.TopicPartition) error {
	return c.assignment(partitions, func() error { return c.eng.IncrementalAssign(partitions) })
}

// IncrementalUnassign removes partitions from the current assignment.
func (c *Consumer) IncrementalUnassign(partitions []topicpartition.TopicPartition) error {
	return c.assignment(nil, func() error { return c.eng.IncrementalUnassign(partitions) })
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
			c.assignedIn.Store(true)
			return nil
		}
		c.checkAssignedTopics(added)
		held, err := c.eng.Assignment()
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
	return c.eng.Assignment()
}

// AssignmentLost reports, inside OnRevoke, whether the partitions were lost rather
// than revoked in an orderly way.
func (c *Consumer) AssignmentLost() bool {
	in := c.enter()
	if in == closed {
		return false
	}
	defer c.exit(in)
	return c.eng.AssignmentLost()
}

// RebalanceProtocol is "EAGER", "COOPERATIVE", or "NONE" before joining a group.
func (c *Consumer) RebalanceProtocol() string {
	in := c.enter()
	if in == closed {
		return "NONE"
	}
	defer c.exit(in)
	return c.eng.RebalanceProtocol()
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
	b, err := c.eng.GroupMetadata()
	if err != nil {
		return nil, err
	}
	return producer.ParseGroupMetadata(b)
}

// MemberID is the member id the group coordinator gave this consumer, "" before it
// joined a group (Python's memberid()).
func (c *Consumer) MemberID() string {
	in := c.enter()
	if in == closed {
		return ""
	}
	defer c.exit(in)
	return c.eng.MemberID()
}

// call runs an engine call on an open consumer.
func (c *Consumer) call(fn func() error) error {
	in := c.enter()
	if in == closed {
		return kafkaerror.ErrClosed
	}
	defer c.exit(in)
	return fn()
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
			ctx, cancel := context.WithTimeout(context.Background(), topicCheckTimeout)
			defer cancel()
			md, err := c.eng.Metadata(ctx, topic)
			if err != nil {
				return // unreachable broker: the engine reports that itself
			}
			tm := md.Topic(topic)
			if tm == nil || !errors.Is(tm.Err, kafkaerror.TopicAuthorizationFailed) {
				return
			}
			kerr := kafkaerror.Newf(kafkaerror.TopicAuthorizationFailed,
				"assigned topic %q: %s (no READ permission for this client)", topic, tm.Err.Error())
			c.mu.Lock()
			c.found = append(c.found, errtext.EventMessage(kerr, topic, topicpartition.PartitionAny, topicpartition.OffsetInvalid))
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
