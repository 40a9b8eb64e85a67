//go:build faults

package faults_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Scenario 13: a group consumer with auto-commit has processed part of a topic (some of
// it committed explicitly, some not, and far more fetched ahead than processed) when
// the broker is SIGKILLed; Close starts, and the broker is restarted while Close is in
// progress. Close must return within its bound, and a new member of the same group must
// then receive every message the first one did not process: the committed offsets may
// never run ahead of what the first consumer's Poll returned.
const (
	s13Messages   = 3000
	s13Partitions = 3
	s13Committed  = 1000 // processed, then committed explicitly
	s13Processed  = 1500 // processed in all before the kill
	s13Slack      = 1 * time.Second
	// s13CloseBound is consumer 1's close timeout: long enough for the broker to be
	// back while Close still waits (a restart takes 5-25 s on a busy machine), so that
	// Close's final commit and leave-group meet the restarted broker.
	s13CloseBound = 60 * time.Second
)

func TestScenario13RestartDuringClose(t *testing.T) {
	s := begin(t, "restart-during-close")
	baseline := snapshotGoroutines()
	b := testkafka.StartBroker(t)
	topic := disposableTopic(t, b.Bootstrap, s13Partitions, nil)
	group := testkafka.UniqueName("s13")

	ledger := faults.NewLedger()
	dl := newDeliveryLog(ledger)
	p, err := producer.New(map[string]any{"bootstrap.servers": b.Bootstrap, "acks": "all"},
		producer.WithDeliveryReport(dl.report), producer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	if _, err := (pump{topic: topic, n: s13Messages, size: 100}).run(p); err != nil {
		t.Fatalf("producing: %v", err)
	}
	if left := p.Flush(60 * time.Second); left != 0 || dl.Delivered() != s13Messages {
		t.Fatalf("%d of %d messages acknowledged, %d outstanding", dl.Delivered(), s13Messages, left)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("producer Close: %v", err)
	}

	config := map[string]any{
		"bootstrap.servers":       b.Bootstrap,
		"group.id":                group,
		"auto.offset.reset":       "earliest",
		"enable.auto.commit":      true,
		"auto.commit.interval.ms": 500,
		// session.timeout.ms stays at its default (45 s), longer than the restart: the
		// member is still in the group when the broker is back, so Close's final commit
		// can land (a member whose session expired cannot commit).
	}
	var commitsMu sync.Mutex
	var commits []string // what the first consumer's commit callback heard
	c1, err := consumer.New(config, consumer.WithLogger(quietLogger()), consumer.WithCloseTimeout(s13CloseBound),
		consumer.WithCommitCallback(func(err error, parts []topicpartition.TopicPartition) {
			commitsMu.Lock()
			commits = append(commits, fmt.Sprintf("%s %v", errName(err), parts))
			commitsMu.Unlock()
		}))
	if err != nil {
		t.Fatalf("consumer 1: %v", err)
	}
	defer c1.Close()
	if err := c1.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	// processed[p] is the offset after the last message consumer 1 processed on p.
	processed := make([]topicpartition.Offset, s13Partitions)
	n1 := 0
	count1 := func(m *message.Message, _ uint64) {
		n1++
		processed[m.Partition()] = max(processed[m.Partition()], m.Offset()+1)
	}
	if err := consumeUntil(c1, ledger, 60*time.Second, func() bool { return n1 >= s13Committed }, count1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Commit(); err != nil {
		t.Fatalf("commit after %d messages: %v", n1, err)
	}
	if err := consumeUntil(c1, ledger, 60*time.Second, func() bool { return n1 >= s13Processed }, count1, nil); err != nil {
		t.Fatal(err)
	}

	// Kill the broker, start Close, bring the broker back while Close waits for it.
	b.Kill(t)
	type closed struct {
		err  error
		took time.Duration
	}
	closeDone := make(chan closed, 1)
	closeStart := time.Now()
	go func() {
		err := c1.Close()
		closeDone <- closed{err, time.Since(closeStart)}
	}()
	b.Restart(t)
	restarted := time.Since(closeStart)
	cc := <-closeDone
	s.figure("consumer 1 processed %d, Close %.1fs (%s), broker back %.1fs after Close began",
		n1, cc.took.Seconds(), errName(cc.err), restarted.Seconds())
	t.Logf("consumer 1 Close: %v", cc.err)
	if cc.took > s13CloseBound+s13Slack {
		t.Errorf("consumer Close took %v, more than its bound %v", cc.took, s13CloseBound)
	}
	if restarted < cc.took {
		s.figure("Close finished after the restart")
	}

	// A new member of the group must get everything consumer 1 did not process.
	c2, err := consumer.New(config, consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer 2: %v", err)
	}
	defer c2.Close()
	if err := c2.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe consumer 2: %v", err)
	}
	first2 := make([]topicpartition.Offset, s13Partitions)
	for i := range first2 {
		first2[i] = topicpartition.OffsetInvalid
	}
	n2 := 0
	start2 := time.Now()
	err = consumeUntil(c2, ledger, 2*time.Minute, func() bool { return n2 > 0 && ledger.Counts().Lost == 0 },
		func(m *message.Message, _ uint64) {
			n2++
			if first2[m.Partition()] == topicpartition.OffsetInvalid {
				first2[m.Partition()] = m.Offset()
			}
		}, nil)
	if err != nil {
		t.Error(err)
	}
	s.figure("consumer 2 received %d in %.1fs", n2, time.Since(start2).Seconds())

	// Where consumer 2 started on each partition is where the group's committed offset
	// was: it may be behind what consumer 1 processed (duplicates), never ahead (a gap).
	for part := int32(0); part < s13Partitions; part++ {
		if f := first2[part]; f != topicpartition.OffsetInvalid && f > processed[part] {
			t.Errorf("partition %d: consumer 1 processed up to offset %d, consumer 2 started at %d: offsets %d..%d skipped",
				part, processed[part], f, processed[part], f-1)
		}
	}
	committed, err := c2.Committed([]topicpartition.TopicPartition{
		topicpartition.New(topic, 0, 0), topicpartition.New(topic, 1, 0), topicpartition.New(topic, 2, 0)}, 30*time.Second)
	if err != nil {
		t.Errorf("committed offsets: %v", err)
	}
	t.Logf("consumer 1 processed up to %v; consumer 2 started at %v; committed now %v", processed, first2, committed)
	commitsMu.Lock()
	t.Logf("consumer 1 commit callbacks: %v", commits)
	if len(commits) > 0 {
		s.figure("consumer 1's last commit result %s", strings.Fields(commits[len(commits)-1])[0])
	}
	commitsMu.Unlock()
	if err := c2.Close(); err != nil {
		t.Errorf("consumer 2 Close: %v", err)
	}
	took := baseline.wait(t, 2*time.Minute)
	s.figure("engines finished %.1fs after consumer 2 closed", took.Seconds())
	s.account(ledger, -1)
}
