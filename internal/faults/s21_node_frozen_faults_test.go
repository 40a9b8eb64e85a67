//go:build faults

package faults_test

import (
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// Scenario 21, on the three-node cluster: the node leading the most partitions is frozen
// (SIGSTOP) for s21Frozen, past the cluster's broker session timeout (6 s: the
// controllers fence it and move its leaderships) and replica lag time (8 s: it leaves
// every ISR), under a producer (idempotent, acks=all) writing 2,000 messages a second and
// a group consumer; then it is thawed (SIGCONT). On waking it still believes itself the
// leader of its old partitions until it learns otherwise: a split brain, if anything
// it accepted then counted. Checked: nothing acknowledged is lost; the log holds each
// message once (read back); both clients go on by themselves, without being recreated;
// the node rejoins every ISR.
const s21Frozen = 20 * time.Second

func scenario21NodeFrozen(t *testing.T, c *testkafka.Cluster) {
	s := begin(t, "cluster-node-frozen")
	const partitions = 6
	topic := c.CreateTopic(t, partitions, nil)
	tr := startTraffic(t, c, topic, trafficSpec{rate: 2000})
	var example string
	tr.logCopies = func() int {
		copies, read, extra := logCopies(t, c.Bootstrap, topic, partitions)
		for _, where := range copies {
			example = where
			break
		}
		s.figure("log read back: %d records, %d messages in it more than once%s", read, len(copies), example)
		if extra > 0 {
			t.Errorf("the log holds %d extra copies of messages (e.g.%s)", extra, example)
		}
		return extra
	}
	if !tr.waitConsumed(6000, time.Minute) {
		t.Fatalf("only %d messages consumed in a minute, before any fault", tr.ledger.Counts().Received)
	}
	victim, led := busiestLeader(t, c, topic)
	node := c.Node(t, victim)
	tr.setPhase(1)
	frozen := time.Now()
	node.Pause(t)
	moved, err := waitLeaderMoved(t, c, topic, victim, time.Minute)
	if err != nil {
		t.Error(err)
	}
	s.figure("node %d (leader of %d of %d partitions) frozen; its leaderships moved after %.1fs", victim, led, partitions, moved.Seconds())
	<-time.After(time.Until(frozen.Add(s21Frozen))) // the freeze's length, not a synchronisation
	outOfISR := 0
	for _, p := range c.Partitions(t, topic) {
		if !containsNode(p.ISR, victim) {
			outOfISR++
		}
	}
	s.figure("after %.0fs out of the ISR of %d of %d partitions", s21Frozen.Seconds(), outOfISR, partitions)
	if outOfISR != partitions {
		t.Errorf("node %d frozen for %v is still in the ISR of %d partitions", victim, s21Frozen, partitions-outOfISR)
	}
	tr.setPhase(2)
	node.Resume(t)
	isr := c.WaitISR(t, 3*time.Minute, topic)
	s.figure("thawed; back in every ISR after %.1fs", isr.Seconds())
	if !tr.waitConsumed(int(tr.produced[0].Load()+tr.produced[1].Load()+tr.produced[2].Load())+4000, 2*time.Minute) {
		t.Errorf("the consumer did not go on after the thaw: %s", tr.ledger.Counts())
	}
	tr.finish(s)
	s.figure("produced before/frozen/after %d/%d/%d, consumed %d/%d/%d", tr.produced[0].Load(), tr.produced[1].Load(),
		tr.produced[2].Load(), tr.consumed[0].Load(), tr.consumed[1].Load(), tr.consumed[2].Load())
}

func containsNode(nodes []int32, id int32) bool {
	for _, n := range nodes {
		if n == id {
			return true
		}
	}
	return false
}
