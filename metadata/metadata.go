package metadata

import (
	"cmp"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Cluster is a snapshot of the cluster: its brokers and topics with their partitions.
type Cluster struct {
	// ClusterID is the cluster's id; empty when the broker did not say.
	ClusterID string
	// ControllerID is the broker acting as controller, -1 if none is known.
	ControllerID int32
	Brokers      []Broker // sorted by ID
	Topics       []Topic  // sorted by name
	// OrigBrokerID and OrigBrokerName name the broker that answered the request
	// (Python's orig_broker_id, orig_broker_name: "host:port/id"). The id is -1 when
	// the answer came over the bootstrap connection, before the broker's id was
	// known ("host:port/bootstrap").
	OrigBrokerID   int32
	OrigBrokerName string
}

// Broker returns the broker with the given id, or nil.
func (m *Cluster) Broker(id int32) *Broker {
	i, ok := slices.BinarySearchFunc(m.Brokers, id, func(b Broker, id int32) int { return cmp.Compare(b.ID, id) })
	if !ok {
		return nil
	}
	return &m.Brokers[i]
}

// Topic returns the topic with the given name, or nil.
func (m *Cluster) Topic(name string) *Topic {
	i, ok := slices.BinarySearchFunc(m.Topics, name, func(t Topic, name string) int { return strings.Compare(t.Name, name) })
	if !ok {
		return nil
	}
	return &m.Topics[i]
}

// Sort puts brokers, topics and each topic's partitions in the order Cluster
// documents; whoever builds a Cluster calls it once.
func (m *Cluster) Sort() {
	slices.SortFunc(m.Brokers, func(a, b Broker) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(m.Topics, func(a, b Topic) int { return strings.Compare(a.Name, b.Name) })
	for i := range m.Topics {
		m.Topics[i].SortPartitions()
	}
}

// Broker is one broker of the cluster, as it advertises itself.
type Broker struct {
	ID   int32
	Host string
	Port int
	// Rack is the broker's broker.rack; empty when it has none, and in metadata, which
	// does not carry it (cluster's DescribeCluster does).
	Rack string
}

// Addr is the broker's address, "host:port" ("[host]:port" for an IPv6 host).
func (b Broker) Addr() string { return net.JoinHostPort(b.Host, strconv.Itoa(b.Port)) }

// Topic describes a topic and its partitions.
type Topic struct {
	Name       string
	Partitions []Partition // sorted by ID
	// Internal marks the topics Kafka keeps for itself (see InternalTopic).
	Internal bool
	// Err is the broker's error for this topic, nil when there is none: for example
	// UNKNOWN_TOPIC_OR_PART (a *kafkaerror.Error) when one topic was asked for and the
	// cluster does not have it, or TOPIC_AUTHORIZATION_FAILED.
	Err error
}

// SortPartitions sorts the topic's partitions by ID.
func (t *Topic) SortPartitions() {
	slices.SortFunc(t.Partitions, func(a, b Partition) int { return cmp.Compare(a.ID, b.ID) })
}

// Partition describes one partition of a topic: which brokers hold it.
type Partition struct {
	ID       int32
	Leader   int32   // broker id of the leader, -1 while there is none
	Replicas []int32 // broker ids, the preferred leader first
	ISR      []int32 // the replicas in sync with the leader
	// Err is the broker's error for this partition (LEADER_NOT_AVAILABLE while it
	// has no leader, for instance), nil when there is none.
	Err error
}

// internalTopics are the topics Kafka's own Topic.isInternal names (Kafka 4.1).
// Metadata as librdkafka returns it does not say which topics are internal, so the
// names are the one source.
var internalTopics = map[string]bool{
	"__consumer_offsets":  true,
	"__transaction_state": true,
	"__share_group_state": true,
}

// InternalTopic reports whether Kafka keeps the topic of that name for itself
// (__consumer_offsets, __transaction_state, __share_group_state).
func InternalTopic(name string) bool { return internalTopics[name] }
