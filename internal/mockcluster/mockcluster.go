package mockcluster

import (
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
)

// Cluster is a running mock cluster.
type Cluster struct {
	mc *ckafka.MockCluster
}

// Start starts a mock cluster of n brokers on loopback.
func Start(n int) (*Cluster, error) {
	mc, err := ckafka.NewMockCluster(n)
	if err != nil {
		return nil, ckconv.Error(err)
	}
	return &Cluster{mc: mc}, nil
}

// Bootstrap is the cluster's bootstrap.servers value.
func (c *Cluster) Bootstrap() string { return c.mc.BootstrapServers() }

// CreateTopic creates a topic with the given partitions and replication factor.
func (c *Cluster) CreateTopic(topic string, partitions, replication int) error {
	return ckconv.Error(c.mc.CreateTopic(topic, partitions, replication))
}

// Close stops the cluster.
func (c *Cluster) Close() { c.mc.Close() }
