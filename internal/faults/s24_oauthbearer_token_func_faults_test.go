//go:build faults

package faults_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/oauthbearer"
	"github.com/rdstreams/rdstreams/producer"
)

// Scenario 24: OAUTHBEARER with tokens from the application (Python's oauth_cb): an
// oauthbearer.TokenFunc given to producer.WithOAuthBearer and consumer.WithOAuthBearer
// returns tokens the test's identity provider signs, lasting s24Lifetime, for the
// principal named in sasl.oauthbearer.config. Checked: a round trip through the broker's
// validating OAUTHBEARER listener; the function gets the configuration string; it is
// called again before its token expires and the producer still delivers after the first
// token's expiry; a function that fails, and one that returns a token signed with a
// foreign key, make the client fail fast with an _AUTHENTICATION error saying so.
const s24Lifetime = 10 * time.Second

func TestScenario24OAuthBearerTokenFunc(t *testing.T) {
	s := begin(t, "oauthbearer-token-func")
	idp := testkafka.StartIdentityProvider(t)
	b := testkafka.StartOAuthBroker(t, idp)
	topic := disposableTopic(t, b.Bootstrap, 3, nil)
	ledger := faults.NewLedger()
	conf := map[string]any{
		"bootstrap.servers":       b.OAuthBootstrap,
		"security.protocol":       "SASL_PLAINTEXT",
		"sasl.mechanisms":         "OAUTHBEARER",
		"sasl.oauthbearer.config": "principal=app-by-callback scope=kafka",
	}

	var calls atomic.Int64
	var mu sync.Mutex
	var configs []string
	tokens := func(ctx context.Context, config string) (oauthbearer.Token, error) {
		calls.Add(1)
		mu.Lock()
		configs = append(configs, config)
		mu.Unlock()
		principal := strings.TrimPrefix(strings.Fields(config)[0], "principal=")
		return oauthbearer.Token{Value: idp.Token(t, principal, s24Lifetime), Principal: principal,
			Expiry: time.Now().Add(s24Lifetime)}, nil
	}

	// Round trip, with the producer kept open past its first token's life.
	dl := newDeliveryLog(ledger)
	p, err := producer.New(conf, producer.WithOAuthBearer(tokens), producer.WithDeliveryReport(dl.report),
		producer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	opened := time.Now()
	if _, err := (pump{topic: topic, n: 1000, size: 64}).run(p); err != nil {
		t.Fatalf("producing: %v", err)
	}
	if left := p.Flush(30 * time.Second); left != 0 {
		t.Fatalf("%d messages undelivered", left)
	}
	first := calls.Load()
	if !eventually(3*s24Lifetime, func() bool { p.Poll(0); return calls.Load() > first }) {
		t.Errorf("the token function was not called again within %v of a %v token", 3*s24Lifetime, s24Lifetime)
	}
	refreshed := time.Since(opened)
	<-time.After(time.Until(opened.Add(s24Lifetime + time.Second))) // past the first token's expiry: part of the check
	if _, err := (pump{topic: topic, first: 1000, n: 1000, size: 64}).run(p); err != nil {
		t.Fatalf("producing after the refresh: %v", err)
	}
	if left := p.Flush(30 * time.Second); left != 0 || dl.Failed() > 0 {
		t.Errorf("after the first token expired: %d undelivered, %d failed (%s)", left, dl.Failed(), dl.FailedByName())
	}
	if err := p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	s.figure("producer: token function called %d times, again after %.1fs of a %.0fs token; 2000 delivered",
		calls.Load(), refreshed.Seconds(), s24Lifetime.Seconds())

	cconf := s23With(conf, "group.id", testkafka.UniqueName("s24"))
	cconf["auto.offset.reset"] = "earliest"
	c, err := consumer.New(cconf, consumer.WithOAuthBearer(tokens),
		consumer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	got := 0
	if err := consumeUntil(c, ledger, time.Minute, func() bool { return got >= 2000 }, func(*message.Message, uint64) { got++ }, nil); err != nil {
		t.Fatalf("consuming: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("consumer Close: %v", err)
	}
	mu.Lock()
	for _, cfg := range configs {
		if cfg != conf["sasl.oauthbearer.config"] {
			t.Errorf("the token function got config %q, want sasl.oauthbearer.config %q", cfg, conf["sasl.oauthbearer.config"])
			break
		}
	}
	mu.Unlock()

	// A function that fails, and one whose token the broker refuses.
	for _, bad := range []struct {
		name string
		fn   oauthbearer.TokenFunc
		want string
	}{
		{"function-fails", func(context.Context, string) (oauthbearer.Token, error) {
			return oauthbearer.Token{}, errors.New("identity provider unreachable")
		}, "identity provider unreachable"},
		{"forged-token", func(_ context.Context, config string) (oauthbearer.Token, error) {
			forged := idp.Token(t, "app-by-callback", time.Hour)
			forged = forged[:strings.LastIndexByte(forged, '.')+1] + "AAAA" // the signature no longer matches
			return oauthbearer.Token{Value: forged, Principal: "app-by-callback", Expiry: time.Now().Add(time.Hour)}, nil
		}, "did not accept the token"},
	} {
		var firstErr atomic.Pointer[kafkaerror.Error]
		start := time.Now()
		c, err := consumer.New(s23With(conf, "group.id", testkafka.UniqueName("s24-bad")), consumer.WithOAuthBearer(bad.fn),
			consumer.WithLogger(quietLogger()), consumer.WithErrorCallback(func(e *kafkaerror.Error) { firstErr.CompareAndSwap(nil, e) }))
		if err != nil {
			t.Fatalf("%s: consumer: %v", bad.name, err)
		}
		if err := c.Subscribe([]string{topic}); err != nil {
			t.Fatalf("%s: subscribe: %v", bad.name, err)
		}
		for firstErr.Load() == nil && time.Since(start) < 10*time.Second {
			if m := c.Poll(100 * time.Millisecond); m != nil && m.Err() == nil {
				t.Errorf("%s: a refused client received a message", bad.name)
			}
		}
		took := time.Since(start)
		_ = c.Close()
		e := firstErr.Load()
		if e == nil {
			t.Errorf("%s: no error within 10 s", bad.name)
			continue
		}
		if !errors.Is(e, kafkaerror.Authentication) || !strings.Contains(e.Error(), bad.want) {
			t.Errorf("%s: got %s %q, want _AUTHENTICATION saying %q", bad.name, e.Name(), e.Error(), bad.want)
		}
		s.figure("%s: %s after %.2fs: %v", bad.name, e.Name(), took.Seconds(), e)
	}
	s.account(ledger, 0)
}
