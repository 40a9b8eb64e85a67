//go:build faults

package faults_test

import (
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// Scenario 15, on the three-node cluster: the node leading the most partitions of the
// topic is SIGKILLed after 40 % of 200,000 keyed messages from an idempotent acks=all
// producer are acknowledged, while a group consumer reads them. Its partitions fail over
// to the other two nodes (whose ISR, two of three, still meets min.insync.replicas);
// the node is restarted once they have and must rejoin every ISR. The consumer must
// receive every acknowledged message; reading the topic back must show each message
// exactly once, every key on one partition, each key's messages in order (the read-back
// of scenario 1, with its 1,000 keys on 6 partitions).
func scenario15LeaderKill(t *testing.T, c *testkafka.Cluster) {
	s := begin(t, "cluster-leader-kill")
	const messages = 200_000
	topic := c.CreateTopic(t, s01Partitions, nil)
	tr := startTraffic(t, c, topic, trafficSpec{n: messages, keys: s01Keys, size: 64})

	if !eventually(3*time.Minute, func() bool { return tr.dl.Delivered() >= messages*2/5 }) {
		t.Fatalf("only %d of %d messages acknowledged within 3 minutes, before any fault", tr.dl.Delivered(), messages*2/5)
	}
	victim, led := busiestLeader(t, c, topic)
	acked := tr.dl.Delivered()
	tr.setPhase(1)
	killed := time.Now()
	c.Node(t, victim).Kill(t)
	moved, err := waitLeaderMoved(t, c, topic, victim, 2*time.Minute)
	if err != nil {
		t.Error(err)
	}
	s.figure("node %d (leader of %d of %d partitions) SIGKILLed at %d acked; leaders moved in %.1fs",
		victim, led, s01Partitions, acked, moved.Seconds())
	deliveredAfter := tr.dl.nextSuccess()
	select {
	case <-deliveredAfter:
		s.figure("first delivery after the kill %.1fs after it", time.Since(killed).Seconds())
	case <-time.After(2 * time.Minute):
		t.Errorf("no delivery report within 2 minutes after the kill")
	}
	restarting := time.Now()
	c.Node(t, victim).Start(t)
	tr.setPhase(2)
	up := time.Since(restarting)
	rejoined := c.WaitISR(t, 3*time.Minute, topic)
	s.figure("node %d restarted %.1fs after the kill (answering after %.1fs), in every ISR %.1fs later",
		victim, restarting.Sub(killed).Seconds(), up.Seconds(), rejoined.Seconds())

	sent := tr.finish(s)
	if sent != messages {
		t.Errorf("produced %d of %d messages", sent, messages)
	}
	s.figure("produced before/after the kill %d/%d, consumed %d/%d/%d (before/down/back)",
		tr.produced[0].Load(), tr.produced[1].Load()+tr.produced[2].Load(),
		tr.consumed[0].Load(), tr.consumed[1].Load(), tr.consumed[2].Load())

	// The log itself: each message exactly once, keys on one partition, in order.
	readBack := faults.NewLedger()
	total, err := s01ReadBack(t, c.Bootstrap, topic, readBack)
	if err != nil {
		t.Error(err)
	}
	rc := readBack.Counts()
	s.figure("log read back: %d records, %d distinct, %d twice", total, rc.Distinct, rc.Duplicated)
	if rc.Duplicated != 0 || rc.Lost != 0 || rc.Distinct != messages {
		t.Errorf("the topic holds %d distinct of %d messages with %d written twice", rc.Distinct, messages, rc.Duplicated)
	}
}
