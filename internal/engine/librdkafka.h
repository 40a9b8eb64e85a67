/*
 * rdstreams' own declarations of the parts of librdkafka's C API that it calls.
 *
 * They are written here, not taken from librdkafka's header: the static library itself
 * reaches the link through confluent-kafka-go (see doc.go). Each declaration states what
 * librdkafka 2.11.1 exports, and TestDeclarationsMatchLibrdkafka compiles this file
 * together with the real header from the module cache, so a declaration that disagrees
 * is a compile error there.
 *
 * librdkafka's enumerated types are passed as the integer type GCC and Clang give them:
 * int for an enumeration with a negative member (error codes, configuration results),
 * unsigned int for one without (the client type, the timestamp type). The event type
 * is an int in librdkafka itself.
 */
#ifndef RDSTREAMS_ENGINE_LIBRDKAFKA_H
#define RDSTREAMS_ENGINE_LIBRDKAFKA_H

#include <stddef.h>

#include <stdint.h>
#include <sys/types.h>

/* Opaque handles. */
typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;
typedef struct rd_kafka_topic_conf_s rd_kafka_topic_conf_t;
typedef struct rd_kafka_queue_s rd_kafka_queue_t;
typedef struct rd_kafka_op_s rd_kafka_event_t;
typedef struct rd_kafka_message_s rd_kafka_message_t;
typedef struct rd_kafka_headers_s rd_kafka_headers_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;
typedef struct rd_kafka_topic_partition_s rd_kafka_topic_partition_t;
typedef struct rd_kafka_topic_partition_list_s rd_kafka_topic_partition_list_t;
typedef struct rd_kafka_consumer_group_metadata_s rd_kafka_consumer_group_metadata_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

/*
 * The public fields of rd_kafka_message_t and rd_kafka_topic_partition_t, under tags of
 * rdstreams' own: a pointer to librdkafka's type is read through a pointer to these.
 * TestDeclarationsMatchLibrdkafka checks every offset and the sizes.
 */
struct rds_message {
        int err;
        rd_kafka_topic_t *rkt;
        int32_t partition;
        void *payload;
        size_t len;
        void *key;
        size_t key_len;
        int64_t offset;
        void *_private;
};

struct rds_topic_partition {
        char *topic;
        int32_t partition;
        int64_t offset;
        void *metadata;
        size_t metadata_size;
        void *opaque;
        int err;
        void *_private;
};

/* The public fields of rd_kafka_topic_partition_list_t. */
struct rds_tp_list {
        int cnt;
        int size;
        rd_kafka_topic_partition_t *elems;
};

/* Values of rd_kafka_type_t. */
#define RDS_PRODUCER 0u
#define RDS_CONSUMER 1u

/* The value of rd_kafka_conf_res_t meaning success. */
#define RDS_CONF_OK 0

/* Event types (rd_kafka_event_type_t), also the bits of rd_kafka_conf_set_events. */
#define RDS_EVENT_NONE 0x0
#define RDS_EVENT_DR 0x1
#define RDS_EVENT_FETCH 0x2
#define RDS_EVENT_LOG 0x4
#define RDS_EVENT_ERROR 0x8
#define RDS_EVENT_REBALANCE 0x10
#define RDS_EVENT_OFFSET_COMMIT 0x20
#define RDS_EVENT_STATS 0x40
#define RDS_EVENT_OAUTHBEARER_TOKEN_REFRESH 0x100

/* Argument types of rd_kafka_producev (rd_kafka_vtype_t). */
#define RDS_VTYPE_END 0
#define RDS_VTYPE_RKT 2
#define RDS_VTYPE_PARTITION 3
#define RDS_VTYPE_VALUE 4
#define RDS_VTYPE_KEY 5
#define RDS_VTYPE_OPAQUE 6
#define RDS_VTYPE_MSGFLAGS 7
#define RDS_VTYPE_TIMESTAMP 8
#define RDS_VTYPE_HEADERS 10

/* Produce flags, purge flags, the unassigned partition, timestamp types. */
#define RDS_MSG_F_COPY 0x2
#define RDS_PURGE_F_QUEUE 0x1
#define RDS_PURGE_F_INFLIGHT 0x2
#define RDS_PURGE_F_NON_BLOCKING 0x4
#define RDS_PARTITION_UA ((int32_t)-1)
#define RDS_TIMESTAMP_NOT_AVAILABLE 0

/* Error codes rdstreams tests for. */
#define RDS_ERR_NO_ERROR 0
#define RDS_ERR__FATAL (-150)
#define RDS_ERR__PARTITION_EOF (-191)
#define RDS_ERR__ASSIGN_PARTITIONS (-175)
#define RDS_ERR__REVOKE_PARTITIONS (-174)

/* rd_kafka_destroy_flags: destroy without leaving the group first. */
#define RDS_DESTROY_F_NO_CONSUMER_CLOSE 0x8

/* Version: 0xMMmmrrxx (major, minor, revision, pre-release id; 0xff = final). */
int rd_kafka_version(void);
const char *rd_kafka_version_str(void);
const char *rd_kafka_err2str(int err);

/* Configuration objects: owned by the caller until rd_kafka_new succeeds with one. */
rd_kafka_conf_t *rd_kafka_conf_new(void);
void rd_kafka_conf_destroy(rd_kafka_conf_t *conf);
int rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                      char *errstr, size_t errstr_size);

void rd_kafka_conf_set_events(rd_kafka_conf_t *conf, int events);

/* Client instances. */
rd_kafka_t *rd_kafka_new(unsigned int type, rd_kafka_conf_t *conf, char *errstr,
                         size_t errstr_size);
void rd_kafka_destroy(rd_kafka_t *rk);
const char *rd_kafka_name(const rd_kafka_t *rk);
int rd_kafka_outq_len(rd_kafka_t *rk);
int rd_kafka_purge(rd_kafka_t *rk, int purge_flags);
int rd_kafka_fatal_error(rd_kafka_t *rk, char *errstr, size_t errstr_size);
const char *rd_kafka_err2name(int err);
int rd_kafka_last_error(void);
void rd_kafka_mem_free(rd_kafka_t *rk, void *ptr);

/* Topic handles. */
rd_kafka_topic_t *rd_kafka_topic_new(rd_kafka_t *rk, const char *topic,
                                     rd_kafka_topic_conf_t *conf);
void rd_kafka_topic_destroy(rd_kafka_topic_t *rkt);

/* Producing (variadic: called from C only, in engine.c). */
int rd_kafka_producev(rd_kafka_t *rk, ...);

/* Headers. */
rd_kafka_headers_t *rd_kafka_headers_new(size_t initial_count);
void rd_kafka_headers_destroy(rd_kafka_headers_t *hdrs);
int rd_kafka_header_add(rd_kafka_headers_t *hdrs, const char *name, ssize_t name_size,
                        const void *value, ssize_t value_size);
int rd_kafka_header_get_all(const rd_kafka_headers_t *hdrs, size_t idx, const char **namep,
                            const void **valuep, size_t *sizep);
size_t rd_kafka_header_cnt(const rd_kafka_headers_t *hdrs);

/* Messages. */
int64_t rd_kafka_message_timestamp(const rd_kafka_message_t *rkmessage, unsigned int *tstype);
int rd_kafka_message_headers(const rd_kafka_message_t *rkmessage, rd_kafka_headers_t **hdrsp);
int32_t rd_kafka_message_leader_epoch(const rd_kafka_message_t *rkmessage);

/* Queues and events. */
rd_kafka_queue_t *rd_kafka_queue_get_main(rd_kafka_t *rk);
rd_kafka_queue_t *rd_kafka_queue_new(rd_kafka_t *rk);
void rd_kafka_queue_destroy(rd_kafka_queue_t *rkqu);
size_t rd_kafka_queue_length(rd_kafka_queue_t *rkqu);
rd_kafka_event_t *rd_kafka_queue_poll(rd_kafka_queue_t *rkqu, int timeout_ms);
void rd_kafka_queue_io_event_enable(rd_kafka_queue_t *rkqu, int fd, const void *payload,
                                    size_t size);
int rd_kafka_set_log_queue(rd_kafka_t *rk, rd_kafka_queue_t *rkqu);
int rd_kafka_event_type(const rd_kafka_event_t *rkev);
void rd_kafka_event_destroy(rd_kafka_event_t *rkev);
size_t rd_kafka_event_message_array(rd_kafka_event_t *rkev,
                                    const rd_kafka_message_t **rkmessages, size_t size);
size_t rd_kafka_event_message_count(rd_kafka_event_t *rkev);
int rd_kafka_event_error(rd_kafka_event_t *rkev);
const char *rd_kafka_event_error_string(rd_kafka_event_t *rkev);
int rd_kafka_event_error_is_fatal(rd_kafka_event_t *rkev);
const char *rd_kafka_event_stats(rd_kafka_event_t *rkev);
int rd_kafka_event_log(rd_kafka_event_t *rkev, const char **fac, const char **str, int *level);

/* Error objects. */
int rd_kafka_error_code(const rd_kafka_error_t *error);
const char *rd_kafka_error_string(const rd_kafka_error_t *error);
int rd_kafka_error_is_fatal(const rd_kafka_error_t *error);
int rd_kafka_error_is_retriable(const rd_kafka_error_t *error);
int rd_kafka_error_txn_requires_abort(const rd_kafka_error_t *error);
void rd_kafka_error_destroy(rd_kafka_error_t *error);

/* Transactions. */
rd_kafka_error_t *rd_kafka_init_transactions(rd_kafka_t *rk, int timeout_ms);
rd_kafka_error_t *rd_kafka_begin_transaction(rd_kafka_t *rk);
rd_kafka_error_t *rd_kafka_commit_transaction(rd_kafka_t *rk, int timeout_ms);
rd_kafka_error_t *rd_kafka_abort_transaction(rd_kafka_t *rk, int timeout_ms);
rd_kafka_error_t *rd_kafka_send_offsets_to_transaction(
    rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets,
    const rd_kafka_consumer_group_metadata_t *cgmetadata, int timeout_ms);
rd_kafka_error_t *rd_kafka_consumer_group_metadata_read(
    rd_kafka_consumer_group_metadata_t **cgmdp, const void *buffer, size_t size);
void rd_kafka_consumer_group_metadata_destroy(rd_kafka_consumer_group_metadata_t *cgmd);
rd_kafka_consumer_group_metadata_t *rd_kafka_consumer_group_metadata_new(const char *group_id);
rd_kafka_error_t *rd_kafka_consumer_group_metadata_write(
    const rd_kafka_consumer_group_metadata_t *cgmd, void **bufferp, size_t *sizep);

/* Partition lists. */
rd_kafka_topic_partition_list_t *rd_kafka_topic_partition_list_new(int size);
rd_kafka_topic_partition_t *rd_kafka_topic_partition_list_add(
    rd_kafka_topic_partition_list_t *rktparlist, const char *topic, int32_t partition);
void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t *rkparlist);

/* Partitions: leader epochs, events' partitions. */
void rd_kafka_topic_partition_destroy(rd_kafka_topic_partition_t *rktpar);
int32_t rd_kafka_topic_partition_get_leader_epoch(const rd_kafka_topic_partition_t *rktpar);
void rd_kafka_topic_partition_set_leader_epoch(rd_kafka_topic_partition_t *rktpar,
                                               int32_t leader_epoch);
rd_kafka_topic_partition_list_t *rd_kafka_event_topic_partition_list(rd_kafka_event_t *rkev);
rd_kafka_topic_partition_t *rd_kafka_event_topic_partition(rd_kafka_event_t *rkev);
void *rd_kafka_event_opaque(rd_kafka_event_t *rkev);
const rd_kafka_message_t *rd_kafka_event_message_next(rd_kafka_event_t *rkev);
const char *rd_kafka_topic_name(const rd_kafka_topic_t *rkt);

/* Consumers. */
int rd_kafka_poll_set_consumer(rd_kafka_t *rk);
rd_kafka_queue_t *rd_kafka_queue_get_consumer(rd_kafka_t *rk);
int rd_kafka_subscribe(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *topics);
int rd_kafka_unsubscribe(rd_kafka_t *rk);
int rd_kafka_subscription(rd_kafka_t *rk, rd_kafka_topic_partition_list_t **topics);
int rd_kafka_assign(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions);
rd_kafka_error_t *rd_kafka_incremental_assign(rd_kafka_t *rk,
                                              const rd_kafka_topic_partition_list_t *partitions);
rd_kafka_error_t *rd_kafka_incremental_unassign(rd_kafka_t *rk,
                                                const rd_kafka_topic_partition_list_t *partitions);
int rd_kafka_assignment(rd_kafka_t *rk, rd_kafka_topic_partition_list_t **partitions);
int rd_kafka_assignment_lost(rd_kafka_t *rk);
const char *rd_kafka_rebalance_protocol(rd_kafka_t *rk);
rd_kafka_consumer_group_metadata_t *rd_kafka_consumer_group_metadata(rd_kafka_t *rk);
char *rd_kafka_memberid(const rd_kafka_t *rk);
int rd_kafka_commit_queue(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets,
                          rd_kafka_queue_t *rkqu,
                          void (*cb)(rd_kafka_t *rk, int err,
                                     rd_kafka_topic_partition_list_t *offsets, void *commit_opaque),
                          void *commit_opaque);
int rd_kafka_committed(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions, int timeout_ms);
int rd_kafka_position(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions);
int rd_kafka_offsets_store(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *offsets);
rd_kafka_error_t *rd_kafka_seek_partitions(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions,
                                           int timeout_ms);
int rd_kafka_pause_partitions(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions);
int rd_kafka_resume_partitions(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions);
int rd_kafka_offsets_for_times(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *offsets, int timeout_ms);
int rd_kafka_get_watermark_offsets(rd_kafka_t *rk, const char *topic, int32_t partition,
                                   int64_t *low, int64_t *high);
int rd_kafka_query_watermark_offsets(rd_kafka_t *rk, const char *topic, int32_t partition,
                                     int64_t *low, int64_t *high, int timeout_ms);
ssize_t rd_kafka_consume_batch_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                     rd_kafka_message_t **rkmessages, size_t rkmessages_size);
void rd_kafka_message_destroy(rd_kafka_message_t *rkmessage);
const char *rd_kafka_message_errstr(const rd_kafka_message_t *rkmessage);
void rd_kafka_conf_set_rebalance_cb(rd_kafka_conf_t *conf,
                                    void (*rebalance_cb)(rd_kafka_t *rk, int err,
                                                         rd_kafka_topic_partition_list_t *partitions,
                                                         void *opaque));
void rd_kafka_conf_set_opaque(rd_kafka_conf_t *conf, void *opaque);
void rd_kafka_conf_set_error_cb(rd_kafka_conf_t *conf,
                                void (*error_cb)(rd_kafka_t *rk, int err, const char *reason,
                                                 void *opaque));
rd_kafka_topic_partition_list_t *rd_kafka_topic_partition_list_copy(
    const rd_kafka_topic_partition_list_t *src);
rd_kafka_error_t *rd_kafka_consumer_close_queue(rd_kafka_t *rk, rd_kafka_queue_t *rkqu);
int rd_kafka_consumer_closed(rd_kafka_t *rk);
void rd_kafka_destroy_flags(rd_kafka_t *rk, int flags);

/* OAUTHBEARER tokens from the application, through the SASL queue. */
void rd_kafka_conf_enable_sasl_queue(rd_kafka_conf_t *conf, int enable);
rd_kafka_queue_t *rd_kafka_queue_get_sasl(rd_kafka_t *rk);
const char *rd_kafka_event_config_string(rd_kafka_event_t *rkev);
int rd_kafka_oauthbearer_set_token(rd_kafka_t *rk, const char *token_value, int64_t md_lifetime_ms,
                                   const char *md_principal_name, const char **extensions,
                                   size_t extension_size, char *errstr, size_t errstr_size);
int rd_kafka_oauthbearer_set_token_failure(rd_kafka_t *rk, const char *errstr);

/* The in-process mock cluster (librdkafka's rdkafka_mock.h). */
rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt);
void rd_kafka_mock_cluster_destroy(rd_kafka_mock_cluster_t *mcluster);
const char *rd_kafka_mock_cluster_bootstraps(const rd_kafka_mock_cluster_t *mcluster);
int rd_kafka_mock_topic_create(rd_kafka_mock_cluster_t *mcluster, const char *topic,
                               int partition_cnt, int replication_factor);

/*
 * Metadata (rd_kafka_metadata), read through structs of rdstreams' own tags whose
 * layouts TestMetadataDeclarationsMatchLibrdkafka checks; struct rd_kafka_metadata is
 * librdkafka's tag, left incomplete here.
 */
struct rd_kafka_metadata;

struct rds_metadata_broker {
        int32_t id;
        char *host;
        int port;
};

struct rds_metadata_partition {
        int32_t id;
        int err;
        int32_t leader;
        int replica_cnt;
        int32_t *replicas;
        int isr_cnt;
        int32_t *isrs;
};

struct rds_metadata_topic {
        char *topic;
        int partition_cnt;
        struct rds_metadata_partition *partitions;
        int err;
};

struct rds_metadata {
        int broker_cnt;
        struct rds_metadata_broker *brokers;
        int topic_cnt;
        struct rds_metadata_topic *topics;
        int32_t orig_broker_id;
        char *orig_broker_name;
};

int rd_kafka_metadata(rd_kafka_t *rk, int all_topics, rd_kafka_topic_t *only_rkt,
                      const struct rd_kafka_metadata **metadatap, int timeout_ms);
void rd_kafka_metadata_destroy(const struct rd_kafka_metadata *metadata);
char *rd_kafka_clusterid(rd_kafka_t *rk, int timeout_ms);
int32_t rd_kafka_controllerid(rd_kafka_t *rk, int timeout_ms);

#define RDS_ERR__TRANSPORT (-195)
#define RDS_ERR__TIMED_OUT (-185)

/* Deleting a group's committed offsets (an admin call; the result comes as an event). */
typedef struct rd_kafka_AdminOptions_s rd_kafka_AdminOptions_t;
typedef struct rd_kafka_DeleteConsumerGroupOffsets_s rd_kafka_DeleteConsumerGroupOffsets_t;
typedef struct rd_kafka_group_result_s rd_kafka_group_result_t;

/* rd_kafka_admin_op_t value, event type. */
#define RDS_ADMIN_OP_DELETECONSUMERGROUPOFFSETS 8u
#define RDS_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT 107

rd_kafka_AdminOptions_t *rd_kafka_AdminOptions_new(rd_kafka_t *rk, unsigned int for_api);
void rd_kafka_AdminOptions_destroy(rd_kafka_AdminOptions_t *options);
int rd_kafka_AdminOptions_set_request_timeout(rd_kafka_AdminOptions_t *options, int timeout_ms,
                                              char *errstr, size_t errstr_size);
rd_kafka_DeleteConsumerGroupOffsets_t *rd_kafka_DeleteConsumerGroupOffsets_new(
    const char *group, const rd_kafka_topic_partition_list_t *partitions);
void rd_kafka_DeleteConsumerGroupOffsets_destroy(rd_kafka_DeleteConsumerGroupOffsets_t *del);
void rd_kafka_DeleteConsumerGroupOffsets(rd_kafka_t *rk,
                                         rd_kafka_DeleteConsumerGroupOffsets_t **del_grpoffsets,
                                         size_t del_grpoffsets_cnt,
                                         const rd_kafka_AdminOptions_t *options,
                                         rd_kafka_queue_t *rkqu);
const rd_kafka_event_t *rd_kafka_event_DeleteConsumerGroupOffsets_result(rd_kafka_event_t *rkev);
const rd_kafka_group_result_t **rd_kafka_DeleteConsumerGroupOffsets_result_groups(
    const rd_kafka_event_t *result, size_t *cntp);
const rd_kafka_error_t *rd_kafka_group_result_error(const rd_kafka_group_result_t *groupres);
const char *rd_kafka_group_result_name(const rd_kafka_group_result_t *groupres);
const rd_kafka_topic_partition_list_t *rd_kafka_group_result_partitions(
    const rd_kafka_group_result_t *groupres);
void rd_kafka_queue_yield(rd_kafka_queue_t *rkqu);

#endif
