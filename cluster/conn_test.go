package cluster_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// wrongPassword is the password of the tests' failed logins; no error may show it.
const wrongPassword = "not-the-secret-4711"

// quickly bounds how long a client may take to say that it cannot connect as
// configured (about a second on an idle machine; SCRAM alone takes 0.3 s).
const quickly = 3 * time.Second

// A client that cannot work as configured says why, in a few seconds instead of at
// its deadline, and each cause in words of its own: refused credentials (naming the
// mechanism and user, never the password), a failed TLS handshake, and the four ways
// of using the wrong security protocol for a port.
func TestConnectionFailuresAreToldApartQuickly(t *testing.T) {
	plain := testkafka.Bootstrap(t)
	sasl := testkafka.Env(t, "KAFKA_SASL_BOOTSTRAP")
	user := testkafka.Env(t, "KAFKA_SCRAM_USER")
	tlsAddr := testkafka.TLSListener(t)
	login := func(addr string, extra map[string]any) map[string]any {
		cfg := map[string]any{"bootstrap.servers": addr, "security.protocol": "SASL_PLAINTEXT",
			"sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": user, "sasl.password": wrongPassword}
		for k, v := range extra {
			cfg[k] = v
		}
		return cfg
	}
	for _, tc := range []struct {
		name   string
		config map[string]any
		code   kafkaerror.Code
		want   []string
	}{
		{"wrong password", login(sasl, nil), kafkaerror.Authentication,
			[]string{"connect to " + sasl + ": ", `SCRAM-SHA-512 login as user "` + user + `" refused: wrong password, or no such user`}},
		{"unknown user", login(sasl, map[string]any{"sasl.username": "nobody-" + user}), kafkaerror.Authentication,
			[]string{`SCRAM-SHA-512 login as user "nobody-` + user + `" refused`}},
		{"mechanism the broker does not offer", login(sasl, map[string]any{"sasl.mechanisms": "PLAIN"}), kafkaerror.Authentication,
			[]string{`PLAIN login as user "` + user + `" refused: the broker does not offer PLAIN (it offers SCRAM-SHA-512)`}},
		{"untrusted certificate", map[string]any{"bootstrap.servers": tlsAddr, "security.protocol": "SSL"}, kafkaerror.SSL,
			[]string{"connect to " + tlsAddr + ": TLS handshake failed: ", "certificate verify failed"}},
		{"TLS client on a plaintext port", map[string]any{"bootstrap.servers": plain, "security.protocol": "SSL"}, kafkaerror.Transport,
			[]string{"connect to " + plain + ": wrong security.protocol for this port: SSL was asked, but the listener does not speak TLS (is the listener PLAINTEXT?)"}},
		{"SASL client on a plaintext port", login(plain, nil), kafkaerror.Authentication,
			[]string{"connect to " + plain + ": wrong security.protocol for this port: SASL_PLAINTEXT was asked, but the listener takes no SASL login"}},
		{"plaintext client on a SASL port", map[string]any{"bootstrap.servers": sasl}, kafkaerror.Transport,
			[]string{"connect to " + sasl + ": wrong security.protocol for this port: PLAINTEXT was asked", "(is the listener SASL_PLAINTEXT?)"}},
		{"plaintext client on a TLS port", map[string]any{"bootstrap.servers": tlsAddr}, kafkaerror.Transport,
			[]string{"connect to " + tlsAddr + ": wrong security.protocol for this port: PLAINTEXT was asked", "(is the listener SSL?)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := cluster.New(tc.config, cluster.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			require.NoError(t, err)
			defer func() { assert.NoError(t, c.Close()) }()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			start := time.Now()
			_, err = c.Metadata(ctx)
			took := time.Since(start)
			t.Logf("Metadata failed after %.2fs: %v", took.Seconds(), err)
			kerr := requireCode(t, err, tc.code)
			for _, w := range tc.want {
				assert.Contains(t, kerr.Error(), w)
			}
			assert.NotContains(t, err.Error(), wrongPassword)
			assert.Less(t, took, quickly, "told at once, not at the deadline")

			// A later call is told too, after a second's grace for the engine's retry.
			start = time.Now()
			_, err = c.TopicMetadata(ctx, "any-topic")
			took = time.Since(start)
			t.Logf("then TopicMetadata failed after %.2fs", took.Seconds())
			requireCode(t, err, tc.code)
			assert.Less(t, took, quickly)
		})
	}
}

// A call that finds nothing listening waits for its deadline (the broker may be
// starting), then says what it saw: the connection was refused.
func TestNothingListeningIsNamedAtTheDeadline(t *testing.T) {
	addr := testkafka.ClosedPort(t)
	c, err := cluster.New(map[string]any{"bootstrap.servers": addr}, cluster.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	defer func() { assert.NoError(t, c.Close()) }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.Metadata(ctx)
	t.Logf("Metadata failed after %.2fs: %v", time.Since(start).Seconds(), err)
	kerr := requireCode(t, err, kafkaerror.TimedOut)
	assert.Equal(t, "no answer within 1s: connect to "+addr+": nothing is listening there (connection refused)", kerr.Error())
	assert.ErrorIs(t, err, kafkaerror.Transport, "the refusal is matched too")
}
