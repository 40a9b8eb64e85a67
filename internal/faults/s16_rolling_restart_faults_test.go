//go:build faults

package faults_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/stream"
)

// Scenario 16, on the three-node cluster: a rolling restart, as for an upgrade. Each
// node in turn is stopped gracefully (SIGTERM: controlled shutdown hands its leaderships
// over first), started again on its storage, and the next one waits until every ISR is
// full again. A producer (idempotent, acks=all) writes 2,000 messages a second
// throughout and a group consumer reads them; neither is recreated. Every acknowledged
// message must be consumed, every message gets exactly one delivery report, none of
// them failed, and the consumer's duplicates stay within its uncommitted window.
//
// Scenario 17 runs during the same restart: a stream reader with Persist (hop's
// reading model: every partition assigned to itself, no group membership) opened on the
// topic before the first node stops must read every message exactly once, in offset
// order per partition, without being reopened.
const (
	s16Rate       = 2000
	s16Partitions = 6
)

func scenario16RollingRestart(t *testing.T, c *testkafka.Cluster) {
	s := begin(t, "cluster-rolling-restart")
	topic := c.CreateTopic(t, s16Partitions, nil)

	// Scenario 17's reader, opened first so that it reads from offset 0; it learns how
	// many messages to expect once producing has ended.
	produced := make(chan int, 1)
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		t.Run("StreamPersist", func(t *testing.T) { scenario17StreamPersist(t, c, topic, produced) })
	}()
	defer func() { <-streamDone }()
	defer close(produced) // first of the two: a reader still waiting learns there is no count

	tr := startTraffic(t, c, topic, trafficSpec{rate: s16Rate})
	if !tr.waitConsumed(3*s16Rate, time.Minute) {
		t.Fatalf("only %d messages consumed in a minute, before any fault: %s", tr.ledger.Counts().Received, tr.ledger.Counts())
	}
	tr.setPhase(1)
	start := time.Now()
	var steps []string
	for _, n := range c.Nodes {
		id := len(steps) + 1
		t0 := time.Now()
		n.Stop(t)
		stopped := time.Since(t0)
		n.Start(t)
		started := time.Since(t0) - stopped
		isr := c.WaitISR(t, 3*time.Minute)
		steps = append(steps, fmt.Sprintf("node %d stop %.1fs, start %.1fs, ISR full %.1fs", id, stopped.Seconds(), started.Seconds(), isr.Seconds()))
	}
	tr.setPhase(2)
	s.figure("rolling restart %.1fs (%s)", time.Since(start).Seconds(), strings.Join(steps, "; "))
	// Traffic after the restart, part of the scenario: both clients must still work.
	if !tr.waitConsumed(int(tr.produced[0].Load()+tr.produced[1].Load())+3*s16Rate, 2*time.Minute) {
		t.Errorf("the consumer did not catch up within 2 minutes after the restart: %s", tr.ledger.Counts())
	}
	sent := tr.finish(s)
	produced <- sent
	s.figure("produced before/during/after %d/%d/%d, consumed %d/%d/%d", tr.produced[0].Load(), tr.produced[1].Load(),
		tr.produced[2].Load(), tr.consumed[0].Load(), tr.consumed[1].Load(), tr.consumed[2].Load())
}

// scenario17StreamPersist reads topic through a Persist stream reader until it has every
// one of the messages produced (their count arrives on produced; every one of them was
// acknowledged, which scenario 16 checks), and checks that each came once, in offset
// order per partition.
func scenario17StreamPersist(t *testing.T, c *testkafka.Cluster, topic string, produced <-chan int) {
	s := begin(t, "stream-persist-rolling-restart")
	url := "kafka://" + c.Bootstrap + "/" + topic
	opened := time.Now()
	r, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.Persist(), stream.StartAt(stream.Earliest),
		stream.WithLogger(quietLogger()))
	if err != nil {
		<-produced
		t.Fatalf("stream.Open %s: %v", url, err)
	}
	defer r.Close()
	s.figure("opened in %.1fs", time.Since(opened).Seconds())
	ledger := faults.NewLedger()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var want atomic.Int64
	want.Store(-1)
	go func() {
		n, ok := <-produced
		if !ok {
			cancel()
			return
		}
		for id := 0; id < n; id++ {
			ledger.Acked(uint64(id))
		}
		want.Store(int64(n))
		if !eventually(3*time.Minute, func() bool { return ledger.Counts().Distinct >= n }) {
			t.Errorf("the stream reader had %d of %d messages 3 minutes after producing ended", ledger.Counts().Distinct, n)
		}
		cancel()
	}()
	lastOffset := map[int32]int64{}
	lastID := map[int32]uint64{}
	var disorder, readErrs int
	var firstErr error
	for m, err := range r.Messages(ctx) {
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			readErrs++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		id, err := faults.ID(m.Payload)
		if err != nil {
			t.Errorf("%s [%d] @%d: %v", m.Metadata.Topic, m.Metadata.Partition, m.Metadata.Offset, err)
			continue
		}
		ledger.Seen(id)
		p, off := m.Metadata.Partition, int64(m.Metadata.Offset)
		if last, ok := lastOffset[p]; ok && (off <= last || id <= lastID[p]) {
			disorder++
			if disorder <= 5 {
				t.Errorf("partition %d: message %d at offset %d after message %d at offset %d", p, id, off, lastID[p], last)
			}
		}
		lastOffset[p], lastID[p] = off, id
	}
	if err := r.Close(); err != nil {
		t.Errorf("stream Close: %v", err)
	}
	if want.Load() < 0 {
		t.Fatalf("the stream reader stopped before producing ended (or scenario 16 failed first)")
	}
	s.figure("read errors surfaced and passed %d (first: %v), out of order %d", readErrs, errName(firstErr), disorder)
	if disorder > 0 {
		t.Errorf("%d messages out of offset order", disorder)
	}
	s.account(ledger, 0)
}
