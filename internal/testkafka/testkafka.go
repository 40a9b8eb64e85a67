package testkafka

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/message"
)

// NoBroker explains how to give the tests a broker.
const NoBroker = "no Kafka broker: KAFKA_BOOTSTRAP is not set. Run the tests with `make test` " +
	"(it starts a real Kafka broker), or start one with `make kafka-up` and " +
	"`eval \"$(broker/kafka.sh env)\"`, or point KAFKA_BOOTSTRAP at a broker of yours"

// Bootstrap is the broker address from KAFKA_BOOTSTRAP; the test fails when unset.
func Bootstrap(t testing.TB) string {
	t.Helper()
	b := os.Getenv("KAFKA_BOOTSTRAP")
	if b == "" {
		t.Fatal(NoBroker)
	}
	return b
}

// Env is an environment variable the broker harness sets; the test fails when unset.
func Env(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set. %s", name, NoBroker)
	}
	return v
}

// UniqueName is prefix plus random hex: topics and groups of one test never meet another's.
func UniqueName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Topic creates a fresh topic with the given partitions and topic configs, waits until
// the broker serves its metadata, and deletes it when the test ends.
func Topic(t testing.TB, partitions int, configs map[string]string) string {
	t.Helper()
	bootstrap := Bootstrap(t)
	name := UniqueName(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := CreateTopic(ctx, bootstrap, name, partitions, configs); err != nil {
		t.Fatalf("creating topic %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = DeleteTopic(ctx, bootstrap, name)
	})
	return name
}

func admin(bootstrap string) (*ckafka.AdminClient, error) {
	return ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": bootstrap, "log_level": 3})
}

// CreateTopic creates a topic (replication factor 1) and waits until its metadata shows
// every partition with a leader.
func CreateTopic(ctx context.Context, bootstrap, name string, partitions int, configs map[string]string) error {
	return createTopic(ctx, bootstrap, name, partitions, 1, configs)
}

func createTopic(ctx context.Context, bootstrap, name string, partitions, replicas int, configs map[string]string) error {
	a, err := admin(bootstrap)
	if err != nil {
		return ckconv.Error(err)
	}
	defer a.Close()
	res, err := a.CreateTopics(ctx, []ckafka.TopicSpecification{{
		Topic: name, NumPartitions: partitions, ReplicationFactor: replicas, Config: configs,
	}})
	if err != nil {
		return ckconv.Error(err)
	}
	for _, r := range res {
		if r.Error.Code() != ckafka.ErrNoError {
			return ckconv.Error(r.Error)
		}
	}
	for {
		md, err := a.GetMetadata(&name, false, 5000)
		if err == nil {
			if tm, ok := md.Topics[name]; ok && tm.Error.Code() == ckafka.ErrNoError && len(tm.Partitions) == partitions && allLed(tm) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s not ready: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond): // metadata propagation has no event to wait on
		}
	}
}

func allLed(tm ckafka.TopicMetadata) bool {
	for _, p := range tm.Partitions {
		if p.Leader < 0 || p.Error.Code() != ckafka.ErrNoError {
			return false
		}
	}
	return true
}

// DeleteTopic deletes a topic.
func DeleteTopic(ctx context.Context, bootstrap, name string) error {
	a, err := admin(bootstrap)
	if err != nil {
		return ckconv.Error(err)
	}
	defer a.Close()
	_, err = a.DeleteTopics(ctx, []string{name})
	return ckconv.Error(err)
}

// ReadAll reads every message of topic from the beginning until it has n of them or ctx
// is done, without a consumer group, and returns them in the order read (per partition
// in offset order). It uses the engine directly so that producer tests do not depend on
// rdstreams' own consumer.
func ReadAll(ctx context.Context, bootstrap, topic string, n int) ([]*message.Message, error) {
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{
		"bootstrap.servers":  bootstrap,
		"group.id":           UniqueName("readall"),
		"enable.auto.commit": false,
		"log_level":          3,
	})
	if err != nil {
		return nil, ckconv.Error(err)
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		return nil, ckconv.Error(err)
	}
	tm := md.Topics[topic]
	var parts []ckafka.TopicPartition
	for _, p := range tm.Partitions {
		parts = append(parts, ckafka.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ckafka.OffsetBeginning})
	}
	if err := c.Assign(parts); err != nil {
		return nil, ckconv.Error(err)
	}
	var out []*message.Message
	for len(out) < n {
		if ctx.Err() != nil {
			return out, fmt.Errorf("read %d of %d messages from %s: %w", len(out), n, topic, ctx.Err())
		}
		ev := c.Poll(100)
		switch e := ev.(type) {
		case *ckafka.Message:
			if e.TopicPartition.Error != nil {
				return out, ckconv.Error(e.TopicPartition.Error)
			}
			out = append(out, ckconv.Message(e))
		case ckafka.Error:
			if e.IsFatal() {
				return out, ckconv.FromCK(e)
			}
		}
	}
	return out, nil
}

// DeleteRecordsBefore deletes the records of a partition below offset, moving its low
// watermark there.
func DeleteRecordsBefore(ctx context.Context, bootstrap, topic string, partition int32, offset int64) error {
	a, err := admin(bootstrap)
	if err != nil {
		return ckconv.Error(err)
	}
	defer a.Close()
	res, err := a.DeleteRecords(ctx, []ckafka.TopicPartition{{Topic: &topic, Partition: partition, Offset: ckafka.Offset(offset)}})
	if err != nil {
		return ckconv.Error(err)
	}
	for _, r := range res.DeleteRecordsResults {
		if r.TopicPartition.Error != nil {
			return ckconv.Error(r.TopicPartition.Error)
		}
	}
	return nil
}

// WaitForMessages waits until the partitions of topic hold n messages in all (the sum of
// their high watermarks, from offset 0), or ctx is done. Tests use it to know that
// produced messages are on the broker without serving a single delivery report.
func WaitForMessages(ctx context.Context, bootstrap, topic string, n int64) error {
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{
		"bootstrap.servers": bootstrap,
		"group.id":          UniqueName("waitfor"),
		"log_level":         3,
	})
	if err != nil {
		return ckconv.Error(err)
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		return ckconv.Error(err)
	}
	var total int64
	for {
		total = 0
		for _, p := range md.Topics[topic].Partitions {
			_, high, err := c.QueryWatermarkOffsets(topic, p.ID, 5000)
			if err != nil {
				return ckconv.Error(err)
			}
			total += high
		}
		if total >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s holds %d of %d messages: %w", topic, total, n, ctx.Err())
		case <-time.After(50 * time.Millisecond): // the broker has no event to wait on
		}
	}
}
