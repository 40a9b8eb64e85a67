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
 * unsigned int for one without (the client type).
 */
#ifndef RDSTREAMS_ENGINE_LIBRDKAFKA_H
#define RDSTREAMS_ENGINE_LIBRDKAFKA_H

#include <stddef.h>

/* Opaque handles. */
typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

/* Values of rd_kafka_type_t. */
#define RDS_PRODUCER 0u

/* The value of rd_kafka_conf_res_t meaning success. */
#define RDS_CONF_OK 0

/* Version: 0xMMmmrrxx (major, minor, revision, pre-release id; 0xff = final). */
int rd_kafka_version(void);
const char *rd_kafka_version_str(void);
const char *rd_kafka_err2str(int err);

/* Configuration objects: owned by the caller until rd_kafka_new succeeds with one. */
rd_kafka_conf_t *rd_kafka_conf_new(void);
void rd_kafka_conf_destroy(rd_kafka_conf_t *conf);
int rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                      char *errstr, size_t errstr_size);

/* Client instances. */
rd_kafka_t *rd_kafka_new(unsigned int type, rd_kafka_conf_t *conf, char *errstr,
                         size_t errstr_size);
void rd_kafka_destroy(rd_kafka_t *rk);

/* The in-process mock cluster (librdkafka's rdkafka_mock.h). */
rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt);
void rd_kafka_mock_cluster_destroy(rd_kafka_mock_cluster_t *mcluster);
const char *rd_kafka_mock_cluster_bootstraps(const rd_kafka_mock_cluster_t *mcluster);
int rd_kafka_mock_topic_create(rd_kafka_mock_cluster_t *mcluster, const char *topic,
                               int partition_cnt, int replication_factor);

#endif
