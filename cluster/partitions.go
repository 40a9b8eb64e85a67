package cluster

import (
	"context"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// PartitionsSpec asks CreatePartitions to grow a topic to Total partitions.
type PartitionsSpec struct {
	Topic string
	// Total is the number of partitions the topic is to have, more than it has now.
	Total int
}

// CreatePartitions adds partitions to topics (Python's create_partitions) and returns
// one result per topic, in the order given, once the broker serves the new partitions
// (each has a leader). A topic fails alone: one that does not exist with
// UNKNOWN_TOPIC_OR_PART, a Total not above today's count with INVALID_PARTITIONS. The
// returned error is for a failure of the whole call, including new partitions the
// broker did not show before ctx ended.
func (c *Client) CreatePartitions(ctx context.Context, specs ...PartitionsSpec) (ItemResults, error) {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Topic
		if s.Total < 1 {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "create partitions: topic %q: %d partitions: a topic needs at least 1", s.Topic, s.Total)
		}
	}
	if err := validNames(names); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	out := make(ItemResults, len(specs))
	if len(specs) == 0 {
		return out, nil
	}
	ck := make([]ckafka.PartitionsSpecification, len(specs))
	want := make(map[string]int, len(specs))
	for i, s := range specs {
		ck[i] = ckafka.PartitionsSpecification{Topic: s.Topic, IncreaseTo: s.Total}
		want[s.Topic] = s.Total
	}
	res, err := c.admin.CreatePartitions(k.ctx, ck, k.operationTimeout(), k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	byName := make(map[string]ckafka.Error, len(res))
	for _, r := range res {
		byName[r.Topic] = r.Error
	}
	var grown []string
	for i, name := range names {
		out[i].Name = name
		e, ok := byName[name]
		switch {
		case !ok:
			out[i].Err = kafkaerror.Newf(kafkaerror.Fail, "create partitions: topic %q left out of the broker's answer", name)
		case e.Code() != ckafka.ErrNoError:
			out[i].Err = topicError(name, e)
		default:
			grown = append(grown, name)
		}
	}
	err = c.waitTopics(k, grown, "given new partitions", servedWith(want))
	return out, err
}
