//go:build faults

package faults_test

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Scenario 22, on the three-node cluster: a group member consumes 20,000 messages in
// batches of 500 (Consume), committing synchronously after each, and stalls on one batch
// for s22Stall, past max.poll.interval.ms (10 s). librdkafka takes it out of the group:
// the application hears _MAX_POLL_EXCEEDED and OnLost, the member rejoins by itself and
// gets its partitions back at the group's committed offsets. Nothing may be lost, and
// the duplicates must be exactly the messages it had received and not committed when it
// lost its partitions: the stalled batch (and whatever it had fetched after it).
const s22Stall = 15 * time.Second

func scenario22MaxPollExceeded(t *testing.T, c *testkafka.Cluster) {
	s := begin(t, "cluster-max-poll-exceeded")
	const (
		total      = 20_000
		partitions = 6
		batch      = 500
		stallAt    = 10 // the batch the member stalls on
	)
	topic := c.CreateTopic(t, partitions, nil)
	ledger := faults.NewLedger()
	cgPrefill(t, c.Bootstrap, topic, partitions, total, 64, ledger)

	var uncommitted []uint64 // received since the last successful commit
	window := map[uint64]bool{}
	var assigns, losts, revokes int
	errs := newErrorCounter()
	cons, err := consumer.New(map[string]any{
		"bootstrap.servers": c.Bootstrap, "group.id": testkafka.UniqueName("s22"),
		"auto.offset.reset": "earliest", "enable.auto.commit": false,
		"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 10_000,
	}, consumer.WithLogger(quietLogger()), consumer.WithErrorCallback(errs.callback))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer cons.Close()
	if err := cons.Subscribe([]string{topic},
		consumer.OnAssign(func(*consumer.Consumer, []topicpartition.TopicPartition) {
			assigns++
			// What can come again is what was not committed when the partitions came back.
			for _, id := range uncommitted {
				window[id] = true
			}
		}),
		consumer.OnRevoke(func(*consumer.Consumer, []topicpartition.TopicPartition) { revokes++ }),
		consumer.OnLost(func(*consumer.Consumer, []topicpartition.TopicPartition) { losts++ }),
	); err != nil {
		t.Fatalf("subscribe: %v", err)
	}

	times := map[uint64]int{}
	batches, stalledSize := 0, 0
	var stalledAt time.Time
	var rejoined time.Duration
	commitErrs := map[string]int{}
	deadline := time.Now().Add(3 * time.Minute)
	for len(times) < total {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages after 3 minutes: %s", len(times), total, ledger.Counts())
		}
		msgs, err := cons.Consume(batch, time.Second)
		if err != nil {
			t.Fatalf("Consume: %v", err)
		}
		got := 0
		for _, m := range msgs {
			if e := m.Err(); e != nil {
				errs.callback(asKafkaError(e))
				continue
			}
			id, err := faults.ID(m.Value())
			if err != nil {
				t.Fatalf("%v", err)
			}
			ledger.Seen(id)
			times[id]++
			uncommitted = append(uncommitted, id)
			got++
		}
		if got == 0 {
			continue
		}
		if !stalledAt.IsZero() && rejoined == 0 && assigns > 1 {
			rejoined = time.Since(stalledAt)
		}
		if batches++; batches == stallAt {
			stalledSize = got
			stalledAt = time.Now()
			<-time.After(s22Stall) // the stall is the fault: processing that takes too long
			continue               // and the batch is not committed
		}
		if _, err := cons.Commit(); err != nil {
			commitErrs[errName(err)]++
			continue
		}
		uncommitted = uncommitted[:0]
	}
	if err := cons.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
	var dups []uint64
	for id, n := range times {
		if n > 1 {
			dups = append(dups, id)
		}
		if n > 2 {
			t.Errorf("message %d received %d times", id, n)
		}
	}
	sort.Slice(dups, func(i, j int) bool { return dups[i] < dups[j] })
	extra, missing := 0, 0
	for _, id := range dups {
		if !window[id] {
			extra++
		}
	}
	for id := range window {
		if times[id] < 2 {
			missing++
		}
	}
	s.figure("%d messages on %d partitions in batches of %d; stalled %.0fs on batch %d (%d messages)", total, partitions, batch, s22Stall.Seconds(), stallAt, stalledSize)
	s.figure("callbacks %d assign, %d revoke, %d lost; events and errors %s; commits failed %s; consuming again %.1fs after the stall began",
		assigns, revokes, losts, errs, countsString(commitErrs), rejoined.Seconds())
	s.figure("uncommitted when the partitions came back %d, received twice %d (outside that window %d, inside it but not again %d)",
		len(window), len(dups), extra, missing)
	if losts == 0 {
		t.Errorf("OnLost never called after a stall past max.poll.interval.ms")
	}
	if assigns < 2 {
		t.Errorf("the member did not get its partitions back (%d assignments)", assigns)
	}
	if len(window) < stalledSize {
		t.Errorf("the uncommitted window (%d) is smaller than the stalled batch (%d)", len(window), stalledSize)
	}
	if extra != 0 || missing != 0 {
		t.Errorf("the duplicates are not exactly the uncommitted window: %d outside it, %d of it not received again", extra, missing)
	}
	s.account(ledger, len(window))
}

// asKafkaError is err as a *kafkaerror.Error (one of code Unknown carrying its text when
// it is not one).
func asKafkaError(err error) *kafkaerror.Error {
	var ke *kafkaerror.Error
	if errors.As(err, &ke) {
		return ke
	}
	return kafkaerror.Newf(kafkaerror.Unknown, "%v", err)
}
