package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/internal/rdkafkalog"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// DeleteGroupOffsets deletes a consumer group's committed offsets for the given
// partitions, leaving its other offsets as they are (Kafka's OffsetDelete request;
// Java's Admin.deleteConsumerGroupOffsets and kafka-consumer-groups --delete-offsets;
// confluent-kafka-python has no such call). A consumer of the group that starts on
// such a partition afterwards starts at its auto.offset.reset position.
//
// It returns the partitions in the order given, each with its own Err:
// GROUP_SUBSCRIBED_TO_TOPIC while a member of the group is subscribed to the topic
// (the offsets of topics the group's members do not read can be deleted while they
// run), UNKNOWN_TOPIC_OR_PART for a partition the cluster does not have. A partition
// the group committed nothing for succeeds. The returned error is for the whole call:
// GROUP_ID_NOT_FOUND for a group that has no committed offsets at all, naming it.
//
// confluent-kafka-go 2.11.1, which carries the rest of this client, does not expose
// librdkafka's DeleteConsumerGroupOffsets: the first call makes a librdkafka instance
// of rdstreams' own engine beside it (with the same configuration, so one more set of
// broker connections), used until Close.
func (c *Client) DeleteGroupOffsets(ctx context.Context, group string, partitions ...topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	const op = "delete group offsets"
	if err := validGroups(op, []string{group}); err != nil {
		return nil, err
	}
	if len(partitions) == 0 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s of %q: no partitions given", op, group)
	}
	if err := validPartitions(op, partitions); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	own, err := c.ownEngine()
	if err != nil {
		return nil, err
	}
	got, err := own.DeleteGroupOffsets(k.ctx, group, partitions)
	if err = k.answer(err); err != nil {
		var kerr *kafkaerror.Error
		if errors.As(err, &kerr) && kerr.Code() > 0 {
			// The broker refused the group; librdkafka's text wraps the code's own in
			// "worker failed to parse response".
			return nil, errtext.WithText(kerr, fmt.Sprintf("%s of %q: %s", op, group, kerr.Code().Description()))
		}
		return nil, err
	}
	for i, tp := range got {
		var kerr *kafkaerror.Error
		if errors.As(tp.Err, &kerr) {
			got[i].Err = errtext.WithText(kerr, fmt.Sprintf("group %q, %s[%d]: %s", group, tp.Topic, tp.Partition, kerr.Str()))
		}
		got[i].Offset = topicpartition.OffsetInvalid
	}
	return inOrder(fmt.Sprintf("%s of %q", op, group), partitions, got), nil
}

// ownEngine is the client's own engine instance, made on first use.
func (c *Client) ownEngine() (*engine.Admin, error) {
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	if c.own != nil {
		return c.own, nil
	}
	props, err := clientconf.ConfigStrings(c.config, nil)
	if err != nil {
		return nil, err
	}
	own, err := engine.NewAdmin(props, rdkafkalog.Emitter(c.watched))
	if err != nil {
		return nil, clientconf.ConfigError(err, c.config)
	}
	c.own = own
	return own, nil
}
