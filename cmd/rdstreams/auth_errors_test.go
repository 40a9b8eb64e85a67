package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// wrongPassword is the password of the failed logins below; no output may show it.
const wrongPassword = "not-the-secret-4711"

// saysQuickly bounds how long a command may take to say it cannot connect as
// configured (about half a second measured; the race detector and a busy machine
// slow it down): far below the default --timeout of 15 s the tests leave in place.
const saysQuickly = 5 * time.Second

// timedCLI is cli, timed.
func timedCLI(t *testing.T, args ...string) (result, time.Duration) {
	t.Helper()
	start := time.Now()
	r := cli(t, "", args...)
	return r, time.Since(start)
}

// Every command told to log in with a wrong password says so within a few seconds, in
// one line naming the mechanism and the user but never the password.
func TestWrongPasswordEveryCommand(t *testing.T) {
	t.Parallel()
	user := testkafka.Env(t, "KAFKA_SCRAM_USER")
	auth := writeFile(t, "auth.toml", fmt.Sprintf("[[auth]]\nusername = %q\npassword = %q\nprotocol = \"SASL_PLAINTEXT\"\n",
		user, wrongPassword))
	u := "kafka://" + user + "@" + testkafka.Env(t, "KAFKA_SASL_BOOTSTRAP") + "/" + testkafka.Topic(t, 1, nil)
	want := `connect to ` + testkafka.Env(t, "KAFKA_SASL_BOOTSTRAP") + `: SCRAM-SHA-512 login as user "` + user + `" refused: wrong password, or no such user`
	for _, cmd := range [][]string{{"publish"}, {"subscribe"}, {"tail"}, {"topics"}, {"perf", "produce"}, {"perf", "consume"}} {
		name := strings.Join(cmd, " ")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, took := timedCLI(t, append(cmd, "--auth-file", auth, u)...)
			t.Logf("%s: exit %d after %.2fs: %s", name, r.code, took.Seconds(), strings.TrimSpace(r.stderr))
			assert.Equal(t, 1, r.code, r)
			assertOneErrorLine(t, r)
			assert.Equal(t, "rdstreams: "+name+": "+want+"\n", r.stderr)
			assert.NotContains(t, r.stdout+r.stderr, wrongPassword)
			assert.Less(t, took, saysQuickly)
		})
	}
}

// Nothing listening, a failed TLS handshake and the wrong security protocol for the
// port are each told in words of their own; all but the first at once (nothing
// listening may be a broker still starting: --timeout says how long to wait for it).
func TestConnectionFailuresToldApart(t *testing.T) {
	t.Parallel()
	plain := testkafka.Bootstrap(t)
	sasl := testkafka.Env(t, "KAFKA_SASL_BOOTSTRAP")
	closed := testkafka.ClosedPort(t)
	tlsAddr := testkafka.TLSListener(t)
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		bound time.Duration
	}{
		{"nothing listening", []string{"topics", "--no-auth", "--timeout", "1s", "kafka://" + closed + "/t"},
			"rdstreams: topics: nothing is listening at " + closed + " (connection refused, tried for 1s; is the broker running? --timeout waits longer)\n",
			saysQuickly},
		{"untrusted certificate", []string{"subscribe", "--no-auth", "-X", "security.protocol=SSL", "kafka://" + tlsAddr + "/t"},
			"rdstreams: subscribe: connect to " + tlsAddr + ": TLS handshake failed: error:0A000086:SSL routines::certificate verify failed: " +
				"the broker's certificate could not be verified (is ssl.ca.location the CA that signed it?); or, if the CA is right, " +
				"the broker's certificate does not name the host connected to (host-name verification is on: ssl.endpoint.identification.algorithm=https)\n",
			saysQuickly},
		{"TLS client on a plaintext port", []string{"tail", "--no-auth", "-X", "security.protocol=SSL", "kafka://" + plain + "/t"},
			"rdstreams: tail: connect to " + plain + ": wrong security.protocol for this port: SSL was asked, but the listener does not speak TLS (is the listener PLAINTEXT?)\n",
			saysQuickly},
		{"plaintext client on a SASL port", []string{"publish", "--no-auth", "kafka://" + sasl + "/t"},
			"rdstreams: publish: connect to " + sasl + ": wrong security.protocol for this port: PLAINTEXT was asked, but the listener hung up " +
				"at the first request after the handshake, as SASL listeners do without a login (is the listener SASL_PLAINTEXT?)\n",
			saysQuickly},
		{"plaintext client on a TLS port", []string{"perf", "consume", "--no-auth", "kafka://" + tlsAddr + "/t"},
			"rdstreams: perf consume: connect to " + tlsAddr + ": wrong security.protocol for this port: PLAINTEXT was asked, but the listener hung up " +
				"at the first request, as TLS listeners do (is the listener SSL?)\n",
			saysQuickly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, took := timedCLI(t, tc.args...)
			t.Logf("exit %d after %.2fs: %s", r.code, took.Seconds(), strings.TrimSpace(r.stderr))
			assert.Equal(t, 1, r.code, r)
			assertOneErrorLine(t, r)
			assert.True(t, strings.HasPrefix(r.stderr, tc.want), "want %q\ngot  %q", tc.want, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Less(t, took, tc.bound)
		})
	}
}
