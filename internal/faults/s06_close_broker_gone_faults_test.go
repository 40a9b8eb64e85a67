//go:build faults

package faults_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// Scenario 6: the broker dies for good (SIGKILL, never restarted) under a producer
// holding undelivered messages and a group consumer that has been assigned partitions
// and consumed from them. Closing each, with the library's default close bounds, must
// return within 10 s; the producer's Close must give every undelivered message its
// failed delivery report, so that successes plus failures account for every message.
const (
	s06Partitions  = 3
	s06Delivered   = 2000 // produced and acknowledged before the kill
	s06Undelivered = 500  // produced after the kill
	s06Bound       = 10 * time.Second
	// s06Slack is what a loaded two-core machine may add to a bound before a call
	// returns; it is not part of the bound the library promises.
	s06Slack = 1 * time.Second
)

func TestScenario06CloseBrokerGone(t *testing.T) {
	s := begin(t, "close-broker-gone")
	baseline := snapshotGoroutines()
	b := testkafka.StartBroker(t)
	topic := disposableTopic(t, b.Bootstrap, s06Partitions, nil)

	ledger := faults.NewLedger()
	dl := newDeliveryLog(ledger)
	p, err := producer.New(map[string]any{
		"bootstrap.servers": b.Bootstrap,
		"acks":              "all",
	}, producer.WithDeliveryReport(dl.report), producer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": b.Bootstrap,
		"group.id":          testkafka.UniqueName("s06"),
		"auto.offset.reset": "earliest",
	}, consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}

	// Healthy first: the producer delivers, the consumer is assigned and consumes.
	if _, err := (pump{topic: topic, n: s06Delivered, size: 100}).run(p); err != nil {
		t.Fatalf("producing: %v", err)
	}
	if left := p.Flush(60 * time.Second); left != 0 {
		t.Fatalf("%d messages not delivered within a minute, before any fault", left)
	}
	seen := 0
	if err := consumeUntil(c, ledger, 60*time.Second, func() bool { return seen >= s06Delivered/2 },
		func(*message.Message, uint64) { seen++ }, nil); err != nil {
		t.Fatal(err)
	}
	assigned, err := c.Assignment()
	if err != nil || len(assigned) == 0 {
		t.Fatalf("consumer assignment %v, %v: it should hold partitions", assigned, err)
	}

	b.Kill(t)
	if _, err := (pump{topic: topic, first: s06Delivered, n: s06Undelivered, size: 100}).run(p); err != nil {
		t.Fatalf("producing after the kill: %v", err)
	}

	type closed struct {
		err  error
		took time.Duration
	}
	pdone, cdone := make(chan closed, 1), make(chan closed, 1)
	go func() {
		start := time.Now()
		err := p.Close()
		pdone <- closed{err, time.Since(start)}
	}()
	go func() {
		start := time.Now()
		err := c.Close()
		cdone <- closed{err, time.Since(start)}
	}()
	pc, cc := <-pdone, <-cdone
	failed := dl.Failed()
	s.figure("producer Close %.1fs with %d undelivered (%s)", pc.took.Seconds(), failed, dl.FailedByName())
	s.figure("consumer Close %.1fs (%s)", cc.took.Seconds(), errName(cc.err))
	t.Logf("producer Close: %v", pc.err)
	t.Logf("consumer Close: %v", cc.err)

	if pc.took > s06Bound+s06Slack {
		t.Errorf("producer Close took %v with the broker gone, more than %v (library default close timeout %v)",
			pc.took, s06Bound, producer.DefaultCloseTimeout)
	}
	if cc.took > s06Bound+s06Slack || cc.took > consumer.DefaultCloseTimeout+s06Slack {
		t.Errorf("consumer Close took %v with the broker gone, more than %v (library default close timeout %v)",
			cc.took, s06Bound, consumer.DefaultCloseTimeout)
	}
	// Every message has exactly one report: the first s06Delivered succeeded, the rest failed.
	dl.exactlyOnce(t, 0, s06Delivered+s06Undelivered)
	if d := dl.Delivered(); d != s06Delivered {
		t.Errorf("%d successful delivery reports, want %d (those acknowledged before the kill)", d, s06Delivered)
	}
	if failed != s06Undelivered {
		t.Errorf("%d failed delivery reports, want %d (those produced after the kill)", failed, s06Undelivered)
	}
	if pc.err == nil || !errors.Is(pc.err, kafkaerror.PurgeQueue) {
		t.Errorf("producer Close returned %v, want a _PURGE_QUEUE error counting the undelivered messages", pc.err)
	}
	// Later calls on either client say it is closed.
	if err := p.Produce(topic, []byte("late")); !errors.Is(err, kafkaerror.ErrClosed) {
		t.Errorf("Produce after Close: %v, want ErrClosed", err)
	}
	if m := c.Poll(0); m == nil || !errors.Is(m.Err(), kafkaerror.ErrClosed) {
		t.Errorf("Poll after Close: %v, want a message carrying ErrClosed", m)
	}
	took := baseline.wait(t, 3*time.Minute)
	s.figure("engines finished in the background %.1fs later", took.Seconds())
}
