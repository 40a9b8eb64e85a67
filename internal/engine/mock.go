package engine

/*
#include <stdlib.h>
#include "librdkafka.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// MockCluster is librdkafka's in-process mock cluster: brokers on loopback ports that
// speak enough of the protocol for producing, consuming, groups and transactions. It is
// for the no-broker demo and for fault injection, never a stand-in for the real broker
// in integration tests.
type MockCluster struct {
	mu        sync.Mutex
	rk        *C.rd_kafka_t // the client instance the cluster lives in
	mc        *C.rd_kafka_mock_cluster_t
	bootstrap string
}

// StartMockCluster starts a mock cluster of brokers brokers (ids 1 to brokers).
func StartMockCluster(brokers int) (*MockCluster, error) {
	if brokers < 1 {
		return nil, fmt.Errorf("mock cluster: %d brokers: need at least 1", brokers)
	}
	// The instance carrying the cluster connects nowhere: without a bootstrap.servers it
	// would log a configuration warning at notice level, which reads like a failure.
	conf, err := newConf(map[string]string{"log_level": "4"})
	if err != nil {
		return nil, fmt.Errorf("mock cluster: %w", err)
	}
	errbuf := (*C.char)(C.malloc(errBufSize))
	defer C.free(unsafe.Pointer(errbuf))
	rk := C.rd_kafka_new(C.RDS_PRODUCER, conf, errbuf, errBufSize)
	if rk == nil {
		C.rd_kafka_conf_destroy(conf)
		return nil, fmt.Errorf("mock cluster: %s", C.GoString(errbuf))
	}
	mc := C.rd_kafka_mock_cluster_new(rk, C.int(brokers))
	if mc == nil {
		C.rd_kafka_destroy(rk)
		return nil, errors.New("mock cluster: librdkafka could not create it (see its log)")
	}
	return &MockCluster{rk: rk, mc: mc, bootstrap: C.GoString(C.rd_kafka_mock_cluster_bootstraps(mc))}, nil
}

// Bootstrap is the cluster's bootstrap.servers value.
func (m *MockCluster) Bootstrap() string { return m.bootstrap }

// CreateTopic creates a topic; it fails on a closed cluster.
func (m *MockCluster) CreateTopic(topic string, partitions, replication int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mc == nil {
		return fmt.Errorf("mock cluster: create topic %q: the cluster is closed", topic)
	}
	ct := C.CString(topic)
	defer C.free(unsafe.Pointer(ct))
	if code := C.rd_kafka_mock_topic_create(m.mc, ct, C.int(partitions), C.int(replication)); code != 0 {
		return kafkaerror.Newf(kafkaerror.Code(code), "mock cluster: create topic %q (%d partitions, replication %d): %s",
			topic, partitions, replication, errText(code))
	}
	return nil
}

// Close stops the cluster; later calls do nothing.
func (m *MockCluster) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mc == nil {
		return
	}
	C.rd_kafka_mock_cluster_destroy(m.mc)
	C.rd_kafka_destroy(m.rk)
	m.mc, m.rk = nil, nil
}
