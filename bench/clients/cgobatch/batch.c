// The C half of the batched-cgo prototype: one cgo crossing moves a whole batch of
// messages into librdkafka (produce) or out of it (consume), instead of one or more
// crossings per message as confluent-kafka-go (and so rdstreams) makes.
#include <stdlib.h>
#include <string.h>
#include "batch.h"

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
	struct proto_counts *c = opaque;
	if (m->err) {
		c->failed++;
		if (!c->first_err) c->first_err = m->err;
	} else {
		c->delivered++;
	}
}

rd_kafka_t *proto_new(rd_kafka_type_t type, const char **kv, int n, struct proto_counts *counts,
                      char *errstr, size_t errlen) {
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	for (int i = 0; i + 1 < n; i += 2) {
		if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], errstr, errlen) != RD_KAFKA_CONF_OK) {
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	if (type == RD_KAFKA_PRODUCER) {
		rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
		rd_kafka_conf_set_opaque(conf, counts);
	}
	rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, errlen);
	if (!rk) rd_kafka_conf_destroy(conf);
	return rk;
}

int proto_produce_batch(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *arena, const int *lens, int n) {
	const char *p = arena;
	for (int i = 0; i < n; i++) {
		for (;;) {
			if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)p, lens[i],
			                     NULL, 0, NULL) == 0)
				break;
			rd_kafka_resp_err_t err = rd_kafka_last_error();
			if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return err;
			rd_kafka_poll(rk, 1); // serve delivery reports, making room
		}
		p += lens[i];
	}
	rd_kafka_poll(rk, 0);
	return 0;
}

int proto_assign_all(rd_kafka_t *rk, const char *topic, int partitions, int64_t offset) {
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
	for (int i = 0; i < partitions; i++)
		rd_kafka_topic_partition_list_add(l, topic, i)->offset = offset;
	rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	return err;
}

int proto_consume_batch(rd_kafka_queue_t *q, int timeout_ms, char *arena, size_t arena_len,
                        struct proto_meta *meta, int max, int *err_out) {
	rd_kafka_message_t *msgs[PROTO_MAX_BATCH];
	if (max > PROTO_MAX_BATCH) max = PROTO_MAX_BATCH;
	*err_out = 0;
	ssize_t n = rd_kafka_consume_batch_queue(q, timeout_ms, msgs, max);
	if (n < 0) {
		*err_out = rd_kafka_last_error();
		return 0;
	}
	size_t used = 0;
	int out = 0;
	for (ssize_t i = 0; i < n; i++) {
		rd_kafka_message_t *m = msgs[i];
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !*err_out) *err_out = m->err;
		} else if (used + m->len + m->key_len <= arena_len) {
			meta[out].partition = m->partition;
			meta[out].offset = m->offset;
			meta[out].key_len = (int)m->key_len;
			meta[out].value_len = (int)m->len;
			if (m->key_len) memcpy(arena + used, m->key, m->key_len);
			used += m->key_len;
			if (m->len) memcpy(arena + used, m->payload, m->len);
			used += m->len;
			out++;
		} else if (!*err_out) {
			*err_out = RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE; // arena too small: the prototype's own limit
		}
		rd_kafka_message_destroy(m);
	}
	return out;
}
