package cluster

import (
	"context"
	"errors"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// TopicSpec describes a topic to create.
type TopicSpec struct {
	Name string
	// Partitions is the number of partitions, at least 1.
	Partitions int
	// ReplicationFactor is the number of copies of each partition; 0 means the
	// broker's default.replication.factor.
	ReplicationFactor int
	// Configs are topic-level properties (retention.ms, cleanup.policy, …); those not
	// given take the broker's defaults.
	Configs map[string]string
}

// maxTopicName is Kafka's limit on a topic name's length.
const maxTopicName = 249

// validTopicName refuses, before asking the broker, a name Kafka would refuse
// (Kafka's Topic.validate: 1 to 249 of [a-zA-Z0-9._-], not "." or "..").
func validTopicName(name string) error {
	switch {
	case name == "":
		return kafkaerror.Newf(kafkaerror.InvalidArg, "invalid topic name: the name is empty")
	case name == "." || name == "..":
		return kafkaerror.Newf(kafkaerror.InvalidArg, "invalid topic name %q: %q is not allowed", name, name)
	case len(name) > maxTopicName:
		return kafkaerror.Newf(kafkaerror.InvalidArg, "invalid topic name %q: %d characters, at most %d are allowed",
			name, len(name), maxTopicName)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return kafkaerror.Newf(kafkaerror.InvalidArg,
				"invalid topic name %q: character %q is not allowed (only ASCII letters, digits, '.', '_' and '-')", name, r)
		}
	}
	return nil
}

// validNames checks a list of topic names: each valid, none twice.
func validNames(names []string) error {
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		if err := validTopicName(name); err != nil {
			return err
		}
		if seen[name] {
			return kafkaerror.Newf(kafkaerror.InvalidArg, "topic %q is named twice", name)
		}
		seen[name] = true
	}
	return nil
}

func validSpec(s TopicSpec) error {
	if s.Partitions < 1 {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "topic %q: %d partitions: a topic needs at least 1", s.Name, s.Partitions)
	}
	if s.ReplicationFactor < 0 {
		return kafkaerror.Newf(kafkaerror.InvalidArg,
			"topic %q: replication factor %d: use at least 1, or 0 for the broker's default", s.Name, s.ReplicationFactor)
	}
	for k := range s.Configs {
		if k == "" {
			return kafkaerror.Newf(kafkaerror.InvalidArg, "topic %q: a config property with an empty name", s.Name)
		}
	}
	return nil
}

// CreateTopics creates topics and returns once the broker serves them: every
// partition has a leader, so producing to them works at once.
//
// Invalid specs (no name, a name Kafka refuses, fewer than 1 partition, a negative
// replication factor, a name given twice) are kafkaerror.InvalidArg errors, and
// nothing is created. The broker's refusals are per topic: the other topics are still
// created. A topic that exists already is an error with code
// kafkaerror.TopicAlreadyExists; an invalid config, kafkaerror.InvalidConfig.
func (c *Client) CreateTopics(ctx context.Context, specs ...TopicSpec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	if err := validNames(names); err != nil {
		return err
	}
	for _, s := range specs {
		if err := validSpec(s); err != nil {
			return err
		}
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return err
	}
	defer k.end()
	if len(specs) == 0 {
		return nil // the engine would index an empty list
	}
	ck := make([]ckafka.TopicSpecification, len(specs))
	want := make(map[string]int, len(specs))
	for i, s := range specs {
		ck[i] = ckafka.TopicSpecification{
			Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor, Config: s.Configs,
		}
		if s.ReplicationFactor == 0 {
			ck[i].ReplicationFactor = -1 // librdkafka's "broker default"
		}
		want[s.Name] = s.Partitions
	}
	res, err := c.admin.CreateTopics(k.ctx, ck, k.operationTimeout(), k.adminTimeout())
	if err = k.answer(err); err != nil {
		return err
	}
	created, failed := splitResults(res)
	if err := c.waitTopics(k, created, "created", servedWith(want)); err != nil {
		failed = append(failed, err)
	}
	return joinErrors(failed)
}

// DeleteTopics deletes topics and returns once the broker no longer knows them. A
// topic that does not exist is an error with code kafkaerror.UnknownTopicOrPart; the
// other topics are still deleted.
func (c *Client) DeleteTopics(ctx context.Context, names ...string) error {
	if err := validNames(names); err != nil {
		return err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return err
	}
	defer k.end()
	if len(names) == 0 {
		return nil
	}
	res, err := c.admin.DeleteTopics(k.ctx, names, k.operationTimeout(), k.adminTimeout())
	if err = k.answer(err); err != nil {
		return err
	}
	deleted, failed := splitResults(res)
	if err := c.waitTopics(k, deleted, "deleted", func(d ckafka.TopicDescription) bool {
		return d.Error.Code() == ckafka.ErrUnknownTopicOrPart
	}); err != nil {
		failed = append(failed, err)
	}
	return joinErrors(failed)
}

// TopicConfig returns a topic's configuration as the broker applies it: every topic
// property, whether set for the topic or inherited from the broker's defaults.
// Sensitive properties, whose values the broker does not disclose, are left out.
func (c *Client) TopicConfig(ctx context.Context, topic string) (map[string]string, error) {
	if err := validTopicName(topic); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	res, err := c.admin.DescribeConfigs(k.ctx,
		[]ckafka.ConfigResource{{Type: ckafka.ResourceTopic, Name: topic}}, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "describe configs of topic %q: %d results for one topic", topic, len(res))
	}
	if res[0].Error.Code() != ckafka.ErrNoError {
		return nil, topicError(topic, res[0].Error)
	}
	out := make(map[string]string, len(res[0].Config))
	for name, e := range res[0].Config {
		if !e.IsSensitive {
			out[name] = e.Value
		}
	}
	return out, nil
}

// operationTimeout lets the broker take the call's remaining time to carry a topic
// creation or deletion out on the controller before it answers.
func (k *call) operationTimeout() ckafka.AdminOptionOperationTimeout {
	deadline, _ := k.ctx.Deadline()
	return ckafka.SetAdminOperationTimeout(max(time.Millisecond, time.Until(deadline)))
}

// splitResults separates the topics the broker accepted from its per-topic refusals.
func splitResults(res []ckafka.TopicResult) (ok []string, failed []error) {
	for _, r := range res {
		if r.Error.Code() == ckafka.ErrNoError {
			ok = append(ok, r.Topic)
		} else {
			failed = append(failed, topicError(r.Topic, r.Error))
		}
	}
	return ok, failed
}

// joinErrors is nil for none, the error itself for one (a *kafkaerror.Error stays
// one), their join for more.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// pollInterval is how often a wait asks the broker again: topic metadata reaches the
// brokers with no event a client could wait on.
const pollInterval = 50 * time.Millisecond

// servedWith is waitTopics' test that a topic has the partition count want names for
// it, each with a leader.
func servedWith(want map[string]int) func(ckafka.TopicDescription) bool {
	return func(d ckafka.TopicDescription) bool {
		if d.Error.Code() != ckafka.ErrNoError || len(d.Partitions) != want[d.Name] {
			return false
		}
		for _, p := range d.Partitions {
			if p.Leader == nil {
				return false
			}
		}
		return true
	}
}

// waitTopics asks the broker about names until done holds for each of them, or the
// call's context ends.
func (c *Client) waitTopics(k *call, names []string, what string, done func(ckafka.TopicDescription) bool) error {
	if len(names) == 0 {
		return nil
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	pending := names
	for {
		select {
		case <-k.ctx.Done():
			if err := k.err(k.ctx.Err()); err == kafkaerror.ErrClosed {
				return err
			}
			return kafkaerror.Newf(kafkaerror.TimedOut,
				"topics %q were %s, but the broker did not show it before the call's context ended: %v", pending, what, k.ctx.Err())
		case <-timer.C:
		}
		descs, err := c.describeTopics(k, names)
		if err != nil && k.ctx.Err() == nil {
			return err
		}
		if err == nil {
			pending = nil
			for _, d := range descs {
				if !done(d) {
					pending = append(pending, d.Name)
				}
			}
			if len(pending) == 0 {
				return nil
			}
		}
		timer.Reset(pollInterval)
	}
}
