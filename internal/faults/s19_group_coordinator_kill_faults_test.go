//go:build faults

package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// Scenario 19, on the three-node cluster: the node coordinating a consumer group is
// SIGKILLed while the group's member consumes 2,000 messages a second and commits its
// positions synchronously every 500 messages. The group's state and offsets live in
// __consumer_offsets (replicated three times), so another node takes over as
// coordinator; the member must go on without being recreated, commits must succeed
// again, nothing may be lost, and the duplicates are bounded by the uncommitted window:
// at each (re)assignment, the messages received since the last successful commit (the
// only ones the group can hand out again).
func scenario19GroupCoordinatorKill(t *testing.T, c *testkafka.Cluster) {
	s := begin(t, "cluster-group-coordinator-kill")
	topic := c.CreateTopic(t, 6, nil)
	tr := startTraffic(t, c, topic, trafficSpec{rate: 2000, commitEvery: 500})
	if !tr.waitConsumed(6000, time.Minute) || !eventually(time.Minute, func() bool { return tr.lastCommitOK.Load() != 0 }) {
		t.Fatalf("only %d messages consumed (or nothing committed) in a minute, before any fault", tr.ledger.Counts().Received)
	}
	coord := c.GroupCoordinator(t, tr.group)
	// The harness computes the coordinator as the broker does; the cluster package asks
	// the broker. They must agree.
	admin, err := cluster.New(map[string]any{"bootstrap.servers": c.Bootstrap}, cluster.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("cluster client: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	desc, err := admin.DescribeGroups(ctx, tr.group)
	cancel()
	admin.Close()
	if err != nil || len(desc) != 1 || desc[0].Err != nil {
		t.Fatalf("describing group %s: %v %+v", tr.group, err, desc)
	}
	if desc[0].Coordinator.ID != coord {
		t.Fatalf("group %s: the broker names node %d its coordinator, the harness node %d", tr.group, desc[0].Coordinator.ID, coord)
	}

	tr.setPhase(1)
	killed := time.Now()
	c.Node(t, coord).Kill(t)
	if !eventually(time.Minute, func() bool {
		now := c.GroupCoordinator(t, tr.group)
		return now != coord && now >= 0
	}) {
		t.Fatalf("node %d still coordinates group %s a minute after it was killed", coord, tr.group)
	}
	moved := time.Since(killed)
	if !eventually(2*time.Minute, func() bool { return tr.lastCommitOK.Load() > killed.UnixNano() }) {
		t.Errorf("no commit succeeded within 2 minutes after the coordinator was killed")
	}
	committed := time.Duration(tr.lastCommitOK.Load() - killed.UnixNano())
	s.figure("coordinator node %d (broker and harness agree) SIGKILLed; new coordinator node %d after %.1fs; commits succeed again %.1fs after the kill",
		coord, c.GroupCoordinator(t, tr.group), moved.Seconds(), committed.Seconds())
	tr.setPhase(2)
	c.Node(t, coord).Start(t)
	isr := c.WaitISR(t, 3*time.Minute)
	s.figure("node %d back %.1fs after the kill, every ISR full %.1fs later", coord, time.Since(killed).Seconds()-isr.Seconds(), isr.Seconds())
	if !tr.waitConsumed(int(tr.produced[0].Load()+tr.produced[1].Load()+tr.produced[2].Load())+4000, 2*time.Minute) {
		t.Errorf("the consumer did not go on after the coordinator came back: %s", tr.ledger.Counts())
	}
	tr.finish(s)
	s.figure("consumed before/during/after %d/%d/%d", tr.consumed[0].Load(), tr.consumed[1].Load(), tr.consumed[2].Load())
}
