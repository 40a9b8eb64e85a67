package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/metadata"
)

// Metadata is a snapshot of the cluster: its brokers and every topic with its
// partitions. It is metadata.Cluster, which the producer's ListTopics returns too.
type Metadata = metadata.Cluster

// Broker is one broker of the cluster, as it advertises itself (metadata.Broker).
type Broker = metadata.Broker

// Topic describes a topic and its partitions (metadata.Topic).
type Topic = metadata.Topic

// Partition describes one partition of a topic: which brokers hold it
// (metadata.Partition).
type Partition = metadata.Partition

// Metadata returns the cluster's brokers and all its topics, internal ones included.
// A topic being deleted may be left out.
func (c *Client) Metadata(ctx context.Context) (*Metadata, error) {
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	// Cluster id and controller come with DescribeCluster; the metadata request answers
	// the rest in one round trip (the engine cannot list topics otherwise).
	cd, err := c.admin.DescribeCluster(k.ctx, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	md, err := c.admin.GetMetadata(nil, true, k.timeoutMs())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	out := &Metadata{ControllerID: -1, Brokers: make([]Broker, 0, len(md.Brokers)), Topics: make([]Topic, 0, len(md.Topics)),
		OrigBrokerID: md.OriginatingBroker.ID, OrigBrokerName: md.OriginatingBroker.Host}
	if cd.ClusterID != nil {
		out.ClusterID = *cd.ClusterID
	}
	if cd.Controller != nil {
		out.ControllerID = int32(cd.Controller.ID)
	}
	for _, b := range md.Brokers {
		out.Brokers = append(out.Brokers, Broker{ID: b.ID, Host: b.Host, Port: b.Port})
	}
	for name, tm := range md.Topics {
		if tm.Error.Code() == ckafka.ErrUnknownTopicOrPart {
			continue // deleted while the broker answered
		}
		t := Topic{Name: name, Internal: metadata.InternalTopic(name), Partitions: make([]Partition, 0, len(tm.Partitions))}
		if tm.Error.Code() != ckafka.ErrNoError {
			t.Err = topicError(name, tm.Error)
		}
		for _, p := range tm.Partitions {
			part := Partition{ID: p.ID, Leader: p.Leader, Replicas: slices.Clone(p.Replicas), ISR: slices.Clone(p.Isrs)}
			if p.Error.Code() != ckafka.ErrNoError {
				part.Err = partitionError(fmt.Sprintf("%s[%d]", name, p.ID), p.Error)
			}
			t.Partitions = append(t.Partitions, part)
		}
		out.Topics = append(out.Topics, t)
	}
	out.Sort()
	return out, nil
}

// TopicMetadata describes one topic. A topic that does not exist is an error with code
// kafkaerror.UnknownTopicOrPart; asking never creates it, whatever the broker's
// auto.create.topics.enable.
func (c *Client) TopicMetadata(ctx context.Context, topic string) (*Topic, error) {
	if err := validTopicName(topic); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	descs, err := c.describeTopics(k, []string{topic})
	if err != nil {
		return nil, err
	}
	d := descs[0]
	if d.Error.Code() != ckafka.ErrNoError {
		return nil, topicError(d.Name, d.Error)
	}
	t := &Topic{Name: d.Name, Internal: metadata.InternalTopic(d.Name), Partitions: make([]Partition, 0, len(d.Partitions))}
	for _, p := range d.Partitions {
		part := Partition{ID: int32(p.Partition), Leader: -1, Replicas: nodeIDs(p.Replicas), ISR: nodeIDs(p.Isr)}
		if p.Leader != nil {
			part.Leader = int32(p.Leader.ID)
		}
		t.Partitions = append(t.Partitions, part)
	}
	t.SortPartitions()
	return t, nil
}

// describeTopics describes the named topics (a request that never creates a topic),
// one description per name, in order; each may carry its own error.
func (c *Client) describeTopics(k *call, names []string) ([]ckafka.TopicDescription, error) {
	res, err := c.admin.DescribeTopics(k.ctx, ckafka.NewTopicCollectionOfTopicNames(names), k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	byName := make(map[string]ckafka.TopicDescription, len(res.TopicDescriptions))
	for _, d := range res.TopicDescriptions {
		byName[d.Name] = d
	}
	out := make([]ckafka.TopicDescription, len(names))
	for i, name := range names {
		d, ok := byName[name]
		if !ok {
			return nil, kafkaerror.Newf(kafkaerror.Fail, "describe topics: the broker's answer left out topic %q", name)
		}
		out[i] = d
	}
	return out, nil
}

func nodeIDs(nodes []ckafka.Node) []int32 {
	ids := make([]int32, len(nodes))
	for i, n := range nodes {
		ids[i] = int32(n.ID)
	}
	return ids
}

// topicError converts an engine error about one topic, naming the topic in its text.
func topicError(topic string, e ckafka.Error) *kafkaerror.Error { return aboutError("topic", topic, e) }

// aboutError converts an engine error about one topic or group, naming it in the text
// unless the text already does.
func aboutError(kind, name string, e ckafka.Error) *kafkaerror.Error {
	kerr := ckconv.FromCK(e)
	if strings.Contains(kerr.Str(), name) {
		return kerr
	}
	return errtext.WithText(kerr, fmt.Sprintf("%s %q: %s", kind, name, kerr.Str()))
}
