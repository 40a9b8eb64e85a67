//go:build faults

package faults_test

// Scenarios 7 (here), 8, 8b and 9 (s08_acls_, s09_tls_faults_test.go) each run against
// a secured broker of their own (testkafka.StartSecureBroker: SASL_SSL with
// SCRAM-SHA-512, a certificate generated for 127.0.0.1, the StandardAuthorizer with no
// access unless an ACL allows it). This file also holds what they share: a recorder of
// the errors a client reports, one of its log lines, clients run side by side, and
// producing and consuming over SASL_SSL with the ledger.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
)

// secErrors records the errors one client reports (from Poll, an error callback, a
// stream's iteration or a delivery report), with the time each code first came,
// counted from start.
type secErrors struct {
	start time.Time

	mu    sync.Mutex
	first map[kafkaerror.Code]time.Duration
	text  map[kafkaerror.Code]string
	count map[kafkaerror.Code]int
}

func newSecErrors() *secErrors {
	return &secErrors{start: time.Now(), first: map[kafkaerror.Code]time.Duration{},
		text: map[kafkaerror.Code]string{}, count: map[kafkaerror.Code]int{}}
}

// add records err; anything that is not a *kafkaerror.Error is recorded as code
// Unknown (-196), so that it shows in the summary and fails any check for a code.
func (e *secErrors) add(err error) {
	if err == nil {
		return
	}
	code := kafkaerror.Unknown
	var kerr *kafkaerror.Error
	if errors.As(err, &kerr) {
		code = kerr.Code()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.first[code]; !ok {
		e.first[code] = time.Since(e.start)
		e.text[code] = err.Error()
	}
	e.count[code]++
}

// callback is add with the signature of the clients' WithErrorCallback.
func (e *secErrors) callback(err *kafkaerror.Error) { e.add(err) }

// seen returns the first arrival, text and count of code.
func (e *secErrors) seen(code kafkaerror.Code) (time.Duration, string, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.first[code], e.text[code], e.count[code]
}

// String is e.g. "_AUTHENTICATION×3 (first 0.2s), _ALL_BROKERS_DOWN×1 (first 0.2s)".
func (e *secErrors) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.count) == 0 {
		return "no errors"
	}
	codes := make([]kafkaerror.Code, 0, len(e.count))
	for c := range e.count {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return e.first[codes[i]] < e.first[codes[j]] })
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s×%d (first %.1fs)", c.Name(), e.count[c], e.first[c].Seconds())
	}
	return strings.Join(parts, ", ")
}

// secLog is a slog.Handler keeping one client's librdkafka log lines, to count what
// the engine did (connection attempts, failures) and to show them when a check fails.
type secLog struct {
	start time.Time
	mu    sync.Mutex
	lines []string
	at    []time.Duration // when each line was logged, from start
}

func newSecLog() *secLog { return &secLog{start: time.Now()} }

func (h *secLog) logger() *slog.Logger { return slog.New(h) }

func (h *secLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *secLog) Handle(_ context.Context, r slog.Record) error {
	facility := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "facility" {
			facility = a.Value.String()
		}
		return true
	})
	line := fmt.Sprintf("%6.2fs %s %s %s", r.Time.Sub(h.start).Seconds(), r.Level, facility, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "code" || a.Key == "error" {
			line += " " + a.String()
		}
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, line)
	h.at = append(h.at, r.Time.Sub(h.start))
	h.mu.Unlock()
	if os.Getenv("FAULTS_VERBOSE") != "" {
		fmt.Fprintln(os.Stderr, line)
	}
	return nil
}

func (h *secLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *secLog) WithGroup(string) slog.Handler      { return h }

// count is the number of lines containing substr.
func (h *secLog) count(substr string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, l := range h.lines {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

// firstAt is when the first line containing substr was logged, from the handler's
// creation, and whether one was.
func (h *secLog) firstAt(substr string) (time.Duration, string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, l := range h.lines {
		if strings.Contains(l, substr) {
			return h.at[i], l, true
		}
	}
	return 0, "", false
}

// tail is the last n lines, for a failure message.
func (h *secLog) tail(n int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	from := max(0, len(h.lines)-n)
	return strings.Join(h.lines[from:], "\n")
}

// secFailedLogins counts the failed logins in the broker's log: Kafka logs each at INFO
// as "Failed authentication with /127.0.0.1 (…)".
func secFailedLogins(t *testing.T, sb *testkafka.SecureBroker) int {
	t.Helper()
	data, err := os.ReadFile(sb.LogFile)
	if err != nil {
		t.Fatalf("reading the broker log: %v", err)
	}
	return bytes.Count(data, []byte("Failed authentication with"))
}

// secShort is the first line of an error text, at most 160 characters, for a figure.
func secShort(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// secMaxAttempts is the most connection attempts librdkafka's reconnect backoff allows
// one broker connection within d: the first at once, each next one at least 0.75 (the
// lowest jitter) times the backoff after the one before, the backoff starting at
// reconnect.backoff.ms (100 ms by default) and doubling per attempt up to
// reconnect.backoff.max.ms (10 s). For 15 s that is 8, for 20 s 9; a client that
// retried without backoff would make hundreds.
func secMaxAttempts(d time.Duration) int {
	n, at, backoff := 1, time.Duration(0), 100*time.Millisecond
	for {
		at += backoff * 3 / 4
		if at > d {
			return n
		}
		n++
		backoff = min(2*backoff, 10*time.Second)
	}
}

// secClient is one client a security scenario runs in its own goroutine, with what
// it reported and how long its life and its Close took.
type secClient struct {
	name  string
	errs  *secErrors
	log   *secLog
	start time.Time

	life   time.Duration // creation to the end of Close
	closed time.Duration // Close alone
	err    error         // the run's own failure (creating it, …) or Close's error
}

func newSecClient(name string) *secClient {
	return &secClient{name: name, errs: newSecErrors(), log: newSecLog(), start: time.Now()}
}

// secRun runs fn for each client concurrently and returns when all are done.
func secRun(clients []*secClient, fn func(c *secClient) error) {
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.errs.start, c.log.start, c.start = time.Now(), time.Now(), time.Now()
			c.err = fn(c)
			c.life = time.Since(c.start)
		}()
	}
	wg.Wait()
}

// secTimeClose runs closeFn and records how long it took.
func (c *secClient) secTimeClose(closeFn func() error) error {
	t0 := time.Now()
	err := closeFn()
	c.closed = time.Since(t0)
	return err
}

// secReadDenied reads st for up to wait, recording every error it yields, and stops at
// the first that matches stop (nil: read for the whole wait). A message read at all is
// recorded as an error: readMsg says what it means in this scenario. The stream is
// closed (timed) at the end.
// secOpenDenied opens a stream reader that must be refused: since a reader asks about
// its topics at Open (as hop's does), an error from Open is the refusal, recorded with
// its time; a reader that opens must be refused while reading (secReadDenied).
func (c *secClient) secOpenDenied(open func() (*stream.Stream, error), wait time.Duration, stop error, readMsg string) error {
	st, err := open()
	if err != nil {
		c.errs.add(err)
		return nil
	}
	return c.secReadDenied(st, wait, stop, readMsg)
}

func (c *secClient) secReadDenied(st *stream.Stream, wait time.Duration, stop error, readMsg string) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for m, err := range st.Messages(ctx) {
		if err != nil {
			c.errs.add(err)
			if stop != nil && errors.Is(err, stop) {
				break
			}
			continue
		}
		c.errs.add(fmt.Errorf("%s: %s/%d at offset %d", readMsg, m.Metadata.Topic, m.Metadata.Partition, m.Metadata.Offset))
	}
	return c.secTimeClose(st.Close)
}

// secAuthWindow is how long scenario 7 keeps the clients with a wrong password trying.
const secAuthWindow = 15 * time.Second

// TestScenario07WrongSCRAMPassword: a consumer, a producer, a stream reader and a stream
// writer (the hop path, with an explicit credential) log in over SASL_SSL, with the right
// CA and a wrong password, and keep trying for 15 s. Each must report the authentication
// failure within 10 s (the writer, which has no error channel of its own, in its log);
// none may hang: Flush returns at its deadline and every Close within its bound. No
// retry storm: the connection attempts each client makes (its debug log) and the failed
// logins the broker logs stay within what the reconnect backoff allows (secMaxAttempts).
// Then the right password works: a message each from a producer and a stream writer,
// read back by a consumer (the ledger: 0 lost) and by a stream reader.
func TestScenario07WrongSCRAMPassword(t *testing.T) {
	s := begin(t, "wrong-scram-password")
	sb := testkafka.StartSecureBroker(t)
	topic, streamTopic := secTopic(t, sb, 1), secTopic(t, sb, 1)
	group, streamGroup := testkafka.UniqueName("alice-group"), testkafka.UniqueName("alice-stream")
	sb.Grant(t,
		testkafka.ACL{User: sb.Alice.Name, Resource: "topic", Name: topic, Operation: "read"},
		testkafka.ACL{User: sb.Alice.Name, Resource: "topic", Name: topic, Operation: "write"},
		testkafka.ACL{User: sb.Alice.Name, Resource: "topic", Name: streamTopic, Operation: "read"},
		testkafka.ACL{User: sb.Alice.Name, Resource: "topic", Name: streamTopic, Operation: "write"},
		testkafka.ACL{User: sb.Alice.Name, Resource: "group", Name: group, Operation: "read"},
		testkafka.ACL{User: sb.Alice.Name, Resource: "group", Name: streamGroup, Operation: "read"})
	badPassword := "not-" + sb.Alice.Password
	wrong := sb.Config(sb.Alice)
	wrong["sasl.password"] = badPassword
	wrong["debug"] = "broker" // one "Connecting to" line per connection attempt
	wrongCred := stream.Credential{Username: sb.Alice.Name, Password: badPassword, SSLCALocation: sb.CAFile}
	url := fmt.Sprintf("kafka://%s@%s/%s", sb.Alice.Name, sb.SSLBootstrap, topic)
	const producerClose = 5 * time.Second

	loginsBefore := secFailedLogins(t, sb)
	clients := []*secClient{newSecClient("consumer"), newSecClient("producer"),
		newSecClient("stream-reader"), newSecClient("stream-writer")}
	secRun(clients, func(c *secClient) error {
		switch c.name {
		case "consumer":
			conf := secCopyConf(wrong)
			conf["group.id"] = group
			conf["auto.offset.reset"] = "earliest"
			cons, err := consumer.New(conf, consumer.WithLogger(c.log.logger()))
			if err != nil {
				return err
			}
			if err := cons.Subscribe([]string{topic}); err != nil {
				_ = cons.Close()
				return err
			}
			for deadline := time.Now().Add(secAuthWindow); time.Now().Before(deadline); {
				if m := cons.Poll(200 * time.Millisecond); m != nil {
					if m.Err() != nil {
						c.errs.add(m.Err())
					} else {
						c.errs.add(fmt.Errorf("consumed a message at offset %d with a wrong password", m.Offset()))
					}
				}
			}
			return c.secTimeClose(cons.Close)
		case "producer":
			p, err := producer.New(secCopyConf(wrong), producer.WithLogger(c.log.logger()),
				producer.WithErrorCallback(c.errs.callback), producer.WithCloseTimeout(producerClose),
				producer.WithDeliveryReport(func(err error, m *message.Message) {
					if err == nil {
						err = fmt.Errorf("delivered at offset %d with a wrong password", m.Offset())
					}
					c.errs.add(err)
				}))
			if err != nil {
				return err
			}
			if err := p.Produce(topic, faults.Payload(1000, 64)); err != nil {
				_ = p.Close()
				return err
			}
			for deadline := time.Now().Add(secAuthWindow); time.Now().Before(deadline); {
				p.Poll(200 * time.Millisecond)
			}
			err = c.secTimeClose(p.Close)
			if err == nil {
				return errors.New("producer Close reported no undelivered message")
			}
			c.errs.add(err)
			return nil
		case "stream-reader":
			return c.secOpenDenied(func() (*stream.Stream, error) {
				return stream.Open(url, stream.Read, stream.WithCredential(wrongCred), stream.Config(map[string]any{"debug": "broker"}),
					stream.StartAt(stream.Earliest), stream.Persist(), stream.WithLogger(c.log.logger()))
			}, secAuthWindow, nil, "read a message with a wrong password")
		default: // stream-writer
			st, err := stream.Open(url, stream.Write, stream.WithCredential(wrongCred), stream.Config(map[string]any{"debug": "broker"}),
				stream.WithCloseTimeout(producerClose), stream.WithLogger(c.log.logger()))
			if err != nil {
				return err
			}
			if err := st.Write(faults.Payload(1001, 64)); err != nil {
				_ = st.Close()
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), secAuthWindow)
			defer cancel()
			t0 := time.Now()
			err = st.Flush(ctx) // cannot deliver: returns at the deadline
			if late := time.Since(t0) - secAuthWindow; late > 5*time.Second {
				c.errs.add(fmt.Errorf("Flush returned %v after its deadline", late))
			}
			if err == nil {
				return errors.New("stream Flush reported the message delivered with a wrong password")
			}
			c.errs.add(err)
			if err := c.secTimeClose(st.Close); err == nil {
				return errors.New("stream Close reported no undelivered message")
			} else {
				c.errs.add(err)
			}
			return nil
		}
	})
	logins := secFailedLogins(t, sb) - loginsBefore

	maxTotal := 0
	for _, c := range clients {
		if c.err != nil {
			t.Errorf("%s: %v\n%s", c.name, c.err, c.log.tail(30))
		}
		if _, text, n := c.errs.seen(kafkaerror.Unknown); n > 0 {
			t.Errorf("%s: %d unexpected outcomes, first: %s", c.name, n, text)
		}
		// The writer reports client-wide errors only to its logger.
		at, text, n := c.errs.seen(kafkaerror.Authentication)
		ok := n > 0
		if c.name == "stream-writer" {
			at, text, ok = c.log.firstAt("code=" + kafkaerror.Authentication.Name())
		}
		switch {
		case !ok:
			t.Errorf("%s: no %s error in %v (errors: %s)\n%s", c.name, kafkaerror.Authentication.Name(), secAuthWindow, c.errs, c.log.tail(30))
		case at > 10*time.Second:
			t.Errorf("%s: the authentication error came after %v, more than 10 s", c.name, at)
		case !strings.Contains(text, "login as user") || !strings.Contains(text, "refused"):
			t.Errorf("%s: the authentication error does not name the login it refused: %s", c.name, text)
		}
		attempts := c.log.count("Connecting to ")
		bound := secMaxAttempts(c.life)
		maxTotal += bound
		if attempts < 1 || attempts > bound {
			t.Errorf("%s: %d connection attempts in %v, want 1..%d (reconnect backoff)", c.name, attempts, c.life.Round(time.Millisecond), bound)
		}
		closeBound := 10 * time.Second // the consumer and stream reader's default close timeout
		if c.name == "producer" || c.name == "stream-writer" {
			closeBound = producerClose
		}
		if c.closed > closeBound+2*time.Second {
			t.Errorf("%s: Close took %v, bound %v", c.name, c.closed, closeBound)
		}
		when := "never"
		if ok {
			when = fmt.Sprintf("after %.2fs", at.Seconds())
		}
		s.figure("%s: auth error %s, %d attempts in %.1fs (max %d), close %.2fs",
			c.name, when, attempts, c.life.Seconds(), bound, c.closed.Seconds())
		t.Logf("%s: errors %s; first %s", c.name, c.errs, secShort(text))
	}
	if logins < len(clients) || logins > maxTotal {
		t.Errorf("the broker logged %d failed logins, want %d..%d", logins, len(clients), maxTotal)
	}
	s.figure("broker: %d failed logins (max %d)", logins, maxTotal)

	// The right password: a producer's message read by a consumer, a stream writer's by
	// a stream reader (on a topic of its own).
	ledger := faults.NewLedger()
	t0 := time.Now()
	secProduceAll(t, sb.Config(sb.Alice), topic, ledger, 1, 1)
	secConsumeAll(t, sb.Config(sb.Alice), topic, group, ledger, 1)
	cred := stream.Credential{Username: sb.Alice.Name, Password: sb.Alice.Password, SSLCALocation: sb.CAFile}
	streamURL := fmt.Sprintf("kafka://%s@%s/%s", sb.Alice.Name, sb.SSLBootstrap, streamTopic)
	w, err := stream.Open(streamURL, stream.Write, stream.WithCredential(cred), stream.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("stream writer with the right password: %v", err)
	}
	defer w.Close()
	if err := w.Write(faults.Payload(2, 64)); err != nil {
		t.Fatalf("stream Write: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Flush(ctx); err != nil {
		t.Fatalf("stream Flush with the right password: %v", err)
	}
	ledger.Acked(2)
	if err := w.Close(); err != nil {
		t.Fatalf("stream writer Close: %v", err)
	}
	r, err := stream.Open(streamURL, stream.Read, stream.WithCredential(cred), stream.Group(streamGroup),
		stream.StartAt(stream.Earliest), stream.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("stream reader with the right password: %v", err)
	}
	defer r.Close()
	var read []uint64
	for m, err := range r.Messages(ctx) {
		if err == nil {
			var id uint64
			if id, err = faults.ID(m.Payload); err == nil {
				ledger.Seen(id)
				read = append(read, id)
				continue
			}
		}
		t.Errorf("stream reader with the right password: %v", err)
		break
	}
	if len(read) != 1 || read[0] != 2 {
		t.Errorf("the stream reader read %v, want [2]", read)
	}
	s.figure("right password: round trips in %.1fs", time.Since(t0).Seconds())
	s.account(ledger, 0)
}

// secProduceAll writes the messages first..first+n-1 (faults.Payload identities, keyed
// by identity) with conf and marks each delivered one in the ledger; every one must be
// delivered within 60 s.
func secProduceAll(t *testing.T, conf map[string]any, topic string, ledger *faults.Ledger, first uint64, n int) {
	t.Helper()
	var failed []error
	p, err := producer.New(secCopyConf(conf), producer.WithLogger(quietLogger()),
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			if err != nil {
				failed = append(failed, err)
				return
			}
			if id, err := faults.ID(m.Value()); err == nil {
				ledger.Acked(id)
			}
		}))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range n {
		id := first + uint64(i)
		if err := p.ProduceWait(ctx, topic, faults.Payload(id, 128), producer.Key([]byte(fmt.Sprint(id)))); err != nil {
			_ = p.Close()
			t.Fatalf("producing message %d: %v", id, err)
		}
	}
	left := p.FlushContext(ctx)
	if err := p.Close(); err != nil || left > 0 || len(failed) > 0 {
		t.Fatalf("producing %d messages: %d undelivered, %d delivery failures (first %v), Close: %v",
			n, left, len(failed), secFirstErr(failed), err)
	}
}

// secConsumeAll reads topic with a consumer in group (conf's user) until it has n
// messages, marking each in the ledger; it fails the test on any error or after 60 s.
func secConsumeAll(t *testing.T, conf map[string]any, topic, group string, ledger *faults.Ledger, n int) {
	t.Helper()
	cc := secCopyConf(conf)
	cc["group.id"] = group
	cc["auto.offset.reset"] = "earliest"
	c, err := consumer.New(cc, consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("consumer Close: %v", err)
		}
	}()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	got := 0
	for deadline := time.Now().Add(60 * time.Second); got < n && time.Now().Before(deadline); {
		m := c.Poll(200 * time.Millisecond)
		if m == nil {
			continue
		}
		if m.Err() != nil {
			t.Fatalf("consuming as %s after %d messages: %v", conf["sasl.username"], got, m.Err())
		}
		id, err := faults.ID(m.Value())
		if err != nil {
			t.Fatalf("consumed: %v", err)
		}
		ledger.Seen(id)
		got++
	}
	if got < n {
		t.Fatalf("%s consumed %d of %d messages in 60 s", conf["sasl.username"], got, n)
	}
}

// secFirstErr is the first of errs, or nil.
func secFirstErr(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

// secTopic creates a topic on the secured broker through its PLAINTEXT listener (a
// super user's).
func secTopic(t *testing.T, sb *testkafka.SecureBroker, partitions int) string {
	t.Helper()
	return disposableTopic(t, sb.Bootstrap, partitions, nil)
}

// secCopyConf is a copy of a client configuration, to change without touching the
// original.
func secCopyConf(conf map[string]any) map[string]any {
	out := make(map[string]any, len(conf))
	for k, v := range conf {
		out[k] = v
	}
	return out
}

// secMetadata is the cluster metadata as a cluster client with conf sees it (30 s at
// most), the client closed again.
func secMetadata(conf map[string]any) (*cluster.Metadata, error) {
	cl, err := cluster.New(conf, cluster.WithLogger(quietLogger()))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	md, err := cl.Metadata(ctx)
	if cerr := cl.Close(); err == nil {
		err = cerr
	}
	return md, err
}
