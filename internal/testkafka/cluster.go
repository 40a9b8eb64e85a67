package testkafka

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
)

// Cluster is a Kafka cluster of a test's own on loopback: n KRaft nodes, each a combined
// broker and controller, forming one quorum of n voters. Every node is a broker/kafka.sh
// node with its own ports, storage and log, so the test may kill, freeze, stop and
// restart each one (Node). Internal topics are replicated three times (n when smaller),
// and with n ≥ 3 new topics default to replication factor 3 with min.insync.replicas=2
// and unclean leader election off.
type Cluster struct {
	// Bootstrap lists every node's PLAINTEXT listener, comma-separated.
	Bootstrap string
	// Nodes are the nodes; Nodes[i] has node id i+1.
	Nodes []*Broker
}

// ClusterTimeouts are the broker settings StartCluster gives every node so that a test
// sees fail-over in seconds rather than the defaults' tens of seconds: a node that stops
// heartbeating is fenced (its partitions get new leaders) after 6 s, and a follower that
// has not caught up for 8 s leaves the ISR.
const ClusterTimeouts = "broker.session.timeout.ms=6000\n" +
	"broker.heartbeat.interval.ms=1000\n" +
	"replica.lag.time.max.ms=8000\n" +
	"controlled.shutdown.enable=true"

// StartCluster starts n nodes (each with a 512 MiB heap; about 20–30 s for three on two
// busy cores), waits until every node is in the metadata the cluster serves, and stops
// every node when the test ends, whether it passed or not. The test fails when the
// cluster cannot start.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("StartCluster: %d nodes", n)
	}
	libs := Env(t, "KAFKA_LIBS")
	root := t.TempDir()
	ports := freePorts(t, 3*n)
	voters := make([]string, n)
	for i := range voters {
		voters[i] = fmt.Sprintf("%d@127.0.0.1:%d", i+1, ports[3*i+2])
	}
	clusterID := newClusterID()
	c := &Cluster{}
	var bootstrap []string
	for i := 0; i < n; i++ {
		home := filepath.Join(root, "node"+strconv.Itoa(i+1))
		b := &Broker{
			Bootstrap:     fmt.Sprintf("127.0.0.1:%d", ports[3*i]),
			SASLBootstrap: fmt.Sprintf("127.0.0.1:%d", ports[3*i+1]),
			env: append(os.Environ(),
				"KAFKA_HOME="+home,
				"KAFKA_LIBS="+libs,
				"KAFKA_NODES=1",
				"KAFKA_NODE_ID="+strconv.Itoa(i+1),
				"KAFKA_PORT="+strconv.Itoa(ports[3*i]),
				"KAFKA_SASL_PORT="+strconv.Itoa(ports[3*i+1]),
				"KAFKA_CONTROLLER_PORT="+strconv.Itoa(ports[3*i+2]),
				"KAFKA_QUORUM_VOTERS="+strings.Join(voters, ","),
				"KAFKA_CLUSTER_ID="+clusterID,
				"KAFKA_REPLICATION="+strconv.Itoa(min(n, 3)),
				"KAFKA_HEAP=512m",
				"KAFKA_PROPERTIES="+ClusterTimeouts,
			),
		}
		c.Nodes = append(c.Nodes, b)
		bootstrap = append(bootstrap, b.Bootstrap)
	}
	c.Bootstrap = strings.Join(bootstrap, ",")
	// Every node is stopped at the end, also those a failed test left frozen or killed.
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, b := range c.Nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.Thaw()
				if err := b.runErr("down"); err != nil {
					t.Error(err) // not Fatal: this is not the test's goroutine
				}
			}()
		}
		wg.Wait()
	})
	// Formatting and starting run side by side; no node can answer before a majority
	// of the quorum runs, so kafka.sh does not wait (KAFKA_WAIT=0) and the wait is below.
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, b := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.runErr("up", "KAFKA_WAIT=0")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.waitBrokers(ctx, n); err != nil {
		t.Fatalf("cluster of %d nodes not up: %v (node logs: %s)", n, err, filepath.Join(root, "node*", "broker.log"))
	}
	return c
}

// newClusterID is a fresh cluster id in the form Kafka's StorageTool random-uuid
// prints: 16 random bytes in unpadded URL-safe base64, never starting with '-'.
func newClusterID() string {
	for {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		id := base64.RawURLEncoding.EncodeToString(b)
		if id[0] != '-' {
			return id
		}
	}
}

// Node is the node with id (1 … n).
func (c *Cluster) Node(t testing.TB, id int32) *Broker {
	t.Helper()
	if id < 1 || int(id) > len(c.Nodes) {
		t.Fatalf("no node %d in a cluster of %d", id, len(c.Nodes))
	}
	return c.Nodes[id-1]
}

// waitBrokers waits until the cluster's metadata lists n brokers.
func (c *Cluster) waitBrokers(ctx context.Context, n int) error {
	// Quiet: connections are refused until the nodes listen.
	a, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": c.Bootstrap, "log_level": 0})
	if err != nil {
		return ckconv.Error(err)
	}
	defer a.Close()
	var last string
	for {
		md, err := a.GetMetadata(nil, false, 2000)
		if err == nil && len(md.Brokers) == n {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("metadata lists %d brokers", len(md.Brokers))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", last, ctx.Err())
		case <-time.After(200 * time.Millisecond): // brokers registering have no event to wait on
		}
	}
}

// CreateTopic creates a topic with replication factor min(3, nodes), min.insync.replicas
// 2 and unclean leader election off (configs may add more), and waits until every
// partition has a leader and a full ISR. The topic goes away with the cluster.
func (c *Cluster) CreateTopic(t testing.TB, partitions int, configs map[string]string) string {
	t.Helper()
	name := UniqueName(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	all := map[string]string{"unclean.leader.election.enable": "false"}
	if len(c.Nodes) >= 2 {
		all["min.insync.replicas"] = "2"
	}
	for k, v := range configs {
		all[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := createTopic(ctx, c.Bootstrap, name, partitions, min(len(c.Nodes), 3), all); err != nil {
		t.Fatalf("creating topic %s on the cluster: %v", name, err)
	}
	c.WaitISR(t, time.Minute, name)
	return name
}

// PartitionState is what the cluster's metadata says of one partition.
type PartitionState struct {
	Topic     string
	Partition int32
	Leader    int32 // node id; -1 while none
	Replicas  []int32
	ISR       []int32
}

// Full reports whether every replica is in the ISR and a leader is elected.
func (p PartitionState) Full() bool {
	return p.Leader >= 0 && len(p.ISR) == len(p.Replicas)
}

// String is e.g. "orders [2] leader 3, replicas [3 1 2], isr [3 1]".
func (p PartitionState) String() string {
	return fmt.Sprintf("%s [%d] leader %d, replicas %v, isr %v", p.Topic, p.Partition, p.Leader, p.Replicas, p.ISR)
}

// Partitions returns the state of every partition of the topics (all topics, internal
// ones included, when none is named), as the cluster's metadata says now. A metadata
// request that fails (sent to a frozen or dying node) is tried again for up to a minute.
func (c *Cluster) Partitions(t testing.TB, topics ...string) []PartitionState {
	t.Helper()
	start := time.Now()
	for {
		ps, err := c.partitions(topics)
		if err == nil {
			return ps
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("cluster metadata: %v (for a minute)", err)
		}
		time.Sleep(100 * time.Millisecond) // a node coming back has no event to wait on
	}
}

func (c *Cluster) partitions(topics []string) ([]PartitionState, error) {
	// A client of its own each time, bootstrapped from the nodes that run and are not
	// frozen: a frozen node accepts connections (the kernel does) and answers nothing, and
	// a long-lived client keeps sending to it until its socket times out.
	var live []string
	for _, b := range c.Nodes {
		if b.Running() && !b.paused.Load() {
			live = append(live, b.Bootstrap)
		}
	}
	if len(live) == 0 {
		return nil, fmt.Errorf("no node is running and awake")
	}
	a, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": strings.Join(live, ","), "log_level": 0})
	if err != nil {
		return nil, ckconv.Error(err)
	}
	defer a.Close()
	var mds []*ckafka.Metadata
	if len(topics) == 0 {
		md, err := a.GetMetadata(nil, true, 3000)
		if err != nil {
			return nil, ckconv.Error(err)
		}
		mds = append(mds, md)
	}
	for _, topic := range topics {
		md, err := a.GetMetadata(&topic, false, 3000)
		if err != nil {
			return nil, ckconv.Error(err)
		}
		mds = append(mds, md)
	}
	var out []PartitionState
	for _, md := range mds {
		for name, tm := range md.Topics {
			if tm.Error.Code() != ckafka.ErrNoError {
				return nil, ckconv.Error(tm.Error)
			}
			for _, p := range tm.Partitions {
				out = append(out, PartitionState{Topic: name, Partition: p.ID, Leader: p.Leader,
					Replicas: p.Replicas, ISR: p.Isrs})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out, nil
}

// WaitISR waits until every partition of the topics (of every topic, internal ones
// included, when none is named) has a leader and all its replicas in the ISR: a node
// that came back has caught up. It returns how long that took; the test fails after
// timeout, naming the partitions still short.
func (c *Cluster) WaitISR(t testing.TB, timeout time.Duration, topics ...string) time.Duration {
	t.Helper()
	start := time.Now()
	var short []string
	var last error
	for {
		ps, err := c.partitions(topics)
		last = err
		short = short[:0]
		if err == nil {
			for _, p := range ps {
				if !p.Full() {
					short = append(short, p.String())
				}
			}
			if len(short) == 0 && (len(ps) > 0 || len(topics) == 0) {
				return time.Since(start)
			}
		}
		if time.Since(start) > timeout {
			if last != nil {
				t.Fatalf("ISR not full after %v: %v", timeout, last)
			}
			t.Fatalf("ISR not full after %v: %d partitions short (%s)", timeout, len(short), strings.Join(short[:min(len(short), 5)], "; "))
		}
		time.Sleep(250 * time.Millisecond) // ISR changes have no event a client can wait on
	}
}

// Leader is the node id leading topic's partition now (-1 while none is).
func (c *Cluster) Leader(t testing.TB, topic string, partition int32) int32 {
	t.Helper()
	for _, p := range c.Partitions(t, topic) {
		if p.Partition == partition {
			return p.Leader
		}
	}
	t.Fatalf("%s has no partition %d", topic, partition)
	return -1
}

// GroupCoordinator is the node coordinating consumer group: the leader of the
// __consumer_offsets partition the group's id hashes to, as the broker picks it.
func (c *Cluster) GroupCoordinator(t testing.TB, group string) int32 {
	t.Helper()
	return c.coordinator(t, "__consumer_offsets", group)
}

// TransactionCoordinator is the node coordinating transactional.id id: the leader of
// the __transaction_state partition the id hashes to. The topic exists once a
// transactional producer has initialised.
func (c *Cluster) TransactionCoordinator(t testing.TB, id string) int32 {
	t.Helper()
	return c.coordinator(t, "__transaction_state", id)
}

func (c *Cluster) coordinator(t testing.TB, topic, key string) int32 {
	t.Helper()
	ps := c.Partitions(t, topic)
	if len(ps) == 0 {
		t.Fatalf("%s has no partitions yet", topic)
	}
	want := CoordinatorPartition(key, len(ps))
	for _, p := range ps {
		if p.Partition == want {
			return p.Leader
		}
	}
	t.Fatalf("%s has no partition %d", topic, want)
	return -1
}

// CoordinatorPartition is the partition of an internal topic with n partitions whose
// leader coordinates a group or transactional id: the Java hash code of the id,
// made non-negative as Kafka's Utils.abs does, modulo n.
func CoordinatorPartition(id string, n int) int32 {
	var h int32
	for _, u := range utf16Units(id) {
		h = 31*h + int32(u)
	}
	if h == -1<<31 {
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % int32(n)
}

// utf16Units is s as Java holds a String.
func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

// Broker methods for a node of a Cluster (the single-broker ones, Kill, Pause, Resume
// and Stop, work as they are).

// Start starts a stopped or killed node again on its storage and waits until it
// answers; it does not wait for it to catch up (WaitISR does).
func (b *Broker) Start(t testing.TB) {
	t.Helper()
	b.run(t, "up", "KAFKA_KEEP_DATA=1", "KAFKA_WAIT=1")
}

// Running reports whether the node's process is alive (a frozen one is).
func (b *Broker) Running() bool {
	pid, ok := b.pid()
	return ok && syscall.Kill(pid, 0) == nil
}

// Thaw sends SIGCONT to the node's process if it runs, frozen or not.
func (b *Broker) Thaw() {
	if pid, ok := b.pid(); ok {
		_ = syscall.Kill(pid, syscall.SIGCONT)
	}
	b.paused.Store(false)
}

// pid is the process id from $KAFKA_HOME/broker.pid, when the file exists.
func (b *Broker) pid() (int, bool) {
	raw, err := os.ReadFile(filepath.Join(b.home(), "broker.pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	return pid, err == nil && pid > 0
}

func (b *Broker) home() string {
	var home string
	for _, kv := range b.env {
		if v, ok := strings.CutPrefix(kv, "KAFKA_HOME="); ok {
			home = v // the last one wins, as in the child's environment
		}
	}
	return home
}

// LogFile is the node's broker log.
func (b *Broker) LogFile() string { return filepath.Join(b.home(), "broker.log") }
