//go:build faults

package faults_test

// Helpers any scenario may use: topics on a disposable broker, a delivery-report log
// that feeds a Ledger, a producing pump, a consuming loop, and waits on conditions and
// on goroutines a library finishes in the background.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// disposableTopic creates a fresh topic on bootstrap (typically a testkafka.Broker of
// the test's own) and waits until every partition has a leader. It is not deleted: the
// disposable broker and its storage go away with the test.
func disposableTopic(t *testing.T, bootstrap string, partitions int, configs map[string]string) string {
	t.Helper()
	name := testkafka.UniqueName(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := testkafka.CreateTopic(ctx, bootstrap, name, partitions, configs); err != nil {
		t.Fatalf("creating topic %s on %s: %v", name, bootstrap, err)
	}
	return name
}

// quietLogger is the logger for librdkafka's log lines in a scenario: faults make the
// engine complain at length, and the scenario counts what matters itself. Set
// FAULTS_VERBOSE=1 to see the lines on stderr.
func quietLogger() *slog.Logger {
	if os.Getenv("FAULTS_VERBOSE") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// errorCounter counts client-wide errors (an error callback's) by name, e.g. the
// transport failures and "all brokers down" a client reports while it retries.
type errorCounter struct {
	mu     sync.Mutex
	byName map[string]int
	total  int
}

func newErrorCounter() *errorCounter { return &errorCounter{byName: map[string]int{}} }

// callback is the function to give WithErrorCallback.
func (e *errorCounter) callback(err *kafkaerror.Error) {
	e.mu.Lock()
	e.byName[err.Name()]++
	e.total++
	e.mu.Unlock()
}

// Total is the number of errors counted.
func (e *errorCounter) Total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.total
}

// String is e.g. "3 (_TRANSPORT 2, _ALL_BROKERS_DOWN 1)".
func (e *errorCounter) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.total == 0 {
		return "0"
	}
	names := make([]string, 0, len(e.byName))
	for n := range e.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, e.byName[n])
	}
	return fmt.Sprintf("%d (%s)", e.total, strings.Join(parts, ", "))
}

// deliveryLog receives a producer's delivery reports for messages whose values are
// faults.Payload: a success marks the message acknowledged in the ledger. It counts the
// reports of every identity, so a scenario can check that each message got exactly one.
type deliveryLog struct {
	ledger *faults.Ledger

	mu      sync.Mutex
	reports map[uint64]int    // identity → reports received
	failed  map[string]int    // error name → failed reports
	bad     []string          // reports whose value carried no identity
	waiters []chan<- struct{} // closed at the next successful report

	delivered atomic.Int64
	failures  atomic.Int64
}

func newDeliveryLog(l *faults.Ledger) *deliveryLog {
	return &deliveryLog{ledger: l, reports: map[uint64]int{}, failed: map[string]int{}}
}

// report is the producer's delivery callback (WithDeliveryReport).
func (d *deliveryLog) report(err error, m *message.Message) {
	id, idErr := faults.ID(m.Value())
	d.mu.Lock()
	defer d.mu.Unlock()
	if idErr != nil {
		d.bad = append(d.bad, idErr.Error())
		return
	}
	d.reports[id]++
	if err != nil {
		d.failures.Add(1)
		name := err.Error()
		var ke *kafkaerror.Error
		if errors.As(err, &ke) {
			name = ke.Name()
		}
		d.failed[name]++
		return
	}
	d.delivered.Add(1)
	d.ledger.Acked(id)
	for _, w := range d.waiters {
		close(w)
	}
	d.waiters = nil
}

// nextSuccess returns a channel closed at the next successful delivery report.
func (d *deliveryLog) nextSuccess() <-chan struct{} {
	ch := make(chan struct{})
	d.mu.Lock()
	d.waiters = append(d.waiters, ch)
	d.mu.Unlock()
	return ch
}

// Delivered and Failed count the successful and failed reports so far.
func (d *deliveryLog) Delivered() int { return int(d.delivered.Load()) }
func (d *deliveryLog) Failed() int    { return int(d.failures.Load()) }

// FailedByName is e.g. "_PURGE_QUEUE 480, _PURGE_INFLIGHT 20" ("none" when none failed).
func (d *deliveryLog) FailedByName() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.failed) == 0 {
		return "none"
	}
	names := make([]string, 0, len(d.failed))
	for n := range d.failed {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, d.failed[n])
	}
	return strings.Join(parts, ", ")
}

// exactlyOnce fails the test unless each identity in [first, first+n) got exactly one
// report and no report came for anything else.
func (d *deliveryLog) exactlyOnce(t *testing.T, first uint64, n int) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	var none, many []uint64
	for id := first; id < first+uint64(n); id++ {
		switch c := d.reports[id]; {
		case c == 0:
			none = append(none, id)
		case c > 1:
			many = append(many, id)
		}
	}
	if len(none) > 0 {
		t.Errorf("%d messages got no delivery report (first: %v)", len(none), none[:min(len(none), 10)])
	}
	if len(many) > 0 {
		t.Errorf("%d messages got more than one delivery report (first: %v)", len(many), many[:min(len(many), 10)])
	}
	if len(d.reports) != n {
		t.Errorf("delivery reports for %d distinct messages, %d produced", len(d.reports), n)
	}
	if len(d.bad) > 0 {
		t.Errorf("%d delivery reports carried a foreign value (first: %s)", len(d.bad), d.bad[0])
	}
}

// pump describes a stream of produced messages: identities first, first+1, …, values
// faults.Payload(id, size).
type pump struct {
	topic string
	first uint64
	n     int             // how many to produce; 0: until stop
	size  int             // value size, at least faults.PayloadHeader
	rate  int             // messages per second; 0: as fast as the queue takes them
	stop  <-chan struct{} // closed: produce no more (nil: never)
	// opts gives per-message produce options (key, partition …); nil: none.
	opts func(id uint64) []producer.ProduceOption
	// accepted, when set, is called with each message Produce accepted.
	accepted func(id uint64)
}

// run produces on p from the calling goroutine, which also serves p's delivery reports
// (Poll) meanwhile: while the queue is full it polls and tries again. It returns how
// many messages Produce accepted, and the first error other than a full queue.
func (pm pump) run(p *producer.Producer) (int, error) {
	start := time.Now()
	sent := 0
	for pm.n == 0 || sent < pm.n {
		if pm.stop != nil {
			select {
			case <-pm.stop:
				return sent, nil
			default:
			}
		}
		if pm.rate > 0 {
			due := int(time.Since(start).Seconds() * float64(pm.rate))
			if sent >= due {
				p.Poll(2 * time.Millisecond)
				continue
			}
		}
		id := pm.first + uint64(sent)
		var opts []producer.ProduceOption
		if pm.opts != nil {
			opts = pm.opts(id)
		}
		err := p.Produce(pm.topic, faults.Payload(id, pm.size), opts...)
		if errors.Is(err, kafkaerror.ErrBufferFull) {
			p.Poll(5 * time.Millisecond)
			continue
		}
		if err != nil {
			return sent, fmt.Errorf("produce message %d: %w", id, err)
		}
		sent++
		if pm.accepted != nil {
			pm.accepted(id)
		}
		if sent%500 == 0 {
			p.Poll(0)
		}
	}
	return sent, nil
}

// consumeUntil polls c (from the calling goroutine) and records every message in l,
// calling each (when set) with the message and its identity, until done reports true
// or timeout passes (then it returns an error saying how far it got). Messages whose
// Err is set are counted in errs (when set) and otherwise skipped; a value that is not
// a faults.Payload is an error.
func consumeUntil(c *consumer.Consumer, l *faults.Ledger, timeout time.Duration, done func() bool,
	each func(m *message.Message, id uint64), errs *errorCounter) error {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("consumer did not finish within %v: %s", timeout, l.Counts())
		}
		m := c.Poll(100 * time.Millisecond)
		if m == nil {
			continue
		}
		if err := m.Err(); err != nil {
			if errors.Is(err, kafkaerror.ErrClosed) {
				return fmt.Errorf("consumer closed while consuming: %w", err)
			}
			if errs != nil {
				var ke *kafkaerror.Error
				if errors.As(err, &ke) {
					errs.callback(ke)
				} else {
					errs.callback(kafkaerror.Newf(kafkaerror.Unknown, "%v", err))
				}
			}
			continue
		}
		id, err := faults.ID(m.Value())
		if err != nil {
			return fmt.Errorf("message at %s [%d] @%d: %w", m.Topic(), m.Partition(), m.Offset(), err)
		}
		l.Seen(id)
		if each != nil {
			each(m, id)
		}
	}
	return nil
}

// eventually polls cond every 20 ms until it holds (true) or timeout passes (false).
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// goroutineBaseline remembers the goroutines running now; wait then waits until every
// goroutine started since has ended (a client's engine shutting down in the background
// after a bounded Close, for example), up to timeout, and returns how long that took.
type goroutineBaseline struct{ ignore goleak.Option }

func snapshotGoroutines() goroutineBaseline {
	return goroutineBaseline{ignore: goleak.IgnoreCurrent()}
}

func (g goroutineBaseline) wait(t *testing.T, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < timeout {
		if err = goleak.Find(g.ignore); err == nil {
			return time.Since(start)
		}
	}
	t.Errorf("goroutines still running %v after the clients were closed: %v", timeout, err)
	return time.Since(start)
}

// errName is a short name for an error in a figure: its kafkaerror name ("_TIMED_OUT"),
// "nil", or its text.
func errName(err error) string {
	var ke *kafkaerror.Error
	switch {
	case err == nil:
		return "nil"
	case errors.As(err, &ke):
		return ke.Name()
	default:
		return err.Error()
	}
}
