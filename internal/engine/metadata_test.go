package engine_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// The metadata structs librdkafka.h reads librdkafka's answer through have librdkafka's
// layout, and the constants of the metadata and group-offset calls its values (the
// prototypes are checked by TestDeclarationsMatchLibrdkafka, which compiles the whole
// header against rdkafka.h).
func TestMetadataDeclarationsMatchLibrdkafka(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/confluentinc/confluent-kafka-go/v2").Output()
	require.NoError(t, err, "locating confluent-kafka-go in the module cache")
	vendor := filepath.Join(strings.TrimSpace(string(out)), "kafka", "librdkafka_vendor")
	own, err := filepath.Abs("librdkafka.h")
	require.NoError(t, err)
	src := filepath.Join(t.TempDir(), "metadata.c")
	require.NoError(t, os.WriteFile(src, []byte(`
#include "rdkafka.h"
#include "`+own+`"
#include <stddef.h>

#define SAME(a, b) _Static_assert((a) == (b), #a " == " #b)
#define FIELD(mine, theirs, f) SAME(offsetof(struct mine, f), offsetof(theirs, f))
SAME(RDS_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TRANSPORT);
SAME(RDS_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT);
SAME(RDS_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
SAME(RDS_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT, RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT);
SAME(sizeof(unsigned int), sizeof(rd_kafka_admin_op_t));
SAME(sizeof(struct rds_metadata_broker), sizeof(rd_kafka_metadata_broker_t));
FIELD(rds_metadata_broker, rd_kafka_metadata_broker_t, id);
FIELD(rds_metadata_broker, rd_kafka_metadata_broker_t, host);
FIELD(rds_metadata_broker, rd_kafka_metadata_broker_t, port);
SAME(sizeof(struct rds_metadata_partition), sizeof(rd_kafka_metadata_partition_t));
FIELD(rds_metadata_partition, rd_kafka_metadata_partition_t, id);
FIELD(rds_metadata_partition, rd_kafka_metadata_partition_t, err);
FIELD(rds_metadata_partition, rd_kafka_metadata_partition_t, leader);
FIELD(rds_metadata_partition, rd_kafka_metadata_partition_t, replica_cnt);
FIELD(rds_metadata_partition, rd_kafka_metadata_partition_t, replicas);
FIELD(rds_metadata_partition, rd_kafka_metadata_partition_t, isr_cnt);
FIELD(rds_metadata_partition, rd_kafka_metadata_partition_t, isrs);
SAME(sizeof(struct rds_metadata_topic), sizeof(rd_kafka_metadata_topic_t));
FIELD(rds_metadata_topic, rd_kafka_metadata_topic_t, topic);
FIELD(rds_metadata_topic, rd_kafka_metadata_topic_t, partition_cnt);
FIELD(rds_metadata_topic, rd_kafka_metadata_topic_t, partitions);
FIELD(rds_metadata_topic, rd_kafka_metadata_topic_t, err);
SAME(sizeof(struct rds_metadata), sizeof(rd_kafka_metadata_t));
FIELD(rds_metadata, rd_kafka_metadata_t, broker_cnt);
FIELD(rds_metadata, rd_kafka_metadata_t, brokers);
FIELD(rds_metadata, rd_kafka_metadata_t, topic_cnt);
FIELD(rds_metadata, rd_kafka_metadata_t, topics);
FIELD(rds_metadata, rd_kafka_metadata_t, orig_broker_id);
FIELD(rds_metadata, rd_kafka_metadata_t, orig_broker_name);
`), 0o600))
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	cmd := exec.Command(cc, "-std=gnu11", "-Wall", "-Werror", "-fsyntax-only", "-I", vendor, src)
	msg, err := cmd.CombinedOutput()
	require.NoErrorf(t, err, "%s:\n%s", strings.Join(cmd.Args, " "), msg)
}

// The engine's metadata lists the broker and a topic with its partitions; one topic
// asked for alone comes with its own error when the cluster lacks it; a producer whose
// only broker cannot be reached gives up at ctx's deadline.
func TestMetadata(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	p, _ := newProducer(t, map[string]string{"allow.auto.create.topics": "false"})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	md, err := p.Metadata(ctx, "")
	require.NoError(t, err)
	require.Len(t, md.Brokers, 1)
	assert.Equal(t, testkafka.Bootstrap(t), md.Brokers[0].Addr())
	assert.EqualValues(t, md.Brokers[0].ID, md.ControllerID)
	assert.NotEmpty(t, md.ClusterID)
	assert.Contains(t, []int32{-1, md.Brokers[0].ID}, md.OrigBrokerID) // -1: over the bootstrap connection
	assert.Contains(t, md.OrigBrokerName, testkafka.Bootstrap(t))
	tm := md.Topic(topic)
	require.NotNil(t, tm)
	require.NoError(t, tm.Err)
	require.Len(t, tm.Partitions, 3)
	for i, part := range tm.Partitions {
		assert.EqualValues(t, i, part.ID)
		assert.Equal(t, md.Brokers[0].ID, part.Leader)
		assert.Equal(t, []int32{part.Leader}, part.Replicas)
		assert.Equal(t, []int32{part.Leader}, part.ISR)
		assert.NoError(t, part.Err)
	}
	assert.False(t, tm.Internal)
	for _, other := range md.Topics { // __consumer_offsets is there once any group has committed
		assert.Equal(t, other.Name == "__consumer_offsets" || other.Name == "__transaction_state", other.Internal, other.Name)
	}

	one, err := p.Metadata(ctx, topic)
	require.NoError(t, err)
	require.Len(t, one.Topics, 1)
	assert.Equal(t, tm, &one.Topics[0])

	missing := testkafka.UniqueName("no-such-topic")
	none, err := p.Metadata(ctx, missing)
	require.NoError(t, err)
	require.Len(t, none.Topics, 1)
	assert.ErrorIs(t, none.Topics[0].Err, kafkaerror.UnknownTopicOrPart)

	down, _ := newProducer(t, map[string]string{"bootstrap.servers": testkafka.ClosedPort(t), "log_level": "0"})
	defer down.Close()
	short, cancelShort := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancelShort()
	start := time.Now()
	_, err = down.Metadata(short, "")
	took := time.Since(start)
	require.Error(t, err)
	assert.True(t, errors.Is(err, kafkaerror.Transport) || errors.Is(err, kafkaerror.TimedOut), "got %v", err)
	assert.Less(t, took, 3*time.Second)
	assert.GreaterOrEqual(t, took, 1400*time.Millisecond)
	t.Log("unreachable:", err, "after", took)
}
