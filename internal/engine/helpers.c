#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Points an empty, present value or key at something that is not NULL. */
static const char rds_empty[1];

int rds_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                const void *value, size_t value_len, int has_value,
                const void *key, size_t key_len, int has_key,
                const char *hbuf, const int64_t *hlens, int hcount,
                int64_t timestamp_ms, uint64_t opaque) {
        rd_kafka_headers_t *hdrs = NULL;
        int err;
        if (has_value && value_len == 0)
                value = rds_empty;
        if (!has_value)
                value = NULL, value_len = 0;
        if (has_key && key_len == 0)
                key = rds_empty;
        if (!has_key)
                key = NULL, key_len = 0;
        if (hcount > 0) {
                hdrs = rd_kafka_headers_new((size_t)hcount);
                for (int i = 0; i < hcount; i++) {
                        int64_t nlen = hlens[2 * i], vlen = hlens[2 * i + 1];
                        const char *name = hbuf;
                        hbuf += nlen;
                        const void *val = NULL;
                        if (vlen >= 0) {
                                val = vlen == 0 ? rds_empty : hbuf;
                                hbuf += vlen;
                        }
                        rd_kafka_header_add(hdrs, name, (ssize_t)nlen, val, vlen < 0 ? 0 : (ssize_t)vlen);
                }
        }
        if (hdrs != NULL) {
                err = rd_kafka_producev(rk, RDS_VTYPE_RKT, rkt, RDS_VTYPE_PARTITION, partition,
                                        RDS_VTYPE_MSGFLAGS, RDS_MSG_F_COPY,
                                        RDS_VTYPE_VALUE, (void *)value, value_len,
                                        RDS_VTYPE_KEY, key, key_len,
                                        RDS_VTYPE_OPAQUE, (void *)(uintptr_t)opaque,
                                        RDS_VTYPE_TIMESTAMP, timestamp_ms,
                                        RDS_VTYPE_HEADERS, hdrs, RDS_VTYPE_END);
                if (err != RDS_ERR_NO_ERROR)
                        rd_kafka_headers_destroy(hdrs); /* kept by librdkafka only on success */
        } else {
                err = rd_kafka_producev(rk, RDS_VTYPE_RKT, rkt, RDS_VTYPE_PARTITION, partition,
                                        RDS_VTYPE_MSGFLAGS, RDS_MSG_F_COPY,
                                        RDS_VTYPE_VALUE, (void *)value, value_len,
                                        RDS_VTYPE_KEY, key, key_len,
                                        RDS_VTYPE_OPAQUE, (void *)(uintptr_t)opaque,
                                        RDS_VTYPE_TIMESTAMP, timestamp_ms, RDS_VTYPE_END);
        }
        return err;
}

int rds_produce_batch(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                      const char *buf, const int64_t *desc, int n, const int64_t *hlens,
                      int *queued) {
        *queued = 0;
        for (int i = 0; i < n; i++) {
                const int64_t *d = desc + (size_t)i * RDS_BATCH_DESC;
                int64_t klen = d[0], vlen = d[1];
                int hcount = (int)d[2];
                const char *key = buf;
                buf += klen > 0 ? klen : 0;
                const char *value = buf;
                buf += vlen > 0 ? vlen : 0;
                const char *hbuf = buf;
                for (int h = 0; h < hcount; h++) {
                        buf += hlens[2 * h];
                        if (hlens[2 * h + 1] > 0)
                                buf += hlens[2 * h + 1];
                }
                int err = rds_produce(rk, rkt, partition, value, vlen > 0 ? (size_t)vlen : 0, vlen >= 0,
                                      key, klen > 0 ? (size_t)klen : 0, klen >= 0, hbuf, hlens, hcount,
                                      d[3], (uint64_t)d[4]);
                if (err != RDS_ERR_NO_ERROR)
                        return err;
                hlens += 2 * hcount;
                (*queued)++;
        }
        return RDS_ERR_NO_ERROR;
}

rd_kafka_event_t *rds_poll(rd_kafka_queue_t *q, int timeout_ms, int *type,
                           const rd_kafka_message_t **msgs, size_t cap, size_t *count,
                           size_t *bytes, size_t *headers) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms);
        *type = RDS_EVENT_NONE;
        *count = 0, *bytes = 0, *headers = 0;
        if (ev == NULL)
                return NULL;
        *type = rd_kafka_event_type(ev);
        if (*type != RDS_EVENT_DR)
                return ev;
        *count = rd_kafka_event_message_count(ev);
        if (*count <= cap)
                rds_dr_prepare(ev, msgs, *count, bytes, headers);
        return ev;
}

rd_kafka_topic_partition_list_t *rds_partition_list(const char *topics, const int64_t *topic_lens,
                                                    const int32_t *partitions,
                                                    const int64_t *offsets, int n) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
        char name[256];
        for (int i = 0; i < n; i++) {
                size_t len = (size_t)topic_lens[i];
                if (len >= sizeof(name))
                        len = sizeof(name) - 1; /* Kafka topic names are at most 249 bytes */
                memcpy(name, topics, len);
                name[len] = 0;
                topics += topic_lens[i];
                struct rds_topic_partition *tp =
                    (struct rds_topic_partition *)rd_kafka_topic_partition_list_add(l, name, partitions[i]);
                tp->offset = offsets[i];
        }
        return l;
}

void rds_partition_list_meta(rd_kafka_topic_partition_list_t *l, const int32_t *epochs,
                             const char *metas, const int64_t *meta_lens) {
        struct rds_tp_list *list = (struct rds_tp_list *)l;
        for (int i = 0; i < list->cnt; i++) {
                rd_kafka_topic_partition_t *tp =
                    (rd_kafka_topic_partition_t *)((struct rds_topic_partition *)list->elems + i);
                if (epochs[i] >= 0)
                        rd_kafka_topic_partition_set_leader_epoch(tp, epochs[i]);
                if (meta_lens[i] > 0) {
                        struct rds_topic_partition *p = (struct rds_topic_partition *)tp;
                        /* librdkafka frees metadata with free() when the list goes */
                        p->metadata = malloc((size_t)meta_lens[i]);
                        memcpy(p->metadata, metas, (size_t)meta_lens[i]);
                        p->metadata_size = (size_t)meta_lens[i];
                }
                metas += meta_lens[i];
        }
}

/* The room a consumed message takes in an arena (topic name not counted). */
/*
 * The room a message takes in an arena (topic name not counted), and its headers
 * (NULL: none), which librdkafka parses on each call: looked up once per message.
 */
static rd_kafka_headers_t *rds_msg_room(const rd_kafka_message_t *msg, int64_t *bytes, int64_t *headers) {
        const struct rds_message *m = (const struct rds_message *)msg;
        rd_kafka_headers_t *hs = NULL;
        *bytes = 0, *headers = 0;
        if (m->payload != NULL)
                *bytes += (int64_t)m->len;
        if (m->key != NULL)
                *bytes += (int64_t)m->key_len;
        if (rd_kafka_message_headers(msg, &hs) != RDS_ERR_NO_ERROR || hs == NULL)
                return NULL;
        size_t hc = rd_kafka_header_cnt(hs);
        for (size_t h = 0; h < hc; h++) {
                const char *name;
                const void *val;
                size_t size;
                if (rd_kafka_header_get_all(hs, h, &name, &val, &size) != RDS_ERR_NO_ERROR)
                        break;
                *bytes += (int64_t)strlen(name) + (val != NULL ? (int64_t)size : 0);
                (*headers)++;
        }
        return hs;
}

/*
 * Copies msg into r, its headers hs (from rds_msg_room) into hdrs from *hdr_at on and
 * its bytes into arena from *at on (room checked by the caller); the topic name too
 * when name_len >= 0.
 */
static void rds_copy_one(const rd_kafka_message_t *msg, rd_kafka_headers_t *hs, struct rds_msg *r,
                         struct rds_hdr *hdrs, int64_t *hdr_at, char *arena, int64_t *at_io,
                         int64_t name_len) {
        const struct rds_message *m = (const struct rds_message *)msg;
        int64_t at = *at_io;
        unsigned int tstype = RDS_TIMESTAMP_NOT_AVAILABLE;
        r->offset = m->offset;
        r->partition = m->partition;
        r->timestamp = rd_kafka_message_timestamp(msg, &tstype);
        r->tstype = (int32_t)tstype;
        r->leader_epoch = rd_kafka_message_leader_epoch(msg);
        r->topic_len = -1;
        if (name_len >= 0) {
                r->topic_off = at, r->topic_len = name_len;
                memcpy(arena + at, rd_kafka_topic_name(m->rkt), (size_t)name_len);
                at += name_len;
        }
        r->key_len = -1;
        if (m->key != NULL) {
                r->key_off = at, r->key_len = (int64_t)m->key_len;
                memcpy(arena + at, m->key, m->key_len);
                at += (int64_t)m->key_len;
        }
        r->value_len = -1;
        if (m->payload != NULL) {
                r->value_off = at, r->value_len = (int64_t)m->len;
                memcpy(arena + at, m->payload, m->len);
                at += (int64_t)m->len;
        }
        r->hdr_first = (int32_t)*hdr_at;
        r->hdr_count = 0;
        if (hs != NULL) {
                size_t hc = rd_kafka_header_cnt(hs);
                for (size_t h = 0; h < hc; h++) {
                        const char *name;
                        const void *val;
                        size_t size;
                        if (rd_kafka_header_get_all(hs, h, &name, &val, &size) != RDS_ERR_NO_ERROR)
                                break;
                        struct rds_hdr *out = &hdrs[(*hdr_at)++];
                        size_t nlen = strlen(name);
                        out->name_off = at, out->name_len = (int64_t)nlen;
                        memcpy(arena + at, name, nlen);
                        at += (int64_t)nlen;
                        out->value_len = -1;
                        if (val != NULL) {
                                out->value_off = at, out->value_len = (int64_t)size;
                                memcpy(arena + at, val, size);
                                at += (int64_t)size;
                        }
                        r->hdr_count++;
                }
        }
        *at_io = at;
}

/* Copies msg into b (room checked by the caller). */
static void rds_msg_copy(const rd_kafka_message_t *msg, rd_kafka_headers_t *hs, struct rds_batch *b,
                         struct rds_msg *recs, struct rds_hdr *hdrs, char *arena, int64_t name_len) {
        int64_t hdr_at = b->hdrs_used, at = b->arena_used;
        rds_copy_one(msg, hs, &recs[b->n++], hdrs, &hdr_at, arena, &at, name_len);
        b->hdrs_used = hdr_at, b->arena_used = at;
}

void rds_dr_prepare(rd_kafka_event_t *ev, const rd_kafka_message_t **msgs, size_t n,
                    size_t *bytes, size_t *headers) {
        *bytes = 0, *headers = 0;
        n = rd_kafka_event_message_array(ev, msgs, n);
        for (size_t i = 0; i < n; i++) {
                int64_t b, h;
                rds_msg_room(msgs[i], &b, &h);
                *bytes += (size_t)b, *headers += (size_t)h;
        }
}

void rds_dr_fill(const rd_kafka_message_t **msgs, size_t n, struct rds_dr *recs,
                 struct rds_hdr *hdrs, char *arena) {
        int64_t at = 0, hdr_at = 0;
        for (size_t i = 0; i < n; i++) {
                const struct rds_message *m = (const struct rds_message *)msgs[i];
                struct rds_dr *r = &recs[i];
                r->opaque = (uint64_t)(uintptr_t)m->_private;
                r->rkt = (uint64_t)(uintptr_t)m->rkt;
                r->err = m->err;
                int64_t bytes, headers;
                rd_kafka_headers_t *hs = rds_msg_room(msgs[i], &bytes, &headers);
                rds_copy_one(msgs[i], hs, &r->m, hdrs, &hdr_at, arena, &at, -1);
        }
}

struct rds_rebalances *rds_rebalances_new(void) { return calloc(1, sizeof(struct rds_rebalances)); }

void rds_rebalances_free(struct rds_rebalances *rb) {
        for (int i = 0; i < rb->n; i++) {
                if (rb->parts[i] != NULL)
                        rd_kafka_topic_partition_list_destroy(rb->parts[i]);
                free(rb->errstr[i]);
        }
        free(rb);
}

/* The number of messages the batch being taken holds so far. */
static int64_t rds_taken_so_far(const struct rds_rebalances *rb) {
        int64_t before = 0;
        while (rb->scan != NULL && (size_t)before < rb->scan_cap && rb->scan[before] != NULL)
                before++;
        return before;
}

void rds_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
        struct rds_rebalances *rb = opaque;
        (void)rk;
        if (rb->n == RDS_MAX_PENDING) {
                rb->dropped++;
                return;
        }
        rb->err[rb->n] = err;
        rb->parts[rb->n] = NULL;
        rb->errstr[rb->n] = strdup(reason != NULL ? reason : "");
        rb->before[rb->n] = rds_taken_so_far(rb);
        rb->n++;
}

void rds_rebalance_cb(rd_kafka_t *rk, int err, rd_kafka_topic_partition_list_t *parts, void *opaque) {
        struct rds_rebalances *rb = opaque;
        (void)rk;
        if (rb->n == RDS_MAX_PENDING) { /* full of errors: the group waits for this one */
                rd_kafka_assign(rk, NULL);
                return;
        }
        rb->err[rb->n] = err;
        rb->parts[rb->n] = parts != NULL ? rd_kafka_topic_partition_list_copy(parts)
                                         : rd_kafka_topic_partition_list_new(0);
        rb->errstr[rb->n] = NULL;
        rb->before[rb->n] = rds_taken_so_far(rb);
        rb->n++;
}

/* Hands the oldest rebalance or error over to b; it returns what rds_consume returns. */
static int rds_take_pending(struct rds_rebalances *rb, struct rds_batch *b) {
        b->rebalance_err = rb->err[0];
        b->rebalance_parts = rb->parts[0];
        b->error_text = rb->errstr[0];
        for (int i = 1; i < rb->n; i++) {
                rb->err[i - 1] = rb->err[i];
                rb->parts[i - 1] = rb->parts[i];
                rb->errstr[i - 1] = rb->errstr[i];
                rb->before[i - 1] = rb->before[i];
        }
        rb->n--;
        return b->rebalance_parts != NULL ? RDS_CONSUME_REBALANCE : RDS_CONSUME_CB_ERROR;
}

int rds_consume(rd_kafka_queue_t *mainq, rd_kafka_queue_t *q, struct rds_rebalances *rb,
                struct rds_batch *b, struct rds_msg *recs, struct rds_hdr *hdrs, char *arena,
                rd_kafka_event_t **event) {
        *event = NULL;
        b->n = 0, b->hdrs_used = 0, b->arena_used = 0;
        b->need_bytes = 0, b->need_hdrs = 0;
        b->rebalance_parts = NULL, b->error_text = NULL;
        /* (The length first: polling an empty queue costs more than looking.) */
        if (b->held_at == b->held_n && rb->n == 0 && rd_kafka_queue_length(mainq) > 0 &&
            (*event = rd_kafka_queue_poll(mainq, 0)) != NULL)
                return RDS_CONSUME_EVENT;
        while (b->n < b->recs_cap) {
                if (rb->n > 0 && rb->before[0] <= b->taken) {
                        /* A rebalance or error came before the next message. */
                        if (b->n > 0)
                                return RDS_CONSUME_EMPTY;
                        return rds_take_pending(rb, b);
                }
                if (b->held_at == b->held_n) {
                        /* Take the next batch from librdkafka. */
                        size_t want = (size_t)(b->recs_cap - b->n);
                        if ((int64_t)want > b->held_cap) {
                                free(b->held);
                                b->held = malloc(want * sizeof(*b->held));
                                b->held_cap = (int64_t)want;
                        }
                        memset(b->held, 0, want * sizeof(*b->held));
                        b->held_at = 0, b->held_n = 0, b->taken = 0;
                        for (int i = 0; i < rb->n; i++)
                                rb->before[i] = 0; /* any left came before this batch */
                        rb->scan = b->held, rb->scan_cap = want;
                        ssize_t got = rd_kafka_consume_batch_queue(q, 0, b->held, want);
                        rb->scan = NULL;
                        b->held_n = got > 0 ? (int64_t)got : 0;
                        if (b->held_n == 0 && rb->n == 0)
                                return RDS_CONSUME_EMPTY;
                        continue;
                }
                rd_kafka_message_t *msg = b->held[b->held_at];
                const struct rds_message *m = (const struct rds_message *)msg;
                if (m->err != RDS_ERR_NO_ERROR) {
                        if (b->n > 0)
                                return RDS_CONSUME_EMPTY;
                        return RDS_CONSUME_ERROR;
                }
                int64_t bytes, headers, name_len = -1;
                rd_kafka_headers_t *hs = rds_msg_room(msg, &bytes, &headers);
                if (m->rkt != b->last_rkt || b->n == 0) {
                        name_len = (int64_t)strlen(rd_kafka_topic_name(m->rkt));
                        bytes += name_len;
                }
                if (bytes > b->arena_cap - b->arena_used || headers > b->hdrs_cap - b->hdrs_used) {
                        b->need_bytes = bytes, b->need_hdrs = headers;
                        return RDS_CONSUME_ROOM;
                }
                rds_msg_copy(msg, hs, b, recs, hdrs, arena, name_len);
                b->last_rkt = m->rkt;
                rd_kafka_message_destroy(msg);
                b->held[b->held_at++] = NULL;
                b->taken++;
        }
        return RDS_CONSUME_EMPTY;
}

void rds_consume_error(struct rds_batch *b, int *err, const char **topic, int32_t *partition,
                       int64_t *offset, const char **errstr) {
        const rd_kafka_message_t *msg = b->held[b->held_at];
        const struct rds_message *m = (const struct rds_message *)msg;
        *err = m->err;
        *topic = m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : NULL;
        *partition = m->partition;
        *offset = m->offset;
        *errstr = rd_kafka_message_errstr(msg);
}

void rds_consume_skip(struct rds_batch *b) {
        rd_kafka_message_destroy(b->held[b->held_at]);
        b->held[b->held_at++] = NULL;
        b->taken++;
}

void rds_consume_release(struct rds_batch *b) {
        for (int64_t i = b->held_at; i < b->held_n; i++)
                rd_kafka_message_destroy(b->held[i]);
        free(b->held);
        b->held = NULL, b->held_cap = 0, b->held_at = 0, b->held_n = 0;
}
