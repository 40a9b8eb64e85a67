//go:build faults

package faults_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Scenario 20, on the three-node cluster: a consume-transform-produce loop (scenario 5's,
// in process) copies 5,000 inputs to an output topic in transactions of 100, the
// consumed offsets committed with each. Inside one transaction — its messages delivered,
// its offsets not yet sent — the node coordinating the transactional.id is SIGKILLed.
// The loop goes on as the Python client's documentation says an application should: a
// retriable error repeats the call, one that requires an abort aborts the transaction and
// rewinds the consumer to the group's committed offsets, so the batch is done again. After
// fail-over (__transaction_state is replicated three times) the transaction either
// completes or aborts, and the output read committed must hold each input exactly once.
func scenario20TransactionCoordinatorKill(t *testing.T, c *testkafka.Cluster) {
	s := begin(t, "cluster-transaction-coordinator-kill")
	const (
		total      = 5000
		partitions = 3
		batch      = 100
		killIn     = 12 // the batch inside which the coordinator dies
	)
	in := c.CreateTopic(t, partitions, nil)
	out := c.CreateTopic(t, partitions, nil)
	ledger := faults.NewLedger()
	cgPrefill(t, c.Bootstrap, in, partitions, total, 64, ledger)
	txid := testkafka.UniqueName("s20-txn")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var deliveryErrs []error
	p, err := producer.New(map[string]any{
		"bootstrap.servers": c.Bootstrap, "transactional.id": txid, "linger.ms": 5,
		"transaction.timeout.ms": 60_000,
	}, producer.WithLogger(quietLogger()), producer.WithDeliveryReport(func(err error, _ *message.Message) {
		if err != nil {
			deliveryErrs = append(deliveryErrs, err)
		}
	}))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	cons, err := consumer.New(map[string]any{
		"bootstrap.servers": c.Bootstrap, "group.id": testkafka.UniqueName("s20-group"),
		"enable.auto.commit": false, "auto.offset.reset": "earliest", "isolation.level": "read_committed",
	}, consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer cons.Close()
	if err := cons.Subscribe([]string{in}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}

	events := newErrorCounter()
	coord := c.TransactionCoordinator(t, txid)
	var killed time.Time
	calls := map[string]int{} // "CommitTransaction RETRIABLE_CODE" → times
	aborted, batches, done := 0, 0, 0
	start := time.Now()
	for done < total {
		if ctx.Err() != nil {
			t.Fatalf("input not finished in 5 minutes: %d of %d committed", done, total)
		}
		got, err := cons.Consume(batch, time.Second)
		if err != nil {
			t.Fatalf("Consume: %v", err)
		}
		// Events come with the messages: a node that went away is reported
		// (_TRANSPORT, connection refused) and the consumer carries on.
		var msgs []*message.Message
		for _, m := range got {
			if e := m.Err(); e != nil {
				var ke *kafkaerror.Error
				if errors.As(e, &ke) && ke.Fatal() {
					t.Fatalf("consuming: %v", e)
				}
				events.callback(asKafkaError(e))
				continue
			}
			msgs = append(msgs, m)
		}
		if len(msgs) == 0 {
			continue
		}
		batches++
		if err := s20Retry(ctx, calls, "BeginTransaction", func() error { return p.BeginTransaction() }); err != nil {
			t.Fatalf("BeginTransaction: %v", err)
		}
		next := map[int32]topicpartition.Offset{}
		for _, m := range msgs {
			if err := p.Produce(out, m.Value()); err != nil {
				t.Fatalf("producing: %v", err)
			}
			next[m.Partition()] = m.Offset() + 1
		}
		if left := p.Flush(time.Minute); left != 0 {
			t.Fatalf("batch %d: %d messages undelivered after a minute", batches, left)
		}
		if batches == killIn {
			c.Node(t, coord).Kill(t)
			killed = time.Now()
		}
		var offsets []topicpartition.TopicPartition
		for part, off := range next {
			offsets = append(offsets, topicpartition.New(in, part, off))
		}
		md, err := cons.GroupMetadata()
		if err != nil {
			t.Fatalf("GroupMetadata: %v", err)
		}
		err = s20Retry(ctx, calls, "SendOffsetsToTransaction", func() error { return p.SendOffsetsToTransaction(ctx, offsets, md) })
		if err == nil {
			err = s20Retry(ctx, calls, "CommitTransaction", func() error { return p.CommitTransaction(ctx) })
		}
		var ke *kafkaerror.Error
		switch {
		case err == nil:
			done += len(msgs)
			if batches == killIn {
				s.figure("the transaction open at the kill committed %.1fs after it", time.Since(killed).Seconds())
			}
		case errors.As(err, &ke) && ke.TxnRequiresAbort():
			if err := s20Retry(ctx, calls, "AbortTransaction", func() error { return p.AbortTransaction(ctx) }); err != nil {
				t.Fatalf("AbortTransaction after %v: %v", ke, err)
			}
			aborted++
			s20Rewind(t, cons)
			s.figure("batch %d aborted (%s) %.1fs after the kill, done again", batches, ke.Name(), time.Since(killed).Seconds())
		default:
			t.Fatalf("batch %d: %v", batches, err)
		}
	}
	s.figure("%d inputs in %d transactions (%d aborted) in %.1fs; coordinator node %d SIGKILLed inside transaction %d",
		total, batches, aborted, time.Since(start).Seconds(), coord, killIn)
	s.figure("calls repeated or failed: %s; consumer events %s", countsString(calls), events)
	if len(deliveryErrs) > 0 {
		t.Errorf("%d delivery reports failed (first: %v)", len(deliveryErrs), deliveryErrs[0])
	}
	if err := cons.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	// The transaction was finished by another coordinator: the dead one's partition of
	// __transaction_state has a new leader.
	newCoord := c.TransactionCoordinator(t, txid)
	if newCoord == coord || newCoord < 0 {
		t.Errorf("transactional.id %s: coordinator %d after node %d was killed", txid, newCoord, coord)
	}
	s.figure("coordinator after fail-over node %d", newCoord)
	c.Node(t, coord).Start(t)

	committed := s05ReadOutput(t, c.Bootstrap, out, partitions, "read_committed")
	for _, id := range committed {
		ledger.Seen(id)
	}
	uncommitted := s05ReadOutput(t, c.Bootstrap, out, partitions, "read_uncommitted")
	s.figure("output %d read committed, %d read uncommitted", len(committed), len(uncommitted))
	s.account(ledger, 0)
}

// s20Retry calls fn again while it fails with a retriable error (as Python's client
// says to do with a transactional call), counting each failure by call and code in calls.
func s20Retry(ctx context.Context, calls map[string]int, name string, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		calls[fmt.Sprintf("%s %s", name, errName(err))]++
		var ke *kafkaerror.Error
		if !errors.As(err, &ke) || !ke.Retriable() || ctx.Err() != nil {
			return err
		}
	}
}

// s20Rewind moves the consumer back to the group's committed offsets (the start of the
// aborted batch), as an application must after aborting.
func s20Rewind(t *testing.T, cons *consumer.Consumer) {
	t.Helper()
	assigned, err := cons.Assignment()
	if err != nil {
		t.Fatalf("Assignment: %v", err)
	}
	committed, err := cons.Committed(assigned, 30*time.Second)
	if err != nil {
		t.Fatalf("Committed: %v", err)
	}
	for _, tp := range committed {
		if tp.Offset < 0 {
			tp.Offset = topicpartition.OffsetBeginning
		}
		if err := cons.Seek(tp); err != nil {
			t.Fatalf("Seek %v: %v", tp, err)
		}
	}
}
