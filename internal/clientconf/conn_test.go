package clientconf

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// The texts below are what librdkafka 2.11.1 reported, word for word, against the
// broker of broker/kafka.sh and a TLS listener whose certificate no client trusts.

var scram = map[string]any{"bootstrap.servers": "127.0.0.1:39093", "security.protocol": "sasl_plaintext",
	"sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "alice", "sasl.password": "s3cret"}

// An OIDC client of a broker's OAUTHBEARER listener (the secret never shows).
var oidc = map[string]any{"bootstrap.servers": "127.0.0.1:34817", "security.protocol": "SASL_PLAINTEXT",
	"sasl.mechanisms": "OAUTHBEARER", "sasl.oauthbearer.method": "oidc", "sasl.oauthbearer.client.id": "app",
	"sasl.oauthbearer.client.secret": "s3cret", "sasl.oauthbearer.token.endpoint.url": "http://127.0.0.1:8080/token"}

func TestLoginNamesMechanismAndUserOnly(t *testing.T) {
	assert.Equal(t, `OAUTHBEARER login as client "app"`, ConnOf(oidc).Login())
	assert.Equal(t, `SCRAM-SHA-512 login as user "alice"`, ConnOf(scram).Login())
	assert.Equal(t, "", ConnOf(map[string]any{"bootstrap.servers": "h:1"}).Login(), "no SASL, no login")
	assert.Equal(t, "GSSAPI login", ConnOf(map[string]any{"security.protocol": "SASL_SSL"}).Login(), "librdkafka's default mechanism")
}

// verifyFailedText is the one wording of an unverifiable certificate, whichever of the
// engine's two texts for it arrives.
const verifyFailedText = "connect to 127.0.0.1:44203: TLS handshake failed: error:0A000086:SSL routines::certificate verify failed: " +
	"the broker's certificate could not be verified (is ssl.ca.location the CA that signed it?)"

func TestExplainConnectionFailures(t *testing.T) {
	plain := map[string]any{}
	ssl := map[string]any{"security.protocol": "SSL"}
	for _, tc := range []struct {
		name   string
		config map[string]any
		code   kafkaerror.Code
		text   string
		kind   ConnKind
		want   kafkaerror.Code
		str    string
	}{
		{"wrong password", scram, kafkaerror.Authentication,
			"sasl_plaintext://127.0.0.1:39093/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 331ms in state AUTH_REQ)",
			ConnAuth, kafkaerror.Authentication,
			`connect to 127.0.0.1:39093: SCRAM-SHA-512 login as user "alice" refused: wrong password, or no such user`},
		{"mechanism not offered", map[string]any{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "plain", "sasl.username": "alice"},
			kafkaerror.Authentication,
			"sasl_plaintext://127.0.0.1:39093/bootstrap: SASL PLAIN mechanism handshake failed: Broker: Unsupported SASL mechanism: broker's supported mechanisms: SCRAM-SHA-512 (after 301ms in state AUTH_HANDSHAKE)",
			ConnAuth, kafkaerror.Authentication,
			`connect to 127.0.0.1:39093: PLAIN login as user "alice" refused: the broker does not offer PLAIN (it offers SCRAM-SHA-512)`},
		{"SASL on a plaintext port", scram, kafkaerror.Authentication,
			"sasl_plaintext://127.0.0.1:39092/bootstrap: SASL SCRAM-SHA-512 mechanism handshake failed: Broker: Request not valid in current SASL state: broker's supported mechanisms:  (after 4ms in state AUTH_HANDSHAKE)",
			ConnProtocol, kafkaerror.Authentication,
			"connect to 127.0.0.1:39092: wrong security.protocol for this port: SASL_PLAINTEXT was asked, but the listener takes no SASL login (is the listener PLAINTEXT?)"},
		{"TLS on a plaintext port", ssl, kafkaerror.Transport,
			"ssl://127.0.0.1:39092/bootstrap: SSL handshake failed: Disconnected: SSL connection closed by peer: connecting to a PLAINTEXT broker listener? (after 15ms in state SSL_HANDSHAKE)",
			ConnProtocol, kafkaerror.Transport,
			"connect to 127.0.0.1:39092: wrong security.protocol for this port: SSL was asked, but the listener does not speak TLS (is the listener PLAINTEXT?)"},
		{"untrusted certificate", map[string]any{"security.protocol": "SSL", "ssl.endpoint.identification.algorithm": "none"}, kafkaerror.SSL,
			"ssl://127.0.0.1:44203/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified (after 2ms in state SSL_HANDSHAKE)",
			ConnTLS, kafkaerror.SSL,
			verifyFailedText},
		{"untrusted certificate reported as transport", map[string]any{"security.protocol": "SSL", "ssl.endpoint.identification.algorithm": "none"}, kafkaerror.Transport,
			"ssl://127.0.0.1:44203/bootstrap: error:0A000086:SSL routines::certificate verify failed (after 1ms in state SSL_HANDSHAKE)",
			ConnTLS, kafkaerror.SSL,
			verifyFailedText},
		{"nothing listening", plain, kafkaerror.Transport,
			"127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT, 1 identical error(s) suppressed)",
			ConnRefused, kafkaerror.Transport,
			"connect to 127.0.0.1:1: nothing is listening there (connection refused)"},
		{"host not found", plain, kafkaerror.Resolve,
			"no-such-host.invalid:9092/bootstrap: Failed to resolve 'no-such-host.invalid:9092': Name or service not known (after 0ms in state CONNECT)",
			ConnResolve, kafkaerror.Resolve,
			"connect to no-such-host.invalid:9092: Failed to resolve 'no-such-host.invalid:9092': Name or service not known"},
		{"OIDC: client refused by the token endpoint", oidc, kafkaerror.Authentication,
			`Failed to acquire SASL OAUTHBEARER token: {"error":"invalid_client"}`,
			ConnAuth, kafkaerror.Authentication,
			`OAUTHBEARER login as client "app": the token endpoint http://127.0.0.1:8080/token refused the client: wrong client id or secret? ({"error":"invalid_client"})`},
		{"OIDC: an expired token", oidc, kafkaerror.Authentication,
			"Failed to acquire SASL OAUTHBEARER token: Must supply an unexpired token: now=1796041566289ms, exp=1796037966000ms",
			ConnAuth, kafkaerror.Authentication,
			`OAUTHBEARER login as client "app": the token has already expired (Must supply an unexpired token: now=1796041566289ms, exp=1796037966000ms)`},
		{"OIDC: token endpoint unreachable", oidc, kafkaerror.Authentication,
			"Failed to acquire SASL OAUTHBEARER token: Failed to connect to 127.0.0.1 port 8080 after 0 ms: Could not connect to server",
			ConnAuth, kafkaerror.Authentication,
			`OAUTHBEARER login as client "app": no token from the token endpoint http://127.0.0.1:8080/token: Failed to connect to 127.0.0.1 port 8080 after 0 ms: Could not connect to server`},
		{"OAUTHBEARER: token refused by the broker", oidc, kafkaerror.Authentication,
			`sasl_plaintext://127.0.0.1:34817/bootstrap: SASL authentication error: {"status":"invalid_token"} (after 4ms in state AUTH_REQ)`,
			ConnAuth, kafkaerror.Authentication,
			`connect to 127.0.0.1:34817: OAUTHBEARER login as client "app" refused: the broker did not accept the token (its signature, issuer, audience, expiry or subject): SASL authentication error: {"status":"invalid_token"}`},
		{"all brokers down", plain, kafkaerror.AllBrokersDown, "1/1 brokers are down",
			ConnOther, kafkaerror.AllBrokersDown, "1/1 brokers are down"},
		{"timed out", plain, kafkaerror.TimedOut, "Failed while waiting for controller: Local: Timed out",
			ConnOther, kafkaerror.TimedOut, "Failed while waiting for controller: Local: Timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			engineErr := kafkaerror.New(tc.code, tc.text, kafkaerror.Flags{})
			got := ConnOf(tc.config).ExplainError(engineErr)
			assert.Equal(t, tc.kind, got.Kind)
			assert.Equal(t, tc.str, got.Error())
			assert.True(t, errors.Is(got, tc.want), "code %s, got %s", tc.want.Name(), got.Err.Name())
			assert.Equal(t, got.Err, ConnOf(tc.config).Report(engineErr))
			assert.NotContains(t, got.Error(), "s3cret")
		})
	}
}

func TestExplainLogFindsTheHangUpsOfAnotherProtocol(t *testing.T) {
	plain := ConnOf(map[string]any{})
	f := plain.ExplainLog("[thrd:127.0.0.1:39093/bootstrap]: 127.0.0.1:39093/bootstrap: Disconnected: connection closed by peer: receive 0 after POLLIN (after 1ms in state UP)")
	if assert.NotNil(t, f) {
		assert.Equal(t, ConnProtocol, f.Kind)
		assert.Equal(t, "127.0.0.1:39093", f.Addr)
		assert.Contains(t, f.Error(), "PLAINTEXT was asked, but the listener hung up at the first request after the handshake")
		assert.Contains(t, f.Error(), "(is the listener SASL_PLAINTEXT?)")
	}
	f = plain.ExplainLog("[thrd:127.0.0.1:58515/bootstrap]: 127.0.0.1:58515/bootstrap: Disconnected: connection closed by peer: receive 0 after POLLIN (after 27ms in state APIVERSION_QUERY)")
	if assert.NotNil(t, f) {
		assert.Contains(t, f.Error(), "(is the listener SSL?)")
	}
	ssl := ConnOf(map[string]any{"security.protocol": "ssl"})
	f = ssl.ExplainLog("[thrd:ssl://127.0.0.1:58515/bootstrap]: ssl://127.0.0.1:58515/bootstrap: Disconnected: SSL connection closed by peer (after 0ms in state UP)")
	if assert.NotNil(t, f) {
		assert.Contains(t, f.Error(), "SSL was asked")
		assert.Contains(t, f.Error(), "(is the listener SASL_SSL?)")
	}

	// Not signs: a connection that lived a while (the broker going away), a client
	// that already logs in, other lines.
	assert.Nil(t, plain.ExplainLog("[thrd:127.0.0.1:39092/1]: 127.0.0.1:39092/1: Disconnected: connection closed by peer: receive 0 after POLLIN (after 65012ms in state UP)"))
	assert.Nil(t, ConnOf(scram).ExplainLog("[thrd:sasl_plaintext://127.0.0.1:39093/bootstrap]: sasl_plaintext://127.0.0.1:39093/bootstrap: Disconnected (after 3ms in state UP)"))
	assert.Nil(t, ssl.ExplainLog("[thrd:ssl://h:1/bootstrap]: ssl://h:1/bootstrap: Disconnected (after 3ms in state APIVERSION_QUERY)"))
	assert.Nil(t, plain.ExplainLog("Group coordinator lookup failed: Local: Broker transport failure"))
}

// A failed certificate verification says the certificate may not name the host when
// the client checks host names; other TLS failures, and clients that do not check, get
// no such note. Code and flags are the engine's.
func TestExplainAddsTheHostNameHintToVerificationFailuresOnly(t *testing.T) {
	ssl := map[string]any{"security.protocol": "ssl"}
	noCheck := map[string]any{"security.protocol": "ssl", "ssl.endpoint.identification.algorithm": "none"}
	verify := kafkaerror.New(kafkaerror.SSL, "ssl://localhost:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified", kafkaerror.Flags{})

	got := ConnOf(ssl).Report(verify)
	assert.Contains(t, got.Str(), "connect to localhost:9093: TLS handshake failed: error:0A000086:SSL routines::certificate verify failed")
	assert.True(t, strings.HasSuffix(got.Str(), TLSVerifyHint(ssl)), got.Str())
	assert.True(t, errors.Is(got, kafkaerror.SSL))

	assert.NotContains(t, ConnOf(noCheck).Report(verify).Str(), "does not name the host", "host names not checked")
	other := kafkaerror.New(kafkaerror.SSL, "ssl://h:9093/bootstrap: SSL handshake failed: unexpected message", kafkaerror.Flags{Fatal: true})
	got = ConnOf(ssl).Report(other)
	assert.NotContains(t, got.Str(), "does not name the host", "not a verification failure")
	assert.True(t, got.Fatal(), "flags are kept")
}
