//go:build faults

package faults_test

// Scenario 12, soak: two million messages through one rdstreams producer and one
// rdstreams consumer at the same time, with the process's resident memory sampled
// every second. Memory must stay flat once the clients are warmed up (a leak of a few
// dozen bytes per message would show as tens of megabytes), nothing may be lost or
// duplicated, and no goroutine may outlive the clients.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

const (
	soakMessages   = 2_000_000
	soakValueSize  = 128
	soakPartitions = 4
	// soakTrend bounds how far the late RSS level may lie above the warm-up level
	// (medians, see below); soakSpike bounds any sample above the warm-up level. The
	// clients' buffers are bounded below, so they are full within the warm-up.
	soakTrend = 48 << 20
	soakSpike = 100 << 20
	// soakDeadline bounds the whole produce → consume run.
	soakDeadline = 200 * time.Second
)

// soakRSS reads the process's resident set size (VmRSS) in bytes.
func soakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest) // "123456 kB"
			if len(fields) != 2 || fields[1] != "kB" {
				return 0, fmt.Errorf("unexpected VmRSS line %q", line)
			}
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS line %q: %w", line, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS line in /proc/self/status")
}

// soakSample is one RSS reading with how many messages had been consumed by then.
type soakSample struct {
	at       time.Duration
	rss      int64
	consumed int64
}

func soakMiB(b int64) float64 { return float64(b) / (1 << 20) }

// soakMedian is the median RSS of the samples taken while lo ≤ consumed < hi (or, when
// none was, the first one taken after lo), and how many samples it had.
func soakMedian(samples []soakSample, lo, hi int64) (int64, int) {
	var in []int64
	for _, sm := range samples {
		if sm.consumed >= lo && sm.consumed < hi {
			in = append(in, sm.rss)
		}
	}
	if len(in) == 0 {
		for _, sm := range samples {
			if sm.consumed >= lo {
				return sm.rss, 1
			}
		}
		return 0, 0
	}
	slices.Sort(in)
	return in[len(in)/2], len(in)
}

// soakAccount is the scenario's account (see scenario.account) from per-identity
// counters instead of a Ledger, whose maps would cost more than the soak measures:
// acked[id] counts acknowledgements, received[id] receptions.
func soakAccount(s *scenario, acked []uint8, received []uint16) {
	s.t.Helper()
	var c faults.Counts
	var missing []int
	for id := range acked {
		n := int(received[id])
		c.Received += n
		if n > 0 {
			c.Distinct++
			c.Duplicated += n - 1
		}
		switch {
		case acked[id] > 0:
			c.Acked++
			if n == 0 {
				c.Lost++
				if len(missing) < 10 {
					missing = append(missing, id)
				}
			}
		case n > 0:
			c.Unacked++
		}
	}
	s.mu.Lock()
	s.res.Lost, s.res.Duplicated = c.Lost, c.Duplicated
	s.mu.Unlock()
	s.figure("%s", c)
	if c.Lost > 0 {
		s.t.Errorf("%d acknowledged messages never received (first: %v)", c.Lost, missing)
	}
	if c.Duplicated > 0 {
		s.t.Errorf("%d duplicates: one consumer without rebalance must receive each message once", c.Duplicated)
	}
}

func TestScenario12Soak(t *testing.T) {
	s := begin(t, "soak-2M-rss-goroutines")
	ignore := goleak.IgnoreCurrent() // this scenario answers for its own goroutines only
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, soakPartitions, nil)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), soakDeadline)
	defer cancel()

	// Exact accounting without a map per message: one counter per identity.
	acked := make([]uint8, soakMessages)     // written by delivery callbacks (the poller goroutine)
	received := make([]uint16, soakMessages) // written by the consumer goroutine
	var consumed, distinct, deliveryFailed, foreign atomic.Int64
	var firstFailure atomic.Value

	p, err := producer.New(map[string]any{
		"bootstrap.servers":  bootstrap,
		"enable.idempotence": true,
		"linger.ms":          5,
		// Bounded buffers (the reports waiting for Poll too: as many as messages), so
		// that the steady state is reached early.
		"queue.buffering.max.messages": 20_000,
		"queue.buffering.max.kbytes":   8 << 10,
	}, producer.WithCloseTimeout(30*time.Second), producer.WithDeliveryReport(func(err error, m *message.Message) {
		if err != nil {
			if deliveryFailed.Add(1) == 1 {
				firstFailure.Store(err.Error())
			}
			return
		}
		id, err := faults.ID(m.Value())
		if err != nil || id >= soakMessages {
			foreign.Add(1)
			return
		}
		acked[id]++
	}))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	c, err := consumer.New(map[string]any{
		"bootstrap.servers":          bootstrap,
		"group.id":                   testkafka.UniqueName("soak"),
		"auto.offset.reset":          "earliest",
		"queued.max.messages.kbytes": 8 << 10,
		"queued.min.messages":        10_000,
	})
	if err != nil {
		_ = p.Close()
		t.Fatalf("consumer: %v", err)
	}
	if err := c.Subscribe([]string{topic}); err != nil {
		_ = p.Close()
		_ = c.Close()
		t.Fatalf("subscribe: %v", err)
	}

	var wg, sampler sync.WaitGroup
	stopSampling := make(chan struct{})
	var samplesMu sync.Mutex
	var samples []soakSample
	var sampleErr error
	sampler.Add(1)
	go func() { // RSS every second
		defer sampler.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			rss, err := soakRSS()
			samplesMu.Lock()
			if err != nil && sampleErr == nil {
				sampleErr = err
			}
			samples = append(samples, soakSample{at: time.Since(start), rss: rss, consumed: consumed.Load()})
			samplesMu.Unlock()
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	var produceErr error
	var producedFor time.Duration
	producedDone := make(chan struct{})
	wg.Add(1)
	go func() { // producer
		defer wg.Done()
		defer close(producedDone)
		defer func() { producedFor = time.Since(start) }()
		for id := uint64(0); id < soakMessages; id++ {
			if err := p.ProduceWait(ctx, topic, faults.Payload(id, soakValueSize)); err != nil {
				produceErr = fmt.Errorf("produce %d: %w", id, err)
				return
			}
		}
	}()
	var flushLeft int
	wg.Add(1)
	go func() { // delivery reports
		defer wg.Done()
		for {
			select {
			case <-producedDone:
				flushLeft = p.FlushContext(ctx)
				return
			default:
			}
			p.Poll(100 * time.Millisecond)
		}
	}()

	var consumeErr error
	wg.Add(1)
	go func() { // consumer
		defer wg.Done()
		for distinct.Load() < soakMessages {
			if ctx.Err() != nil {
				consumeErr = fmt.Errorf("consumed %d of %d distinct messages before the deadline", distinct.Load(), soakMessages)
				return
			}
			m := c.Poll(100 * time.Millisecond)
			if m == nil {
				continue
			}
			if err := m.Err(); err != nil {
				t.Logf("consumer event: %v", err)
				continue
			}
			id, err := faults.ID(m.Value())
			if err != nil || id >= soakMessages {
				foreign.Add(1)
				continue
			}
			if received[id] == 0 {
				distinct.Add(1)
			}
			if received[id] < 65535 {
				received[id]++
			}
			consumed.Add(1)
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampling)
	sampler.Wait()

	closeStart := time.Now()
	pErr := p.Close()
	cErr := c.Close()
	closeTook := time.Since(closeStart)
	endRSS, _ := soakRSS()

	if produceErr != nil {
		t.Error(produceErr)
	}
	if consumeErr != nil {
		t.Error(consumeErr)
	}
	if flushLeft != 0 {
		t.Errorf("%d messages still outstanding after flush", flushLeft)
	}
	if n := deliveryFailed.Load(); n > 0 {
		t.Errorf("%d delivery reports failed, first: %v", n, firstFailure.Load())
	}
	if n := foreign.Load(); n > 0 {
		t.Errorf("%d messages without a soak identity", n)
	}
	if pErr != nil {
		t.Errorf("producer close: %v", pErr)
	}
	if cErr != nil {
		t.Errorf("consumer close: %v", cErr)
	}
	if sampleErr != nil {
		t.Fatalf("sampling RSS: %v", sampleErr)
	}

	// Memory. The warm-up level is the median of the samples taken while the consumer
	// read the second tenth of the messages (the clients' bounded buffers have filled
	// by then), the late level the median of those taken during the last tenth, and
	// the peak the highest sample from the warm-up on. A leak shows as a late level
	// above the warm-up one: 30 bytes a message add 48 MB between the two windows.
	warm, warmN := soakMedian(samples, soakMessages/10, 2*soakMessages/10)
	late, lateN := soakMedian(samples, 9*soakMessages/10, soakMessages+1)
	var peak soakSample
	var peakAll int64
	for _, sm := range samples {
		peakAll = max(peakAll, sm.rss)
		if sm.consumed >= soakMessages/10 && sm.rss > peak.rss {
			peak = sm
		}
	}
	rate := float64(consumed.Load()) / elapsed.Seconds()
	s.figure("%d messages of %d B in %.1fs (%.0f msg/s; produced in %.1fs)", soakMessages, soakValueSize,
		elapsed.Seconds(), rate, producedFor.Seconds())
	s.figure("RSS warm-up %.0f MiB, late %.0f MiB, peak after warm-up %.0f MiB (at %d msgs), peak %.0f MiB, end %.0f MiB (%d samples)",
		soakMiB(warm), soakMiB(late), soakMiB(peak.rss), peak.consumed, soakMiB(peakAll), soakMiB(endRSS), len(samples))
	switch {
	case warmN == 0 || lateN == 0:
		t.Errorf("no RSS sample in the warm-up (%d) or late (%d) window", warmN, lateN)
	case late-warm > soakTrend:
		t.Errorf("RSS rose %.0f MiB from warm-up to the last tenth (%.0f → %.0f MiB), more than the %d MiB allowed: a leak?",
			soakMiB(late-warm), soakMiB(warm), soakMiB(late), soakTrend>>20)
	case peak.rss-warm > soakSpike:
		t.Errorf("RSS peaked %.0f MiB above the warm-up level (%.0f → %.0f MiB at %d messages), more than the %d MiB allowed",
			soakMiB(peak.rss-warm), soakMiB(warm), soakMiB(peak.rss), peak.consumed, soakSpike>>20)
	}
	for _, sm := range samples {
		t.Logf("rss %6.1fs %7.1f MiB consumed %d", sm.at.Seconds(), soakMiB(sm.rss), sm.consumed)
	}
	t.Logf("clients closed in %v", closeTook)

	// Exact loss and duplicate figures, from the per-identity counters.
	soakAccount(s, acked, received)

	leakStart := time.Now()
	goleak.VerifyNone(t, ignore)
	t.Logf("goroutine check took %v", time.Since(leakStart))
}
