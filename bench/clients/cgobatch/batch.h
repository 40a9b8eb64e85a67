#include <stdint.h>
#include <sys/types.h>
#include <rdkafka.h>

#define PROTO_MAX_BATCH 4096

// Delivery counts kept on the C side, read by Go between batches.
struct proto_counts {
	int64_t delivered, failed;
	int first_err;
};

// What Go learns of each consumed message; key then value bytes follow one another in
// the caller's arena.
struct proto_meta {
	int32_t partition;
	int64_t offset;
	int key_len, value_len;
};

rd_kafka_t *proto_new(rd_kafka_type_t type, const char **kv, int n, struct proto_counts *counts,
                      char *errstr, size_t errlen);
int proto_produce_batch(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *arena, const int *lens, int n);
int proto_assign_all(rd_kafka_t *rk, const char *topic, int partitions, int64_t offset);
int proto_consume_batch(rd_kafka_queue_t *q, int timeout_ms, char *arena, size_t arena_len,
                        struct proto_meta *meta, int max, int *err_out);
