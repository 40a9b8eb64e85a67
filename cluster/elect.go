package cluster

import (
	"context"
	"fmt"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// ElectionType chooses which replica ElectLeaders makes a partition's leader.
type ElectionType int

const (
	// ElectPreferred moves leadership back to the partition's preferred replica (the
	// first of Partition.Replicas) when it is in sync: how leadership is rebalanced
	// after a broker restart. Python's ElectionType.PREFERRED.
	ElectPreferred ElectionType = iota
	// ElectUnclean lets an out-of-sync replica lead a partition that has no leader at
	// all, accepting that the messages it lacks are lost. Python's
	// ElectionType.UNCLEAN.
	ElectUnclean
)

// String is the type's name as Python and the kafka-leader-election tool spell it.
func (e ElectionType) String() string {
	switch e {
	case ElectPreferred:
		return "PREFERRED"
	case ElectUnclean:
		return "UNCLEAN"
	}
	return fmt.Sprintf("ElectionType(%d)", int(e))
}

func (e ElectionType) engine() (ckafka.ElectionType, bool) {
	switch e {
	case ElectPreferred:
		return ckafka.ElectionTypePreferred, true
	case ElectUnclean:
		return ckafka.ElectionTypeUnclean, true
	}
	return 0, false
}

// ElectLeaders runs a leader election of the given type for the given partitions
// (Python's elect_leaders) and returns the partitions in the order given, each with
// its own Err: nil when the election moved leadership, ELECTION_NOT_NEEDED
// (kafkaerror.ElectionNotNeeded) when the partition already has the leader the
// election would choose, PREFERRED_LEADER_NOT_AVAILABLE or
// ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica qualifies, UNKNOWN_TOPIC_OR_PART for a
// partition the cluster does not have. Offset is OffsetInvalid throughout.
//
// With no partitions given, the election covers every partition of the cluster and
// the result lists only the partitions where leadership moved or that failed (sorted
// by topic and partition), as in Python, so an empty result means nothing needed
// moving. The returned error is for a failure of the whole call (a client without the
// ALTER permission on the cluster gets CLUSTER_AUTHORIZATION_FAILED there).
func (c *Client) ElectLeaders(ctx context.Context, election ElectionType, partitions ...topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	const op = "elect leaders"
	et, ok := election.engine()
	if !ok {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: unknown election type %d (use ElectPreferred or ElectUnclean)", op, int(election))
	}
	if err := validPartitions(op, partitions); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	var ask []ckafka.TopicPartition // nil: every partition
	if len(partitions) > 0 {
		ask = toCKTopicPartitions(partitions)
	}
	res, err := c.admin.ElectLeaders(k.ctx, ckafka.NewElectLeadersRequest(et, ask), k.adminTimeout(), k.operationTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	got := electionResults(election, res.TopicPartitions)
	if len(partitions) == 0 {
		sortPartitions(got)
		return got, nil
	}
	return inOrder(op, partitions, got), nil
}

// electionResults converts the engine's per-partition answers, each error naming its
// partition and the election.
func electionResults(election ElectionType, ck []ckafka.TopicPartition) []topicpartition.TopicPartition {
	out := make([]topicpartition.TopicPartition, 0, len(ck))
	for _, p := range ck {
		tp := topicpartition.Of(*p.Topic, p.Partition)
		// The engine reports a success as an error value with code NO_ERROR.
		if ce, ok := p.Error.(ckafka.Error); ok {
			if ce.Code() != ckafka.ErrNoError {
				tp.Err = partitionError(fmt.Sprintf("%s election of %s[%d]", election, tp.Topic, tp.Partition), ce)
			}
		} else if p.Error != nil {
			tp.Err = ckconv.Error(p.Error)
		}
		out = append(out, tp)
	}
	return out
}
