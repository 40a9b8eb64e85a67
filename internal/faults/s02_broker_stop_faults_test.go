//go:build faults

package faults_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// Scenario 2: the broker freezes (SIGSTOP) for 20 s while a producer produces at a
// steady rate and a group consumer consumes in parallel, then thaws (SIGCONT). Neither
// client is recreated: both must recover by themselves, and the consumer must end up
// with every message the broker acknowledged.
const (
	s02Rate       = 3000             // messages per second
	s02Partitions = 3                //
	s02Frozen     = 20 * time.Second // SIGSTOP → SIGCONT
	s02After      = 10 * time.Second // producing goes on this long after SIGCONT
)

// Phases of scenario 2, for counting what happened when.
const (
	s02Before = iota
	s02During
	s02Resumed
	s02Phases
)

func TestScenario02BrokerStop20s(t *testing.T) {
	s := begin(t, "broker-stop-20s")
	b := testkafka.StartBroker(t)
	topic := disposableTopic(t, b.Bootstrap, s02Partitions, nil)

	var phase atomic.Int32
	var produced, consumed [s02Phases]atomic.Int64
	var firstConsumedAfter atomic.Int64 // unix nanoseconds

	ledger := faults.NewLedger()
	dl := newDeliveryLog(ledger)
	perrs, cerrs := newErrorCounter(), newErrorCounter()
	p, err := producer.New(map[string]any{
		"bootstrap.servers":  b.Bootstrap,
		"enable.idempotence": true,
		"acks":               "all",
		"message.timeout.ms": 120_000, // outlasts the freeze: nothing may time out
	}, producer.WithDeliveryReport(dl.report), producer.WithErrorCallback(perrs.callback),
		producer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": b.Bootstrap,
		"group.id":          testkafka.UniqueName("s02"),
		"auto.offset.reset": "earliest",
	}, consumer.WithErrorCallback(cerrs.callback), consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}

	// The producer: a steady stream until stopProducing is closed, then Flush.
	stopProducing := make(chan struct{})
	type produceResult struct {
		sent, left int
		err        error
	}
	produceDone := make(chan produceResult, 1)
	go func() {
		pm := pump{topic: topic, size: 100, rate: s02Rate, stop: stopProducing,
			accepted: func(uint64) { produced[phase.Load()].Add(1) }}
		sent, err := pm.run(p)
		left := p.Flush(2 * time.Minute)
		produceDone <- produceResult{sent: sent, left: left, err: err}
	}()

	// The consumer: everything it receives goes into the ledger, until stopConsuming.
	stopConsuming := make(chan struct{})
	consumeDone := make(chan error, 1)
	go func() {
		consumeDone <- consumeUntil(c, ledger, 5*time.Minute, func() bool {
			select {
			case <-stopConsuming:
				return true
			default:
				return false
			}
		}, func(*message.Message, uint64) {
			ph := phase.Load()
			consumed[ph].Add(1)
			if ph == s02Resumed && firstConsumedAfter.Load() == 0 {
				firstConsumedAfter.Store(time.Now().UnixNano())
			}
		}, nil)
	}()

	s02Fault(t, s, b, &phase, &consumed[s02Before], &firstConsumedAfter, dl)
	close(stopProducing)
	pres := <-produceDone
	if pres.err != nil {
		t.Errorf("producing: %v", pres.err)
	}
	if pres.left != 0 {
		t.Errorf("Flush left %d messages outstanding after 2 minutes", pres.left)
	}
	if !eventually(2*time.Minute, func() bool { return ledger.Counts().Lost == 0 }) {
		t.Errorf("the consumer did not receive every acknowledged message within 2 minutes after the last one: %s", ledger.Counts())
	}
	close(stopConsuming)
	if err := <-consumeDone; err != nil {
		t.Errorf("consuming: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	if f := dl.Failed(); f > 0 {
		t.Errorf("%d delivery reports failed (%s), none may while message.timeout.ms outlasts the freeze", f, dl.FailedByName())
	}
	dl.exactlyOnce(t, 0, pres.sent)
	s.figure("produced before/during/after %d/%d/%d", produced[s02Before].Load(), produced[s02During].Load(), produced[s02Resumed].Load())
	s.figure("consumed before/during/after %d/%d/%d", consumed[s02Before].Load(), consumed[s02During].Load(), consumed[s02Resumed].Load())
	s.figure("client errors producer %s, consumer %s", perrs, cerrs)
	s.account(ledger, -1)
}

// s02Fault lets both clients run, freezes the broker for s02Frozen, thaws it, and
// measures how long each client takes to recover; it returns s02After after the thaw.
func s02Fault(t *testing.T, s *scenario, b *testkafka.Broker, phase *atomic.Int32,
	consumedBefore, firstConsumedAfter *atomic.Int64, dl *deliveryLog) {
	t.Helper()
	if !eventually(60*time.Second, func() bool { return consumedBefore.Load() >= 3*s02Rate }) {
		t.Errorf("the consumer received only %d messages in a minute, before any fault", consumedBefore.Load())
		return
	}
	phase.Store(s02During)
	b.Pause(t)
	<-time.After(s02Frozen) // the fault's length, not a synchronisation
	deliveredAfter := dl.nextSuccess()
	b.Resume(t)
	resumed := time.Now()
	phase.Store(s02Resumed)
	select {
	case <-deliveredAfter:
		s.figure("producer recovered %.1fs after SIGCONT", time.Since(resumed).Seconds())
	case <-time.After(90 * time.Second):
		t.Errorf("no delivery report within 90 s after SIGCONT")
	}
	if eventually(90*time.Second, func() bool { return firstConsumedAfter.Load() != 0 }) {
		s.figure("consumer recovered %.1fs after SIGCONT",
			time.Duration(firstConsumedAfter.Load()-resumed.UnixNano()).Seconds())
	} else {
		t.Errorf("no message consumed within 90 s after SIGCONT")
	}
	<-time.After(time.Until(resumed.Add(s02After))) // traffic after the fault, part of the scenario
}
