//go:build faults

package faults_test

// The cluster scenarios (15 to 22) share one three-node KRaft cluster the suite starts
// for them (testkafka.StartCluster): each runs as a subtest of TestScenario15Cluster, in
// order, and finds the cluster whole (every node running, every ISR full) whatever the
// scenario before did to it. Their topics have replication factor 3,
// min.insync.replicas=2 and unclean leader election off. FAULTS_RUN=Cluster/LeaderKill
// runs one of them (the cluster is started either way).
//
// The helpers here drive the traffic most of them share: a producer (idempotent,
// acks=all) and a group consumer on the cluster, with a ledger, phases, and the bound
// on the consumer's duplicates.

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func TestScenario15Cluster(t *testing.T) {
	start := time.Now()
	c := testkafka.StartCluster(t, 3)
	t.Logf("three-node cluster up in %.1fs at %s", time.Since(start).Seconds(), c.Bootstrap)
	for _, sc := range []struct {
		name string
		run  func(*testing.T, *testkafka.Cluster)
	}{
		{"LeaderKill", scenario15LeaderKill},
		{"RollingRestart", scenario16RollingRestart}, // and scenario 17, the stream reader
		{"TwoOfThreeKilled", scenario18TwoOfThreeKilled},
		{"GroupCoordinatorKill", scenario19GroupCoordinatorKill},
		{"TransactionCoordinatorKill", scenario20TransactionCoordinatorKill},
		{"NodeFrozen", scenario21NodeFrozen},
		{"MaxPollExceeded", scenario22MaxPollExceeded},
	} {
		t.Run(sc.name, func(t *testing.T) {
			wholeCluster(t, c)
			sc.run(t, c)
		})
	}
}

// wholeCluster brings the cluster back to every node running and thawed, and waits until
// every partition (internal topics too) has its full ISR.
func wholeCluster(t *testing.T, c *testkafka.Cluster) {
	t.Helper()
	for _, n := range c.Nodes {
		n.Thaw()
		if !n.Running() {
			n.Start(t)
		}
	}
	if d := c.WaitISR(t, 3*time.Minute); d > time.Second {
		t.Logf("cluster whole again after %.1fs", d.Seconds())
	}
}

// clusterProducerConfig is the producer every cluster scenario uses: idempotent,
// acks=all, and a message timeout longer than any fault (nothing may time out).
func clusterProducerConfig(c *testkafka.Cluster) map[string]any {
	return map[string]any{
		"bootstrap.servers":            c.Bootstrap,
		"enable.idempotence":           true,
		"acks":                         "all",
		"message.timeout.ms":           300_000,
		"queue.buffering.max.messages": 20_000,
		"linger.ms":                    5,
	}
}

// traffic is a producer and a group consumer running on the cluster at once.
type traffic struct {
	t      *testing.T
	topic  string
	group  string
	ledger *faults.Ledger
	dl     *deliveryLog
	perrs  *errorCounter
	cerrs  *errorCounter
	p      *producer.Producer
	c      *consumer.Consumer

	phase    atomic.Int32
	produced [4]atomic.Int64
	consumed [4]atomic.Int64
	lastRecv atomic.Int64 // unix nanoseconds of the last message received
	// lastCommitOK is when the last successful commit returned (unix nanoseconds).
	lastCommitOK atomic.Int64

	// The consumer commits its positions synchronously every commitEvery messages.
	// uncommitted counts messages received since the last successful commit; at every
	// assignment it is added to dupBound: only those can come again (the bound on
	// duplicates, checked by finish).
	commitEvery int
	mayFail     bool
	// logCopies, when set, says how many records of the topic are extra copies of a
	// message (the producer wrote it more than once); the consumer reads those too.
	logCopies   func() int
	mu          sync.Mutex
	uncommitted int
	dupBound    int
	assigns     int
	revokes     int
	losts       int
	rewinds     int    // a partition's message at or below an offset already received
	firstRewind string // e.g. "partition 2: offset 118 after 5321, 12.3s in"
	commits     int
	commitErrs  map[string]int

	stopProducing chan struct{}
	produceDone   chan trafficProduced
	stopConsuming chan struct{}
	consumeDone   chan error
}

type trafficProduced struct {
	sent, left int
	err        error
}

// trafficSpec describes the traffic: rate messages per second until stopped (or n keyed
// messages as fast as the queue takes them when n > 0), and consumer settings.
type trafficSpec struct {
	rate        int
	n           int
	keys        int // with n: message id i carries key i mod keys
	size        int
	commitEvery int            // default 500
	consumer    map[string]any // added to the consumer's configuration
	producer    map[string]any // added to the producer's configuration
	// mayFail: delivery reports may fail (each message still gets exactly one).
	mayFail bool
	// logger receives the producer's librdkafka log lines (default: quietLogger).
	logger *slog.Logger
}

func startTraffic(t *testing.T, c *testkafka.Cluster, topic string, spec trafficSpec) *traffic {
	t.Helper()
	if spec.commitEvery == 0 {
		spec.commitEvery = 500
	}
	if spec.size == 0 {
		spec.size = 100
	}
	tr := &traffic{
		t: t, topic: topic, group: testkafka.UniqueName("cluster"), ledger: faults.NewLedger(),
		perrs: newErrorCounter(), cerrs: newErrorCounter(), commitEvery: spec.commitEvery,
		commitErrs:    map[string]int{},
		stopProducing: make(chan struct{}), produceDone: make(chan trafficProduced, 1),
		stopConsuming: make(chan struct{}), consumeDone: make(chan error, 1),
	}
	tr.dl = newDeliveryLog(tr.ledger)
	pconf := clusterProducerConfig(c)
	for k, v := range spec.producer {
		pconf[k] = v
	}
	if spec.logger == nil {
		spec.logger = quietLogger()
	}
	tr.mayFail = spec.mayFail
	p, err := producer.New(pconf, producer.WithDeliveryReport(tr.dl.report),
		producer.WithErrorCallback(tr.perrs.callback), producer.WithLogger(spec.logger))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	tr.p = p
	t.Cleanup(func() { _ = p.Close() })
	conf := map[string]any{
		"bootstrap.servers":  c.Bootstrap,
		"group.id":           tr.group,
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
	}
	for k, v := range spec.consumer {
		conf[k] = v
	}
	cons, err := consumer.New(conf, consumer.WithErrorCallback(tr.cerrs.callback), consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	tr.c = cons
	t.Cleanup(func() { _ = cons.Close() })
	if err := cons.Subscribe([]string{topic},
		consumer.OnAssign(func(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
			tr.mu.Lock()
			tr.assigns++
			tr.dupBound += tr.uncommitted
			tr.mu.Unlock()
		}),
		consumer.OnRevoke(func(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
			tr.mu.Lock()
			tr.revokes++
			tr.mu.Unlock()
		}),
		consumer.OnLost(func(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
			tr.mu.Lock()
			tr.losts++
			tr.mu.Unlock()
		})); err != nil {
		t.Fatalf("subscribe: %v", err)
	}

	var keys [][]byte
	if spec.keys > 0 {
		keys = make([][]byte, spec.keys)
		for k := range keys {
			keys[k] = []byte("key-" + strconv.Itoa(k))
		}
	}
	go func() {
		pm := pump{topic: topic, n: spec.n, size: spec.size, rate: spec.rate, stop: tr.stopProducing,
			accepted: func(uint64) { tr.produced[tr.phase.Load()].Add(1) }}
		if keys != nil {
			pm.opts = func(id uint64) []producer.ProduceOption {
				return []producer.ProduceOption{producer.Key(keys[id%uint64(len(keys))])}
			}
		}
		sent, err := pm.run(p)
		left := p.Flush(5 * time.Minute)
		tr.produceDone <- trafficProduced{sent: sent, left: left, err: err}
	}()
	go func() {
		n := 0
		last := map[int32]int64{}
		began := time.Now()
		tr.consumeDone <- consumeUntil(cons, tr.ledger, 15*time.Minute, func() bool {
			select {
			case <-tr.stopConsuming:
				return true
			default:
				return false
			}
		}, func(m *message.Message, id uint64) {
			tr.consumed[tr.phase.Load()].Add(1)
			tr.lastRecv.Store(time.Now().UnixNano())
			tr.mu.Lock()
			tr.uncommitted++
			if prev, ok := last[m.Partition()]; ok && int64(m.Offset()) <= prev {
				tr.rewinds++
				if tr.firstRewind == "" {
					tr.firstRewind = fmt.Sprintf("partition %d: offset %d after %d, %.1fs in",
						m.Partition(), m.Offset(), prev, time.Since(began).Seconds())
				}
			}
			last[m.Partition()] = int64(m.Offset())
			tr.mu.Unlock()
			if n++; n%tr.commitEvery == 0 {
				tr.commit()
			}
		}, tr.cerrs)
	}()
	return tr
}

// commit commits the consumer's positions synchronously (from the consuming goroutine).
func (tr *traffic) commit() {
	tr.mu.Lock()
	pending := tr.uncommitted
	tr.mu.Unlock()
	_, err := tr.c.Commit()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.commits++
	if err != nil {
		tr.commitErrs[errName(err)]++
		return
	}
	tr.lastCommitOK.Store(time.Now().UnixNano())
	tr.uncommitted -= pending
}

// setPhase starts phase ph (0 before the fault, 1 during, 2 after) for the counts.
func (tr *traffic) setPhase(ph int32) { tr.phase.Store(ph) }

// waitConsumed waits until the consumer has received n messages in all.
func (tr *traffic) waitConsumed(n int, timeout time.Duration) bool {
	return eventually(timeout, func() bool { return tr.ledger.Counts().Received >= n })
}

// finish stops producing, flushes, waits until the consumer has every acknowledged
// message, stops it, closes both clients and checks the delivery reports (exactly one
// each, none failed) and the consumer's duplicates (at most the uncommitted window).
// It returns how many messages were produced.
func (tr *traffic) finish(s *scenario) int {
	t := tr.t
	t.Helper()
	close(tr.stopProducing)
	pres := <-tr.produceDone
	if pres.err != nil {
		t.Errorf("producing: %v", pres.err)
	}
	if pres.left != 0 {
		t.Errorf("Flush left %d messages outstanding after 5 minutes", pres.left)
	}
	if !eventually(3*time.Minute, func() bool { return tr.ledger.Counts().Lost == 0 }) {
		t.Errorf("the consumer did not receive every acknowledged message within 3 minutes after the last: %s", tr.ledger.Counts())
	}
	close(tr.stopConsuming)
	if err := <-tr.consumeDone; err != nil {
		t.Errorf("consuming: %v", err)
	}
	if err := tr.c.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
	if err := tr.p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	if f := tr.dl.Failed(); f > 0 && !tr.mayFail {
		t.Errorf("%d delivery reports failed (%s); none may while message.timeout.ms outlasts the fault", f, tr.dl.FailedByName())
	}
	tr.dl.exactlyOnce(t, 0, pres.sent)
	tr.mu.Lock()
	bound := tr.dupBound
	s.figure("consumer: %d assign, %d revoke, %d lost callbacks; %d commits (failed: %s); rewinds %d",
		tr.assigns, tr.revokes, tr.losts, tr.commits, countsString(tr.commitErrs), tr.rewinds)
	if tr.rewinds > 0 {
		s.figure("first rewind %s", tr.firstRewind)
	}
	tr.mu.Unlock()
	s.figure("client errors producer %s, consumer %s", tr.perrs, tr.cerrs)
	extra := 0
	if tr.logCopies != nil {
		extra = tr.logCopies()
		s.figure("records the log holds more than once %d (each read again)", extra)
	}
	cts := s.account(tr.ledger, bound+extra)
	s.figure("duplicates %d ≤ bound %d (uncommitted at each assignment) + %d (copies in the log)", cts.Duplicated, bound, extra)
	return pres.sent
}

// countsString is e.g. "NOT_COORDINATOR 2, _TRANSPORT 1", or "none".
func countsString(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	e := newErrorCounter()
	for name, n := range m {
		e.byName[name] = n
		e.total += n
	}
	return e.String()
}

// busiestLeader is the node leading the most partitions of topic (the lowest id on a tie).
func busiestLeader(t *testing.T, c *testkafka.Cluster, topic string) (node int32, led int) {
	t.Helper()
	count := map[int32]int{}
	for _, p := range c.Partitions(t, topic) {
		count[p.Leader]++
	}
	node = -1
	for id := int32(1); id <= int32(len(c.Nodes)); id++ {
		if count[id] > led {
			node, led = id, count[id]
		}
	}
	return node, led
}

// waitLeaderMoved waits until no partition of topic is led by node (and every one has a
// leader), and returns how long that took.
func waitLeaderMoved(t *testing.T, c *testkafka.Cluster, topic string, node int32, timeout time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	ok := eventually(timeout, func() bool {
		for _, p := range c.Partitions(t, topic) {
			if p.Leader == node || p.Leader < 0 {
				return false
			}
		}
		return true
	})
	if !ok {
		return time.Since(start), fmt.Errorf("node %d still leads a partition of %s (or one has no leader) after %v", node, topic, timeout)
	}
	return time.Since(start), nil
}

// logCounter is a slog handler that counts the log lines whose text (attributes
// included) contains each of its substrings, and passes nothing on.
type logCounter struct {
	subs  []string
	mu    *sync.Mutex
	count map[string]int
	first map[string]string
}

func newLogCounter(subs ...string) *logCounter {
	return &logCounter{subs: subs, mu: &sync.Mutex{}, count: map[string]int{}, first: map[string]string{}}
}

func (l *logCounter) logger() *slog.Logger { return slog.New(l) }

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logCounter) WithGroup(string) slog.Handler            { return l }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	text := r.Message
	r.Attrs(func(a slog.Attr) bool {
		text += " " + a.String()
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.subs {
		if strings.Contains(text, s) {
			l.count[s]++
			if _, ok := l.first[s]; !ok {
				l.first[s] = text
			}
		}
	}
	return nil
}

// Count is how many lines contained sub; First the first of them.
func (l *logCounter) Count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count[sub]
}

func (l *logCounter) First(sub string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first[sub]
}

// logCopies reads every partition of topic from its beginning to its high watermark
// (no group) and returns, for each message identity found more than once, where its
// copies are (" p2@118 p2@5321"), how many records it read, and how many of them were
// copies beyond the first of a message.
func logCopies(t *testing.T, bootstrap, topic string, partitions int) (where map[uint64]string, read, extra int) {
	t.Helper()
	c, err := consumer.New(map[string]any{"bootstrap.servers": bootstrap, "enable.partition.eof": false},
		consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("read-back consumer: %v", err)
	}
	defer c.Close()
	var parts []topicpartition.TopicPartition
	total := 0
	for p := int32(0); p < int32(partitions); p++ {
		low, high, err := c.GetWatermarkOffsets(topicpartition.New(topic, p, 0), 30*time.Second, false)
		if err != nil {
			t.Fatalf("watermarks of partition %d: %v", p, err)
		}
		total += int(high - low)
		parts = append(parts, topicpartition.New(topic, p, topicpartition.OffsetBeginning))
	}
	if err := c.Assign(parts); err != nil {
		t.Fatalf("assign: %v", err)
	}
	where = map[uint64]string{}
	count := map[uint64]int{}
	err = consumeUntil(c, faults.NewLedger(), 2*time.Minute, func() bool { return read >= total },
		func(m *message.Message, id uint64) {
			read++
			count[id]++
			where[id] += fmt.Sprintf(" p%d@%d", m.Partition(), m.Offset())
		}, nil)
	if err != nil {
		t.Errorf("reading %s back: %v", topic, err)
	}
	for id, n := range count {
		if n < 2 {
			delete(where, id)
		}
		extra += n - 1
	}
	return where, read, extra
}
