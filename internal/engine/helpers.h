/*
 * rdstreams' C helpers around librdkafka: each does in one call from Go what would
 * otherwise take a call per message or per field.
 */
#ifndef RDSTREAMS_ENGINE_HELPERS_H
#define RDSTREAMS_ENGINE_HELPERS_H

#include "librdkafka.h"

/*
 * rds_produce queues one message (librdkafka copies value, key and headers). A NULL
 * value or key with has_* 0 is absent; has_* 1 with length 0 is empty. Headers come
 * flattened: hbuf holds every name then value back to back, hlens two lengths per
 * header (name, value; value -1 for a null value). It returns librdkafka's error code.
 */
int rds_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                const void *value, size_t value_len, int has_value,
                const void *key, size_t key_len, int has_key,
                const char *hbuf, const int64_t *hlens, int hcount,
                int64_t timestamp_ms, uint64_t opaque);

/*
 * rds_produce_batch queues n messages for one topic and partition in one call. buf
 * holds each message's key, value and header names and values back to back; desc has
 * RDS_BATCH_DESC numbers per message: key length (-1: no key), value length (-1: null),
 * header count, timestamp (ms, 0: now) and slot; hlens two lengths per header, as for
 * rds_produce. It stops at the first message librdkafka refuses and returns its error
 * code (0 when all were queued); *queued is how many were.
 */
#define RDS_BATCH_DESC 5
int rds_produce_batch(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                      const char *buf, const int64_t *desc, int n, const int64_t *hlens,
                      int *queued);

/* One message, as rds_consume and rds_dr_fill write it into Go memory. */
struct rds_msg {
        int64_t offset;
        int64_t timestamp;   /* milliseconds since the epoch */
        int64_t topic_off;   /* the topic name in the arena; topic_len -1: same as the previous */
        int64_t topic_len;
        int64_t key_off;     /* key_len -1: no key */
        int64_t key_len;
        int64_t value_off;   /* value_len -1: null value */
        int64_t value_len;
        int32_t partition;
        int32_t tstype;
        int32_t leader_epoch;
        int32_t hdr_first;
        int32_t hdr_count;
        int32_t pad;
};

/* One delivery report: its message and what a report adds. */
struct rds_dr {
        struct rds_msg m;
        uint64_t opaque; /* the slot given to rds_produce */
        uint64_t rkt;    /* the topic handle, to name the topic */
        int32_t err;
        int32_t pad;
};

/* One header of a delivery report. */
struct rds_hdr {
        int64_t name_off;
        int64_t name_len;
        int64_t value_off;
        int64_t value_len;   /* -1: null value */
};

/*
 * rds_poll takes the next event of q, waiting at most timeout_ms, and returns it with
 * its type. For a delivery report it sets count to its number of messages and, when
 * that is at most cap, takes the messages into msgs (a delivery event hands its
 * messages over once) and sets bytes and headers to what rds_dr_fill needs room for:
 * the bytes of their keys, values and headers, and their number of headers. When
 * count is above cap the messages are still in the event: call rds_dr_prepare.
 */
rd_kafka_event_t *rds_poll(rd_kafka_queue_t *q, int timeout_ms, int *type,
                           const rd_kafka_message_t **msgs, size_t cap, size_t *count,
                           size_t *bytes, size_t *headers);

/* rds_dr_prepare is what rds_poll does for a delivery event whose count fits msgs. */
void rds_dr_prepare(rd_kafka_event_t *ev, const rd_kafka_message_t **msgs, size_t n,
                    size_t *bytes, size_t *headers);

/*
 * rds_dr_fill copies the n delivery reports of msgs into recs, their headers into hdrs
 * and their bytes into arena (all Go memory, sized as rds_poll said).
 */
void rds_dr_fill(const rd_kafka_message_t **msgs, size_t n, struct rds_dr *recs,
                 struct rds_hdr *hdrs, char *arena);


/*
 * What the consumer queue held besides messages while rds_consume took a batch:
 * librdkafka hands rebalances to a rebalance callback (rds_rebalance_cb) and errors to
 * an error callback (rds_error_cb), which keep them here, with the number of messages
 * of the batch taken before each, until rds_consume returns them. It lives in C memory
 * (librdkafka's opaque points to it).
 */
#define RDS_MAX_PENDING 64
struct rds_rebalances {
        int n;
        int err[RDS_MAX_PENDING];
        rd_kafka_topic_partition_list_t *parts[RDS_MAX_PENDING]; /* a rebalance's; NULL: an error */
        char *errstr[RDS_MAX_PENDING];                           /* an error's text (malloc'd) */
        int64_t before[RDS_MAX_PENDING]; /* messages of the batch before it */
        rd_kafka_message_t **scan;       /* the batch being taken, NULL-filled */
        size_t scan_cap;
        int dropped;                     /* errors dropped while full */
};

struct rds_rebalances *rds_rebalances_new(void);
void rds_rebalances_free(struct rds_rebalances *rb);
void rds_rebalance_cb(rd_kafka_t *rk, int err, rd_kafka_topic_partition_list_t *parts, void *opaque);
void rds_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque);
static inline void rds_set_rebalance_cb(rd_kafka_conf_t *conf) {
        rd_kafka_conf_set_rebalance_cb(conf, rds_rebalance_cb);
        rd_kafka_conf_set_error_cb(conf, rds_error_cb);
}

/*
 * The state of consumption between rds_consume calls, and what one call wrote. It lives
 * in Go memory and holds no Go pointer: the records, headers and arena are arguments.
 */
struct rds_batch {
        /* In: room in the records, headers and arena passed. */
        int recs_cap;
        int64_t hdrs_cap;
        int64_t arena_cap;
        /* Out: what was written, and the room the next message needs (RDS_CONSUME_ROOM). */
        int n;
        int64_t hdrs_used;
        int64_t arena_used;
        int64_t need_bytes;
        int64_t need_hdrs;
        /* Out (RDS_CONSUME_REBALANCE, RDS_CONSUME_CB_ERROR): the rebalance or error; the
         * list and the text (free with free()) are the caller's. */
        int rebalance_err;
        rd_kafka_topic_partition_list_t *rebalance_parts;
        char *error_text;
        /* Messages taken from librdkafka and not yet copied out: held[at..n). Owned by
         * the engine (C memory), freed by rds_consume_release. */
        rd_kafka_message_t **held;
        int64_t held_cap;
        int64_t held_at;
        int64_t held_n;
        int64_t taken; /* messages of the current batch already copied out */
        const rd_kafka_topic_t *last_rkt; /* the previous message's topic */
};

/* What rds_consume stopped at. */
#define RDS_CONSUME_EMPTY 0     /* nothing more waiting (or recs_cap messages were copied) */
#define RDS_CONSUME_ROOM 1      /* the next message needs more room: need_bytes, need_hdrs */
#define RDS_CONSUME_EVENT 2     /* an event of the main queue: in *event, the caller's */
#define RDS_CONSUME_REBALANCE 3 /* a rebalance: rebalance_err, rebalance_parts */
#define RDS_CONSUME_ERROR 4     /* the next message is an error: rds_consume_error reads it */
#define RDS_CONSUME_CB_ERROR 5  /* an error of the consumer queue: rebalance_err, error_text */

/*
 * rds_consume first takes one event of the main queue mainq, without waiting (errors,
 * statistics, automatic commits' results), and returns it in *event when there is one
 * and nothing was copied yet. Then it copies messages of the consumer queue q, taken
 * from librdkafka a batch at a time (rd_kafka_consume_batch_queue), into recs, hdrs and
 * arena (with the room b says), until recs_cap messages were copied, nothing more
 * waits, the next message does not fit, is an error, or a rebalance comes before it.
 * An error or rebalance is returned only when nothing was copied in this call, so that
 * order is kept. Taking a batch advances librdkafka's application positions past it.
 */
int rds_consume(rd_kafka_queue_t *mainq, rd_kafka_queue_t *q, struct rds_rebalances *rb,
                struct rds_batch *b, struct rds_msg *recs, struct rds_hdr *hdrs, char *arena,
                rd_kafka_event_t **event);

/*
 * rds_consume_error reads the error message rds_consume stopped at (its text is
 * librdkafka's, valid until rds_consume_skip) and rds_consume_skip drops it.
 */
void rds_consume_error(struct rds_batch *b, int *err, const char **topic, int32_t *partition,
                       int64_t *offset, const char **errstr);
void rds_consume_skip(struct rds_batch *b);

/*
 * Commit ids travel as librdkafka's opaque pointer; they are converted here, in C, so
 * that Go never holds a number as a pointer.
 */
static inline int rds_commit(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets,
                             rd_kafka_queue_t *q, uint64_t id) {
        return rd_kafka_commit_queue(rk, offsets, q, NULL, (void *)(uintptr_t)id);
}
static inline uint64_t rds_event_id(rd_kafka_event_t *ev) {
        return (uint64_t)(uintptr_t)rd_kafka_event_opaque(ev);
}

/* rds_consume_release destroys the messages b holds (at close). */
void rds_consume_release(struct rds_batch *b);

/*
 * rds_partition_list builds a partition list with offsets (for
 * send_offsets_to_transaction): topics holds the n names back to back, topic_lens their
 * lengths.
 */
rd_kafka_topic_partition_list_t *rds_partition_list(const char *topics, const int64_t *topic_lens,
                                                    const int32_t *partitions,
                                                    const int64_t *offsets, int n);

/*
 * rds_partition_list_meta sets the leader epochs (-1: none) and metadata of a list
 * built by rds_partition_list: metas holds the n metadata strings back to back,
 * meta_lens their lengths (0: none).
 */
void rds_partition_list_meta(rd_kafka_topic_partition_list_t *l, const int32_t *epochs,
                             const char *metas, const int64_t *meta_lens);

#endif
