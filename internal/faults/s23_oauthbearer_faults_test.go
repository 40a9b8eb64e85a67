//go:build faults

package faults_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
)

// Scenario 23: OAUTHBEARER. A broker whose OAUTHBEARER listener validates tokens with
// Kafka's own validator (OAuthBearerValidatorCallbackHandler) against the key set,
// issuer and audience of an identity provider the test runs (testkafka.IdentityProvider:
// RS256 tokens, a JWKS, a client-credentials token endpoint).
//
//   - librdkafka's OIDC flow, configuration only (sasl.oauthbearer.method=oidc): a
//     producer and a consumer fetch tokens from the endpoint and make a round trip;
//     tokens last s23Lifetime, so they are fetched again while the clients run, and a
//     second round trip follows the refresh;
//   - a hop auth.toml entry with token_endpoint: a stream writer and a reader (with the
//     file, as hop users have it) make a round trip;
//   - refused: a wrong client secret (the endpoint refuses), an expired token and a
//     token signed with a key the JWKS does not hold (the broker refuses): each fails
//     fast, with an _AUTHENTICATION error whose text says what happened.
const s23Lifetime = 10 * time.Second

func TestScenario23OAuthBearer(t *testing.T) {
	s := begin(t, "oauthbearer-oidc")
	idp := testkafka.StartIdentityProvider(t)
	good := testkafka.OAuthClient{ID: "rdstreams-app", Secret: "app-secret", Lifetime: s23Lifetime}
	idp.AddClient(good)
	idp.AddClient(testkafka.OAuthClient{ID: "expired-app", Secret: "s2", Expired: true})
	idp.AddClient(testkafka.OAuthClient{ID: "forged-app", Secret: "s3", Forged: true})
	started := time.Now()
	b := testkafka.StartOAuthBroker(t, idp)
	t.Cleanup(func() {
		if t.Failed() { // the broker's word on tokens, for the failure report
			raw, _ := os.ReadFile(b.LogFile)
			for _, line := range strings.Split(string(raw), "\n") {
				if l := strings.ToLower(line); strings.Contains(l, "callback") || strings.Contains(l, "jwt") || strings.Contains(l, "jwks") {
					t.Log("broker: " + line)
				}
			}
		}
	})
	s.figure("broker with an OAUTHBEARER listener up in %.1fs", time.Since(started).Seconds())
	topic := disposableTopic(t, b.Bootstrap, 3, nil)
	ledger := faults.NewLedger()

	// OIDC, configuration only.
	conf := b.OIDCConfig(idp, good)
	first := s23RoundTrip(t, conf, topic, ledger, 0, 2000)
	s.figure("OIDC round trip of 2000 in %.1fs with %d tokens issued", first.Seconds(), idp.TokensIssued())
	s23Refresh(t, s, idp, conf, topic, ledger, 50_000)

	// hop auth.toml with token_endpoint, through stream.
	dir := t.TempDir()
	authFile := filepath.Join(dir, "auth.toml")
	entry := fmt.Sprintf("[[auth]]\nusername = %q\npassword = %q\nprotocol = \"SASL_PLAINTEXT\"\ntoken_endpoint = %q\n",
		good.ID, good.Secret, idp.TokenEndpoint)
	if err := os.WriteFile(authFile, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	hopStart := time.Now()
	s23Stream(t, "kafka://"+b.OAuthBootstrap+"/"+topic, authFile, ledger, 100_000, 500)
	s.figure("hop auth.toml with token_endpoint: stream round trip of 500 in %.1fs", time.Since(hopStart).Seconds())

	// Refused logins.
	for _, bad := range []struct {
		name string
		conf map[string]any
		want string
	}{
		{"wrong-secret", b.OIDCConfig(idp, testkafka.OAuthClient{ID: good.ID, Secret: "not-the-secret"}),
			"refused the client: wrong client id or secret?"},
		{"expired-token", b.OIDCConfig(idp, testkafka.OAuthClient{ID: "expired-app", Secret: "s2"}),
			"the token has already expired"},
		{"forged-token", b.OIDCConfig(idp, testkafka.OAuthClient{ID: "forged-app", Secret: "s3"}),
			"the broker did not accept the token"},
		{"endpoint-down", s23With(conf, "sasl.oauthbearer.token.endpoint.url", "http://"+testkafka.ClosedPort(t)+"/token"),
			"no token from the token endpoint"},
	} {
		took, err := s23Refused(t, bad.conf, topic)
		s.figure("%s: %s after %.2fs: %v", bad.name, errName(err), took.Seconds(), err)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: the error does not say %q: %v", bad.name, bad.want, err)
		}
	}
	s.figure("token endpoint: %d issued, %d refused; key set fetched %d times", idp.TokensIssued(), idp.TokensRefused(), idp.KeySetFetches())
	s.account(ledger, 0)
}

// s23RoundTrip produces n messages (identities first …) with conf and reads them back
// with a consumer of the same configuration, recording both in ledger.
func s23RoundTrip(t *testing.T, conf map[string]any, topic string, ledger *faults.Ledger, first uint64, n int) time.Duration {
	t.Helper()
	start := time.Now()
	dl := newDeliveryLog(ledger)
	perrs := newErrorCounter()
	p, err := producer.New(conf, producer.WithDeliveryReport(dl.report), producer.WithErrorCallback(perrs.callback),
		producer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	if _, err := (pump{topic: topic, first: first, n: n, size: 64}).run(p); err != nil {
		t.Fatalf("producing: %v", err)
	}
	if left := p.Flush(time.Minute); left != 0 {
		t.Fatalf("%d messages undelivered after a minute (producer errors %s)", left, perrs)
	}
	if err := p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	cconf := map[string]any{"group.id": testkafka.UniqueName("s23"), "auto.offset.reset": "earliest"}
	for k, v := range conf {
		cconf[k] = v
	}
	cerrs := newErrorCounter()
	c, err := consumer.New(cconf, consumer.WithErrorCallback(cerrs.callback), consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	got := 0
	if err := consumeUntil(c, ledger, time.Minute, func() bool { return got >= n }, func(_ *message.Message, id uint64) {
		if id >= first && id < first+uint64(n) {
			got++
		}
	}, cerrs); err != nil {
		t.Fatalf("consuming (consumer errors %s): %v", cerrs, err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
	return time.Since(start)
}

// s23Stream writes n messages through a stream writer logging in with the auth file and
// reads them back with a stream reader that does too.
func s23Stream(t *testing.T, url, authFile string, ledger *faults.Ledger, first uint64, n int) {
	t.Helper()
	w, err := stream.Open(url, stream.Write, stream.AuthFile(authFile), stream.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("stream writer: %v", err)
	}
	for i := 0; i < n; i++ {
		if err := w.Write(faults.Payload(first+uint64(i), 64)); err != nil {
			t.Fatalf("stream Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("stream writer Close (some messages undelivered?): %v", err)
	}
	for i := 0; i < n; i++ { // Close returned nil: every message was delivered
		ledger.Acked(first + uint64(i))
	}
	r, err := stream.Open(url, stream.Read, stream.AuthFile(authFile), stream.StartAt(stream.Earliest),
		stream.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("stream reader: %v", err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got := 0
	for m, err := range r.Messages(ctx) {
		if err != nil {
			t.Fatalf("stream reader: %v", err)
		}
		id, err := faults.ID(m.Payload)
		if err != nil {
			t.Fatalf("stream reader: %v", err)
		}
		if id >= first {
			ledger.Seen(id)
			got++
		}
	}
	if got != n {
		t.Errorf("the stream reader read %d of the %d messages written", got, n)
	}
}

// s23Refused starts a consumer with conf and returns the first client error it reports
// and how long after New that came; the test fails unless it is an _AUTHENTICATION error
// within 10 s.
func s23Refused(t *testing.T, conf map[string]any, topic string) (time.Duration, error) {
	t.Helper()
	var mu sync.Mutex
	var first *kafkaerror.Error
	var at time.Duration
	start := time.Now()
	cconf := map[string]any{"group.id": testkafka.UniqueName("s23-refused")}
	if os.Getenv("FAULTS_VERBOSE") != "" {
		cconf["debug"] = "security,broker"
	}
	for k, v := range conf {
		cconf[k] = v
	}
	c, err := consumer.New(cconf, consumer.WithLogger(quietLogger()), consumer.WithErrorCallback(func(e *kafkaerror.Error) {
		mu.Lock()
		if first == nil {
			first, at = e, time.Since(start)
		}
		mu.Unlock()
	}))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := c.Poll(100 * time.Millisecond); m != nil && m.Err() == nil {
			t.Errorf("a refused client received a message")
		}
		mu.Lock()
		done := first != nil
		mu.Unlock()
		if done {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if first == nil {
		t.Errorf("no error within 10 s")
		return time.Since(start), errors.New("none")
	}
	if !errors.Is(first, kafkaerror.Authentication) {
		t.Errorf("first error %s, want _AUTHENTICATION: %v", first.Name(), first)
	}
	if strings.TrimSpace(first.Str()) == "" {
		t.Errorf("an error without text")
	}
	return at, first
}

// s23With is conf with key set to value (a copy).
func s23With(conf map[string]any, key string, value any) map[string]any {
	out := map[string]any{key: value}
	for k, v := range conf {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// s23Refresh keeps a producer open past its token's lifetime: librdkafka must fetch a
// new token before the old one expires (at about 80 % of its life) and the producer
// must still deliver afterwards.
func s23Refresh(t *testing.T, s *scenario, idp *testkafka.IdentityProvider, conf map[string]any, topic string, ledger *faults.Ledger, first uint64) {
	t.Helper()
	dl := newDeliveryLog(ledger)
	p, err := producer.New(conf, producer.WithDeliveryReport(dl.report), producer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	if _, err := (pump{topic: topic, first: first, n: 100, size: 64}).run(p); err != nil {
		t.Fatalf("producing: %v", err)
	}
	if left := p.Flush(30 * time.Second); left != 0 {
		t.Fatalf("%d messages undelivered", left)
	}
	before, opened := idp.TokensIssued(), time.Now()
	// Serve the producer (Poll) while waiting: the refresh is an event of its own.
	refreshed := eventually(3*s23Lifetime, func() bool { p.Poll(0); return idp.TokensIssued() > before })
	if !refreshed {
		t.Errorf("no new token within %v of a producer whose token lasts %v", 3*s23Lifetime, s23Lifetime)
	}
	took := time.Since(opened)
	<-time.After(time.Until(opened.Add(s23Lifetime + time.Second))) // past the first token's expiry: part of the check
	if _, err := (pump{topic: topic, first: first + 100, n: 100, size: 64}).run(p); err != nil {
		t.Fatalf("producing after the refresh: %v", err)
	}
	if left := p.Flush(30 * time.Second); left != 0 || dl.Failed() > 0 {
		t.Errorf("after the first token expired: %d undelivered, %d failed (%s)", left, dl.Failed(), dl.FailedByName())
	}
	if err := p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	s.figure("token refreshed %.1fs into its %.0fs life; 100 more delivered after it expired", took.Seconds(), s23Lifetime.Seconds())
	// Read back by the round trip's consumer below (same ledger): these must arrive too.
	s23ReadBack(t, conf, topic, ledger, first, 200)
}

// s23ReadBack reads topic from the beginning with conf until the n messages from first
// have come (recorded in ledger).
func s23ReadBack(t *testing.T, conf map[string]any, topic string, ledger *faults.Ledger, first uint64, n int) {
	t.Helper()
	cconf := s23With(conf, "group.id", testkafka.UniqueName("s23-read"))
	cconf["auto.offset.reset"] = "earliest"
	c, err := consumer.New(cconf, consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	got := 0
	if err := consumeUntil(c, faults.NewLedger(), time.Minute, func() bool { return got >= n }, func(_ *message.Message, id uint64) {
		if id >= first && id < first+uint64(n) {
			ledger.Seen(id)
			got++
		}
	}, nil); err != nil {
		t.Fatalf("reading back: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
}
