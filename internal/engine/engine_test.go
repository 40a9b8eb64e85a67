package engine_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/engine"
)

// The library linked is the one whose API librdkafka.h declares.
func TestLibraryVersion(t *testing.T) {
	n, s := engine.Version()
	assert.Equalf(t, engine.DeclaredVersion, n, "linked librdkafka %s (%#x); librdkafka.h declares %#x: check every declaration against the new header, then update DeclaredVersion",
		s, n, engine.DeclaredVersion)
	assert.Equal(t, "2.11.1", s)
}

// librdkafka.h compiles together with the real rdkafka.h and rdkafka_mock.h of the
// librdkafka that is linked: a prototype or constant that disagrees with them is a
// compile error here.
func TestDeclarationsMatchLibrdkafka(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/confluentinc/confluent-kafka-go/v2").Output()
	require.NoError(t, err, "locating confluent-kafka-go in the module cache")
	vendor := filepath.Join(strings.TrimSpace(string(out)), "kafka", "librdkafka_vendor")
	own, err := filepath.Abs("librdkafka.h")
	require.NoError(t, err)

	src := filepath.Join(t.TempDir(), "check.c")
	require.NoError(t, os.WriteFile(src, []byte(`
#include "rdkafka.h"
#include "rdkafka_mock.h"
#include "`+own+`"

#include <stddef.h>

/* The constants librdkafka.h defines for librdkafka's enumerations and macros. */
#define SAME(a, b) _Static_assert((a) == (b), #a " == " #b)
SAME(RDS_PRODUCER, RD_KAFKA_PRODUCER);
SAME(RDS_CONSUMER, RD_KAFKA_CONSUMER);
SAME(RDS_CONF_OK, RD_KAFKA_CONF_OK);
SAME(sizeof(int), sizeof(rd_kafka_resp_err_t));
SAME(RDS_EVENT_NONE, RD_KAFKA_EVENT_NONE);
SAME(RDS_EVENT_DR, RD_KAFKA_EVENT_DR);
SAME(RDS_EVENT_LOG, RD_KAFKA_EVENT_LOG);
SAME(RDS_EVENT_ERROR, RD_KAFKA_EVENT_ERROR);
SAME(RDS_EVENT_STATS, RD_KAFKA_EVENT_STATS);
SAME(RDS_EVENT_FETCH, RD_KAFKA_EVENT_FETCH);
SAME(RDS_EVENT_REBALANCE, RD_KAFKA_EVENT_REBALANCE);
SAME(RDS_EVENT_OFFSET_COMMIT, RD_KAFKA_EVENT_OFFSET_COMMIT);
SAME(RDS_EVENT_OAUTHBEARER_TOKEN_REFRESH, RD_KAFKA_EVENT_OAUTHBEARER_TOKEN_REFRESH);
SAME(RDS_ERR__PARTITION_EOF, RD_KAFKA_RESP_ERR__PARTITION_EOF);
SAME(RDS_ERR__ASSIGN_PARTITIONS, RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS);
SAME(RDS_ERR__REVOKE_PARTITIONS, RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS);
SAME(RDS_DESTROY_F_NO_CONSUMER_CLOSE, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
SAME(RDS_VTYPE_END, RD_KAFKA_VTYPE_END);
SAME(RDS_VTYPE_RKT, RD_KAFKA_VTYPE_RKT);
SAME(RDS_VTYPE_PARTITION, RD_KAFKA_VTYPE_PARTITION);
SAME(RDS_VTYPE_VALUE, RD_KAFKA_VTYPE_VALUE);
SAME(RDS_VTYPE_KEY, RD_KAFKA_VTYPE_KEY);
SAME(RDS_VTYPE_OPAQUE, RD_KAFKA_VTYPE_OPAQUE);
SAME(RDS_VTYPE_MSGFLAGS, RD_KAFKA_VTYPE_MSGFLAGS);
SAME(RDS_VTYPE_TIMESTAMP, RD_KAFKA_VTYPE_TIMESTAMP);
SAME(RDS_VTYPE_HEADERS, RD_KAFKA_VTYPE_HEADERS);
SAME(RDS_MSG_F_COPY, RD_KAFKA_MSG_F_COPY);
SAME(RDS_PURGE_F_QUEUE, RD_KAFKA_PURGE_F_QUEUE);
SAME(RDS_PURGE_F_INFLIGHT, RD_KAFKA_PURGE_F_INFLIGHT);
SAME(RDS_PURGE_F_NON_BLOCKING, RD_KAFKA_PURGE_F_NON_BLOCKING);
SAME(RDS_PARTITION_UA, RD_KAFKA_PARTITION_UA);
SAME(RDS_TIMESTAMP_NOT_AVAILABLE, RD_KAFKA_TIMESTAMP_NOT_AVAILABLE);
SAME(RDS_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_NO_ERROR);
SAME(RDS_ERR__FATAL, RD_KAFKA_RESP_ERR__FATAL);

/* The layouts librdkafka.h reads librdkafka's public structs through. */
#define FIELD(mine, theirs, f) SAME(offsetof(struct mine, f), offsetof(theirs, f))
SAME(sizeof(struct rds_message), sizeof(rd_kafka_message_t));
FIELD(rds_message, rd_kafka_message_t, err);
FIELD(rds_message, rd_kafka_message_t, rkt);
FIELD(rds_message, rd_kafka_message_t, partition);
FIELD(rds_message, rd_kafka_message_t, payload);
FIELD(rds_message, rd_kafka_message_t, len);
FIELD(rds_message, rd_kafka_message_t, key);
FIELD(rds_message, rd_kafka_message_t, key_len);
FIELD(rds_message, rd_kafka_message_t, offset);
FIELD(rds_message, rd_kafka_message_t, _private);
SAME(sizeof(struct rds_topic_partition), sizeof(rd_kafka_topic_partition_t));
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, topic);
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, partition);
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, offset);
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, metadata);
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, metadata_size);
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, opaque);
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, err);
FIELD(rds_topic_partition, rd_kafka_topic_partition_t, _private);
SAME(sizeof(struct rds_tp_list), sizeof(rd_kafka_topic_partition_list_t));
FIELD(rds_tp_list, rd_kafka_topic_partition_list_t, cnt);
FIELD(rds_tp_list, rd_kafka_topic_partition_list_t, size);
FIELD(rds_tp_list, rd_kafka_topic_partition_list_t, elems);

/* Metadata and admin results. */
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
