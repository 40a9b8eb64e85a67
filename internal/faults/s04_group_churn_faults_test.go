//go:build faults

package faults_test

// Scenario 4: group churn. 500,000 messages flow into a 12-partition topic while a pool
// of 2 to 4 consumers in one group changes every 2 to 4 seconds (a member closes, a new
// one joins, or both). Every message must be consumed at least once, and the duplicates
// must stay within the uncommitted window: what revoked members had consumed beyond the
// group's committed offset when their partitions were taken away.
//
// Members use the library's defaults: auto-commit (enable.auto.commit, every 5 s) of
// the offsets rdstreams stores for what Poll returned, and librdkafka's default
// assignors (range, roundrobin: the eager protocol, where every rebalance revokes every
// partition of every member — the most movement).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func TestScenario04GroupChurn(t *testing.T) {
	s := begin(t, "group-churn")
	const (
		total      = 500_000
		partitions = 12
		size       = 100
		produceFor = 40 * time.Second // the producer is paced over this long
		minMembers = 2
		maxMembers = 4
	)
	bootstrap := testkafka.Bootstrap(t)
	w := &s04World{
		bootstrap: bootstrap,
		topic:     testkafka.Topic(t, partitions, nil),
		group:     testkafka.UniqueName("s04-churn"),
		ledger:    faults.NewLedger(),
		events:    map[string]int{},
		last:      make([]atomic.Int64, partitions),
	}
	for i := range w.last {
		w.last[i].Store(-1)
	}
	start := time.Now()
	prod := s04Produce(w.bootstrap, w.topic, w.ledger, total, size, partitions, produceFor)
	t.Cleanup(prod.stop)

	var members []*s04Member
	joined, left := 0, 0
	join := func() {
		m, err := w.join(joined + 1)
		require.NoError(t, err, "member %d joining", joined+1)
		members = append(members, m)
		joined++
	}
	leave := func() {
		i := rand.IntN(len(members))
		m := members[i]
		members = append(members[:i], members[i+1:]...)
		if err := m.leave(); err != nil {
			t.Errorf("member %d Close: %v", m.n, err)
		}
		left++
	}
	t.Cleanup(func() { // on an early failure
		for _, m := range members {
			_ = m.leave()
		}
	})
	for range minMembers {
		join()
	}

	// Churn until every message has been consumed.
	deadline := start.Add(170 * time.Second)
	next := time.Now().Add(s04Every())
	var prodResult *s04ProduceResult
	for prodResult == nil || w.distinct.Load() < int64(prodResult.acked) {
		now := time.Now()
		if now.After(deadline) {
			t.Fatalf("after %v: %d of %d messages consumed (produced: %v)", now.Sub(start).Round(time.Second),
				w.distinct.Load(), total, prodResult != nil)
		}
		if prodResult == nil {
			select {
			case r := <-prod.done:
				prodResult = &r
				require.NoError(t, r.err, "producer")
			default:
			}
		}
		if now.After(next) {
			switch {
			case len(members) == minMembers:
				join()
			case len(members) == maxMembers:
				leave()
			default:
				switch rand.IntN(3) {
				case 0:
					join()
				case 1:
					leave()
				default:
					leave()
					join()
				}
			}
			next = time.Now().Add(s04Every())
		}
		time.Sleep(20 * time.Millisecond) // polling the consumed count
	}
	consumedIn := time.Since(start)
	for len(members) > 0 {
		leave()
	}

	require.Equal(t, total, prodResult.acked, "messages acknowledged")
	require.Zero(t, prodResult.failed, "delivery failures")
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Zero(t, w.corrupt, "values that are not the scenario's payloads")
	if len(w.closeErrs) > 0 {
		t.Errorf("members leaving: %v", w.closeErrs)
	}
	if len(w.fatal) > 0 {
		t.Errorf("fatal consumer errors: %v", w.fatal)
	}
	if joined < 6 || left < 6 {
		t.Errorf("only %d joins and %d leaves: the group hardly churned", joined, left)
	}
	s.figure("%d messages of %d B on %d partitions, produced over %.0fs", total, size, partitions, prodResult.took.Seconds())
	s.figure("members joined %d, left %d (2-4 at a time, a change every 2-4 s)", joined, left)
	s.figure("callbacks: %d assign, %d revoke, %d lost", w.assigns, w.revokes, w.lost)
	s.figure("all consumed after %.1fs (%.0f msg/s)", consumedIn.Seconds(), float64(total)/consumedIn.Seconds())
	s.figure("uncommitted at revocations %d (before librdkafka's revoke commit), still uncommitted at reassignment %d",
		w.revokeWindow, w.bound)
	if w.unmeasured+w.revokeUnmeasured > 0 {
		s.figure("committed offset unavailable for %d assigned, %d revoked partitions (floor used)", w.unmeasured, w.revokeUnmeasured)
	}
	if w.jumps > 0 {
		s.figure("offset jumps inside an assignment %d", w.jumps)
	}
	if len(w.events) > 0 {
		s.figure("consumer events %s", s04Names(w.events))
	}
	c := s.account(w.ledger, int(w.bound))
	s.figure("duplicates %d ≤ bound %d", c.Duplicated, w.bound)
}

// s04Every is the time to the next change in the group: 2 to 4 seconds.
func s04Every() time.Duration { return 2*time.Second + rand.N(2*time.Second) }

// s04World is what the members share.
type s04World struct {
	bootstrap, topic, group string
	ledger                  *faults.Ledger
	distinct                atomic.Int64   // messages received at least once
	last                    []atomic.Int64 // per partition: the highest offset consumed by any member

	mu               sync.Mutex
	bound            int64 // Σ over assignments of (consumed up to − committed)
	unmeasured       int   // assigned partitions whose committed offset could not be asked for
	revokeWindow     int64 // Σ over revocations of (consumed up to − committed), before the revoke commit
	revokeUnmeasured int
	assigns          int
	revokes          int
	lost             int
	jumps            int            // a message not following the previous one of its partition
	corrupt          int            // values faults.ID refuses
	events           map[string]int // error events from Poll, by code
	fatal            []string
	closeErrs        []string
}

// s04Member is one consumer of the group, polling on its own goroutine.
type s04Member struct {
	n    int
	w    *s04World
	c    *consumer.Consumer
	stop chan struct{}
	done chan error // Close's result, when the goroutine ends
	// The partitions this member holds: the first and last offsets it consumed of each
	// since it got it. Only the member's goroutine touches it (callbacks run there).
	held    map[int32]*s04Range
	closing bool // Close is running
}

type s04Range struct{ first, last int64 }

func (w *s04World) join(n int) (*s04Member, error) {
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": w.bootstrap,
		"group.id":          w.group,
		"auto.offset.reset": "earliest",
		"client.id":         fmt.Sprintf("s04-member-%d", n),
	}, consumer.WithLogger(cgQuietLogger()))
	if err != nil {
		return nil, err
	}
	m := &s04Member{n: n, w: w, c: c, stop: make(chan struct{}), done: make(chan error, 1), held: map[int32]*s04Range{}}
	err = c.Subscribe([]string{w.topic},
		consumer.OnAssign(m.assigned), consumer.OnRevoke(m.revoked(false)), consumer.OnLost(m.revoked(true)))
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	go m.run()
	return m, nil
}

// assigned measures what the member is about to redeliver: for each partition it gets,
// the offset after the last message anyone consumed of it minus the group's committed
// offset, where the member starts. The sum over every assignment bounds the duplicates.
//
// Inside Close (an incremental assignment can still arrive there) nothing is measured:
// the member consumes nothing more, and librdkafka would not answer Committed.
func (m *s04Member) assigned(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
	if m.closing {
		m.w.mu.Lock()
		m.w.assigns++
		m.w.mu.Unlock()
		return
	}
	committed := map[int32]topicpartition.TopicPartition{}
	if res, err := c.Committed(parts, 10*time.Second); err == nil {
		for _, tp := range res {
			committed[tp.Partition] = tp
		}
	}
	var window int64
	unmeasured := 0
	for _, tp := range parts {
		from := int64(0) // a safe floor
		if cm, ok := committed[tp.Partition]; ok && cm.Err == nil {
			from = max(0, int64(cm.Offset)) // OffsetInvalid (nothing committed): from 0
		} else {
			unmeasured++
		}
		window += max(0, m.w.last[tp.Partition].Load()+1-from)
	}
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	m.w.assigns++
	m.w.bound += window
	m.w.unmeasured += unmeasured
}

// revoked measures, for an orderly revocation or a loss, the window it may redeliver;
// inside Close the window was measured just before (see run).
func (m *s04Member) revoked(lost bool) consumer.RebalanceFunc {
	return func(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
		if !m.closing {
			m.measure(parts)
		}
		for _, tp := range parts {
			delete(m.held, tp.Partition)
		}
		m.w.mu.Lock()
		defer m.w.mu.Unlock()
		if lost {
			m.w.lost++
		} else {
			m.w.revokes++
		}
	}
}

// measure adds to the revocation window what giving up parts leaves uncommitted at
// this moment: for each partition this member consumed from, the offset after the last
// message it consumed minus the group's committed offset now. With auto-commit,
// librdkafka commits the stored offsets right after OnRevoke (and Close commits them
// before), so what the next owner redelivers (the bound) is normally much smaller.
func (m *s04Member) measure(parts []topicpartition.TopicPartition) {
	var consumed []topicpartition.TopicPartition
	for _, tp := range parts {
		if m.held[tp.Partition] != nil {
			consumed = append(consumed, topicpartition.New(tp.Topic, tp.Partition, topicpartition.OffsetInvalid))
		}
	}
	if len(consumed) == 0 {
		return
	}
	committed := map[int32]topicpartition.TopicPartition{}
	if res, err := m.c.Committed(consumed, 10*time.Second); err == nil {
		for _, tp := range res {
			committed[tp.Partition] = tp
		}
	}
	var window int64
	unmeasured := 0
	for _, tp := range consumed {
		r := m.held[tp.Partition]
		from := r.first // the member began at the committed offset (or 0): a safe floor
		if cm, ok := committed[tp.Partition]; ok && cm.Err == nil {
			from = max(0, int64(cm.Offset)) // OffsetInvalid (nothing committed): from 0
		} else {
			unmeasured++
		}
		window += max(0, r.last+1-from)
	}
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	m.w.revokeWindow += window
	m.w.revokeUnmeasured += unmeasured
}

func (m *s04Member) run() {
	for {
		select {
		case <-m.stop:
			// The window is measured before Close: librdkafka does not answer
			// Committed while the consumer closes (inside Close's OnRevoke it waits
			// out its whole timeout, then fails with _TIMED_OUT).
			if held, err := m.c.Assignment(); err == nil {
				m.measure(held)
			} else {
				m.w.mu.Lock()
				m.w.closeErrs = append(m.w.closeErrs, fmt.Sprintf("member %d Assignment: %v", m.n, err))
				m.w.mu.Unlock()
			}
			m.closing = true
			m.done <- m.c.Close()
			return
		default:
		}
		msg := m.c.Poll(100 * time.Millisecond)
		if msg == nil {
			continue
		}
		if err := msg.Err(); err != nil {
			m.w.event(err)
			continue
		}
		m.take(msg)
	}
}

func (m *s04Member) take(msg *message.Message) {
	p, off := msg.Partition(), int64(msg.Offset())
	if r := m.held[p]; r == nil {
		m.held[p] = &s04Range{first: off, last: off}
	} else {
		if off != r.last+1 {
			m.w.mu.Lock()
			m.w.jumps++
			m.w.mu.Unlock()
		}
		r.last = off
	}
	id, err := faults.ID(msg.Value())
	if err != nil {
		m.w.mu.Lock()
		m.w.corrupt++
		m.w.mu.Unlock()
		return
	}
	for last := &m.w.last[p]; ; {
		if cur := last.Load(); off <= cur || last.CompareAndSwap(cur, off) {
			break
		}
	}
	if m.w.ledger.Seen(id) {
		m.w.distinct.Add(1)
	}
}

// leave stops the member: its goroutine closes the consumer (leaving the group).
func (m *s04Member) leave() error {
	select {
	case <-m.stop:
		return nil // already left
	default:
	}
	close(m.stop)
	select {
	case err := <-m.done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("member %d did not close within 30 s", m.n)
	}
}

func (w *s04World) event(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	name := cgCodeName(err)
	w.events[name]++
	var kerr *kafkaerror.Error
	if errors.As(err, &kerr) && kerr.Fatal() {
		w.fatal = append(w.fatal, err.Error())
	}
}

func s04Names(counts map[string]int) string {
	var out []string
	for name, n := range counts {
		out = append(out, fmt.Sprintf("%s×%d", name, n))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// s04Producer produces the scenario's messages on its own goroutine.
type s04Producer struct {
	done chan s04ProduceResult
	quit chan struct{}
	once sync.Once
	exit chan struct{}
}

type s04ProduceResult struct {
	acked, failed int
	took          time.Duration
	err           error
}

func (p *s04Producer) stop() {
	p.once.Do(func() { close(p.quit) })
	<-p.exit
}

// s04Produce produces total messages with identities 0 … total-1, round-robin over the
// partitions, paced evenly over produceFor; every acknowledged one goes to the ledger.
func s04Produce(bootstrap, topic string, ledger *faults.Ledger, total, size, partitions int, produceFor time.Duration) *s04Producer {
	sp := &s04Producer{done: make(chan s04ProduceResult, 1), quit: make(chan struct{}), exit: make(chan struct{})}
	go func() {
		defer close(sp.exit)
		var r s04ProduceResult
		start := time.Now()
		defer func() {
			r.took = time.Since(start)
			sp.done <- r
		}()
		p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap, "linger.ms": 10},
			producer.WithLogger(cgQuietLogger()),
			producer.WithDeliveryReport(func(err error, m *message.Message) {
				if err != nil {
					r.failed++
					return
				}
				id, err := faults.ID(m.Value())
				if err != nil {
					r.failed++
					return
				}
				ledger.Acked(id)
				r.acked++
			}))
		if err != nil {
			r.err = err
			return
		}
		defer func() {
			if err := p.Close(); err != nil && r.err == nil {
				r.err = err
			}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-sp.quit:
				cancel()
			case <-ctx.Done():
			}
		}()
		for i := range total {
			if i%1000 == 0 {
				p.Poll(0)
				due := start.Add(time.Duration(i) * (produceFor / time.Duration(total)))
				if d := time.Until(due); d > 0 {
					select {
					case <-time.After(d): // pacing
					case <-ctx.Done():
						r.err = ctx.Err()
						return
					}
				}
			}
			if err := p.ProduceWait(ctx, topic, faults.Payload(uint64(i), size), producer.Partition(int32(i%partitions))); err != nil {
				r.err = fmt.Errorf("producing message %d: %w", i, err)
				return
			}
		}
		if left := p.Flush(time.Minute); left != 0 {
			r.err = fmt.Errorf("%d messages not delivered within a minute", left)
		}
	}()
	return sp
}
