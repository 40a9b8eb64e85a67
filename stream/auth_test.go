package stream_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
)

// cred is a credential with the defaults ParseAuth fills in.
func cred(user, password, host string) stream.Credential {
	return stream.Credential{Username: user, Password: password, Hostname: host,
		Protocol: "SASL_SSL", Mechanism: "SCRAM-SHA-512"}
}

func TestParseAuth(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		want    []stream.Credential
		errText []string // for errors: parts of the text
	}{
		{
			name: "hop file as hop auth add writes it",
			toml: `[[auth]]
username = "user-abc123"
password = "s3cret"
protocol = "SASL_SSL"
mechanism = "SCRAM_SHA_512"
hostname = "kafka.scimma.org"
`,
			want: []stream.Credential{cred("user-abc123", "s3cret", "kafka.scimma.org")},
		},
		{
			name: "defaults",
			toml: "[[auth]]\nusername = \"u\"\npassword = \"p\"\n",
			want: []stream.Credential{cred("u", "p", "")},
		},
		{
			name: "every field",
			toml: `[[auth]]
username = "u"
password = "p"
hostname = "kafka.example.org:9093"
protocol = "SASL_PLAINTEXT"
mechanism = "SCRAM-SHA-256"
ssl_ca_location = "/etc/ssl/ca.pem"
`,
			want: []stream.Credential{{Username: "u", Password: "p", Hostname: "kafka.example.org:9093",
				Protocol: "SASL_PLAINTEXT", Mechanism: "SCRAM-SHA-256", SSLCALocation: "/etc/ssl/ca.pem"}},
		},
		{
			name: "several entries keep their order",
			toml: `[[auth]]
username = "a"
password = "1"
hostname = "h1"

[[auth]]
username = "b"
password = "2"

[[auth]]
username = "c"
password = "3"
hostname = "[::1]:9092"
`,
			want: []stream.Credential{cred("a", "1", "h1"), cred("b", "2", ""), cred("c", "3", "[::1]:9092")},
		},
		{
			name: "hop's inline array form",
			toml: `auth = [{username = "user1", password = "pass1", hostname = "host1"},
        {username = "user2", password = "pass2", hostname = "host2"},]`,
			want: []stream.Credential{cred("user1", "pass1", "host1"), cred("user2", "pass2", "host2")},
		},
		{
			name: "hop's old single [auth] table",
			toml: "[auth]\nusername = \"u\"\npassword = \"p\"\n",
			want: []stream.Credential{cred("u", "p", "")},
		},
		{
			name: "unknown keys and other tables are ignored",
			toml: `title = "mine"
[general]
x = 1
[[auth]]
username = "u"
password = "p"
extra = "stuff"
token_endpoint = ""
nested = {a = 1}
`,
			want: []stream.Credential{cred("u", "p", "")},
		},
		{name: "mechanism SCRAM_SHA_256", toml: "[[auth]]\nusername='u'\npassword='p'\nmechanism='SCRAM_SHA_256'",
			want: []stream.Credential{{Username: "u", Password: "p", Protocol: "SASL_SSL", Mechanism: "SCRAM-SHA-256"}}},
		{name: "mechanism scram-sha-512 lower case", toml: "[[auth]]\nusername='u'\npassword='p'\nmechanism='scram-sha-512'",
			want: []stream.Credential{cred("u", "p", "")}},
		{name: "mechanism PLAIN", toml: "[[auth]]\nusername='u'\npassword='p'\nmechanism='PLAIN'",
			want: []stream.Credential{{Username: "u", Password: "p", Protocol: "SASL_SSL", Mechanism: "PLAIN"}}},
		{name: "protocol in lower case", toml: "[[auth]]\nusername='u'\npassword='p'\nprotocol='sasl_plaintext'",
			want: []stream.Credential{{Username: "u", Password: "p", Protocol: "SASL_PLAINTEXT", Mechanism: "SCRAM-SHA-512"}}},
		{name: "password with TOML escapes", toml: "[[auth]]\nusername = \"u\"\npassword = \"a\\\"b\\\\c#d\"",
			want: []stream.Credential{cred("u", `a"b\c#d`, "")}},

		{name: "missing username", toml: "[[auth]]\npassword = \"p\"\n", errText: []string{"auth entry 1: missing username"}},
		{name: "missing password in entry 2", toml: "[[auth]]\nusername='a'\npassword='p'\n[[auth]]\nusername = \"b\"\n",
			errText: []string{"auth entry 2: missing password", `"b"`}},
		{name: "empty username", toml: "[[auth]]\nusername = \"\"\npassword = \"p\"\n", errText: []string{"entry 1: missing username"}},
		{name: "empty password", toml: "[[auth]]\nusername = \"u\"\npassword = \"\"\n", errText: []string{"entry 1: missing password"}},
		{name: "username not a string", toml: "[[auth]]\nusername = 42\npassword = \"p\"\n",
			errText: []string{"entry 1: username is a integer, want a string"}},
		{name: "password not a string", toml: "[[auth]]\nusername = 'u'\npassword = true\n",
			errText: []string{"entry 1: password is a boolean"}},
		{name: "hostname not a string", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nhostname = [1]\n",
			errText: []string{"hostname is a array"}},
		{name: "bad hostname", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nhostname = 'h:0'\n",
			errText: []string{`hostname "h:0": port 0 out of range`}},
		{name: "URL as hostname", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nhostname = 'kafka://h'\n",
			errText: []string{`hostname "kafka://h"`}},
		{name: "unknown mechanism", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nmechanism = 'SCRAM-SHA-1'\n",
			errText: []string{`unknown mechanism "SCRAM-SHA-1"`, "SCRAM-SHA-512"}},
		{name: "OAUTHBEARER", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nmechanism = 'OAUTHBEARER'\n",
			errText: []string{`mechanism "OAUTHBEARER" is not supported`}},
		{name: "GSSAPI", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nmechanism = 'GSSAPI'\n",
			errText: []string{`mechanism "GSSAPI" is not supported`}},
		{name: "token endpoint: OAUTHBEARER, as in hop-client", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\ntoken_endpoint = 'https://x/token'\n",
			want: []stream.Credential{{Username: "u", Password: "p", Protocol: "SASL_SSL", Mechanism: "OAUTHBEARER", TokenEndpoint: "https://x/token"}}},
		{name: "token endpoint with mechanism oauthbearer", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nmechanism = 'oauthbearer'\nprotocol = 'SASL_PLAINTEXT'\ntoken_endpoint = 'http://x/token'\n",
			want: []stream.Credential{{Username: "u", Password: "p", Protocol: "SASL_PLAINTEXT", Mechanism: "OAUTHBEARER", TokenEndpoint: "http://x/token"}}},
		{name: "token endpoint ignored with SCRAM, as in hop-client", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nmechanism = 'SCRAM_SHA_512'\ntoken_endpoint = 'https://x/token'\n",
			want: []stream.Credential{cred("u", "p", "")}},
		{name: "token endpoint not a string", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\ntoken_endpoint = 1\n",
			errText: []string{"entry 1", "token_endpoint is a integer"}},
		{name: "token command", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\ntoken_command = 'get-token'\n",
			errText: []string{"entry 1", "token_command", "not supported", "token_endpoint"}},
		{name: "unknown protocol", toml: "[[auth]]\nusername = 'u'\npassword = 'p'\nprotocol = 'SSL'\n",
			errText: []string{`protocol "SSL" is not SASL_SSL or SASL_PLAINTEXT`}},
		{name: "not TOML", toml: "[[auth]\nusername = 'u'", errText: []string{"not valid TOML"}},
		{name: "empty document", toml: "", errText: []string{"no [[auth]] entries"}},
		{name: "no auth key", toml: "[other]\nusername = 'u'\n", errText: []string{"no [[auth]] entries"}},
		{name: "empty auth list", toml: "auth = []", errText: []string{"no [[auth]] entries"}},
		{name: "auth is a string", toml: "auth = 'u:p'", errText: []string{"auth is a string, not [[auth]] tables"}},
		{name: "auth list of strings", toml: "auth = ['u', 'p']", errText: []string{"auth entry 1 is a string"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			creds, err := stream.ParseAuth([]byte(tc.toml))
			if tc.want == nil {
				assert.Nil(t, creds)
				requireInvalidArg(t, err, append([]string{"stream: auth data: "}, tc.errText...)...)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, creds)
		})
	}
}

// A password never shows in any printed form of a credential.
func TestCredentialPrinting(t *testing.T) {
	c := stream.Credential{Username: "alice", Password: "hunter2", Hostname: "kafka.example.org:9092",
		Protocol: "SASL_SSL", Mechanism: "SCRAM-SHA-512"}
	assert.Equal(t, "alice@kafka.example.org:9092 (SCRAM-SHA-512 over SASL_SSL)", c.String())
	assert.Equal(t, "bob@any host (SCRAM-SHA-512 over SASL_SSL)", stream.Credential{Username: "bob", Password: "x"}.String())
	assert.Equal(t, "bob@any host (PLAIN over SASL_PLAINTEXT, CA /ca.pem)",
		stream.Credential{Username: "bob", Protocol: "SASL_PLAINTEXT", Mechanism: "PLAIN", SSLCALocation: "/ca.pem"}.String())
	assert.Equal(t, "client-1@any host (OAUTHBEARER over SASL_SSL, tokens from https://idp/token)",
		stream.Credential{Username: "client-1", Password: "x", TokenEndpoint: "https://idp/token"}.String())

	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("using", "credential", c)
	for _, s := range []string{
		c.String(), fmt.Sprint(c), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
		fmt.Sprintf("%v", []stream.Credential{c}), fmt.Sprintf("%#v", &c), logged.String(),
	} {
		assert.NotContains(t, s, "hunter2")
		assert.Contains(t, s, "alice")
	}
	assert.Contains(t, fmt.Sprintf("%#v", c), `Password:"xxxxx"`)
}

func TestCredentialConfig(t *testing.T) {
	c := stream.Credential{Username: "u", Password: "p"}
	assert.Equal(t, map[string]any{
		"security.protocol": "SASL_SSL",
		"sasl.mechanisms":   "SCRAM-SHA-512",
		"sasl.username":     "u",
		"sasl.password":     "p",
	}, c.Config(), "defaults, no ssl.ca.location")

	c = stream.Credential{Username: "u", Password: "p", Protocol: "SASL_PLAINTEXT", Mechanism: "PLAIN", SSLCALocation: "/ca.pem"}
	assert.Equal(t, map[string]any{
		"security.protocol": "SASL_PLAINTEXT",
		"sasl.mechanisms":   "PLAIN",
		"sasl.username":     "u",
		"sasl.password":     "p",
		"ssl.ca.location":   "/ca.pem",
	}, c.Config())

	// A token endpoint: hop-client's OIDC properties, the secret never as sasl.password.
	c = stream.Credential{Username: "client-1", Password: "s", TokenEndpoint: "https://idp/token", SSLCALocation: "/ca.pem"}
	assert.Equal(t, map[string]any{
		"security.protocol":                   "SASL_SSL",
		"sasl.mechanisms":                     "OAUTHBEARER",
		"sasl.oauthbearer.method":             "oidc",
		"sasl.oauthbearer.client.id":          "client-1",
		"sasl.oauthbearer.client.secret":      "s",
		"sasl.oauthbearer.token.endpoint.url": "https://idp/token",
		"ssl.ca.location":                     "/ca.pem",
		"https.ca.location":                   "/ca.pem",
	}, c.Config())

	// librdkafka accepts every property Config gives (New checks them; nothing connects).
	for _, entry := range []string{
		"[[auth]]\nusername='u'\npassword='p'\nmechanism='SCRAM_SHA_256'\nprotocol='SASL_PLAINTEXT'\n",
		"[[auth]]\nusername='u'\npassword='p'\nprotocol='SASL_PLAINTEXT'\ntoken_endpoint='http://127.0.0.1:1/token'\n",
	} {
		creds, err := stream.ParseAuth([]byte(entry))
		require.NoError(t, err)
		config := creds[0].Config()
		config["bootstrap.servers"] = "127.0.0.1:1"
		p, err := producer.New(config, producer.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
			producer.WithErrorCallback(func(*kafkaerror.Error) {})) // nothing listens there: quiet
		require.NoError(t, err, entry)
		require.NoError(t, p.Close())
	}
}

// writeAuthFile writes content to a fresh file with the given permissions.
func writeAuthFile(t *testing.T, dir, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, "auth.toml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	require.NoError(t, os.Chmod(path, perm)) // exact mode, whatever the umask
	return path
}

const oneCred = "[[auth]]\nusername = \"u\"\npassword = \"p\"\n"

func TestLoadAuthPermissions(t *testing.T) {
	for _, perm := range []os.FileMode{0o600, 0o400, 0o700} {
		t.Run(perm.String(), func(t *testing.T) {
			path := writeAuthFile(t, t.TempDir(), oneCred, perm)
			creds, err := stream.LoadAuth(path)
			require.NoError(t, err)
			assert.Equal(t, []stream.Credential{cred("u", "p", "")}, creds)
		})
	}
	for _, perm := range []os.FileMode{0o640, 0o644, 0o604, 0o660, 0o606, 0o620, 0o602, 0o610, 0o601, 0o666, 0o777} {
		t.Run(perm.String(), func(t *testing.T) {
			path := writeAuthFile(t, t.TempDir(), oneCred, perm)
			creds, err := stream.LoadAuth(path)
			assert.Nil(t, creds)
			requireInvalidArg(t, err, "unsafe permissions", fmt.Sprintf("%#o", perm), "`chmod 600 "+path+"`")
		})
	}
}

func TestLoadAuthErrors(t *testing.T) {
	dir := t.TempDir()

	missing := filepath.Join(dir, "nope", "auth.toml")
	_, err := stream.LoadAuth(missing)
	requireInvalidArg(t, err, "no auth file at "+missing, "[[auth]]", "username", "password", "chmod 600 "+missing)

	_, err = stream.LoadAuth(dir)
	requireInvalidArg(t, err, "is a directory")

	path := writeAuthFile(t, dir, "[[auth]]\nusername = \"u\"\n", 0o600)
	_, err = stream.LoadAuth(path)
	requireInvalidArg(t, err, "stream: auth file "+path+": auth entry 1: missing password")
}

func TestLoadAuthDefaultPath(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	require.NoError(t, os.MkdirAll(filepath.Join(config, "rdstreams"), 0o700))
	writeAuthFile(t, filepath.Join(config, "rdstreams"), oneCred, 0o600)
	creds, err := stream.LoadAuth("")
	require.NoError(t, err)
	assert.Equal(t, []stream.Credential{cred("u", "p", "")}, creds)
}

func TestDefaultAuthPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)

	t.Setenv("XDG_CONFIG_HOME", "/xdg/config")
	assert.Equal(t, "/xdg/config/rdstreams/auth.toml", stream.DefaultAuthPath())

	t.Setenv("XDG_CONFIG_HOME", "")
	assert.Equal(t, filepath.Join(home, ".config", "rdstreams", "auth.toml"), stream.DefaultAuthPath())

	t.Setenv("XDG_CONFIG_HOME", "relative/dir") // the XDG specification says to ignore it
	assert.Equal(t, filepath.Join(home, ".config", "rdstreams", "auth.toml"), stream.DefaultAuthPath())

	require.NoError(t, os.Unsetenv("XDG_CONFIG_HOME")) // t.Setenv restores it afterwards
	assert.Equal(t, filepath.Join(home, ".config", "rdstreams", "auth.toml"), stream.DefaultAuthPath())
}

func TestSelectCredential(t *testing.T) {
	anyAlice := cred("alice", "a0", "")
	anyBob := cred("bob", "b0", "")
	hostAlice := cred("alice", "a1", "kafka.example.org")
	hostBob := cred("bob", "b1", "KAFKA.example.org:9092")
	portCarol := cred("carol", "c1", "kafka.example.org:9093")
	otherDave := cred("dave", "d1", "other.example.org")
	v6Erin := cred("erin", "e1", "[::1]:9092")

	tests := []struct {
		name    string
		url     string
		creds   []stream.Credential
		want    stream.Credential
		errText []string // for errors: parts of the text
	}{
		{name: "single host-less", url: "kafka://kafka.example.org/t", creds: []stream.Credential{anyAlice}, want: anyAlice},
		{name: "host-specific before host-less", url: "kafka://kafka.example.org/t",
			creds: []stream.Credential{anyBob, hostAlice, otherDave}, want: hostAlice},
		{name: "host match ignores case and checks a given port", url: "kafka://kafka.example.org:9092/t",
			creds: []stream.Credential{anyAlice, hostBob, portCarol}, want: hostBob},
		{name: "port match", url: "kafka://kafka.example.org:9093/t",
			creds: []stream.Credential{anyAlice, hostBob, portCarol}, want: portCarol},
		{name: "any broker of the URL", url: "kafka://b1,other.example.org/t",
			creds: []stream.Credential{anyAlice, hostAlice, otherDave}, want: otherDave},
		{name: "IPv6 host", url: "kafka://[::1]/t", creds: []stream.Credential{anyAlice, v6Erin}, want: v6Erin},
		{name: "host-less when no host matches", url: "kafka://elsewhere/t",
			creds: []stream.Credential{hostAlice, otherDave, anyBob}, want: anyBob},
		{name: "username narrows", url: "kafka://bob@kafka.example.org/t",
			creds: []stream.Credential{hostAlice, anyAlice, anyBob}, want: anyBob},
		{name: "username narrows among host-specific", url: "kafka://bob@kafka.example.org:9092/t",
			creds: []stream.Credential{hostAlice, hostBob, anyAlice}, want: hostBob},
		{name: "username picks among host-less", url: "kafka://alice@h/t",
			creds: []stream.Credential{anyBob, anyAlice}, want: anyAlice},

		{name: "no credentials at all", url: "kafka://h/t", creds: nil,
			errText: []string{"no credential for host h", "among 0", "add an [[auth]] entry", `hostname = "h:9092"`, "auth file (by default "}},
		{name: "none for the host", url: "kafka://h1,h2:9093/t", creds: []stream.Credential{hostAlice, otherDave},
			errText: []string{"no credential for hosts h1, h2", "among 2", "add an [[auth]] entry", `"h1:9092"`}},
		{name: "none for the user", url: "kafka://zoe@kafka.example.org/t", creds: []stream.Credential{hostAlice, anyBob},
			errText: []string{`no credential for user "zoe" and host kafka.example.org`, `username = "zoe"`, "add an [[auth]] entry"}},
		{name: "port mismatch", url: "kafka://kafka.example.org:9094/t", creds: []stream.Credential{portCarol},
			errText: []string{"no credential for host kafka.example.org"}},
		{name: "ambiguous host-less", url: "kafka://h/t", creds: []stream.Credential{anyBob, anyAlice},
			errText: []string{"2 credentials match host h (users alice, bob)", "username in the URL", "kafka://alice@h:9092/t"}},
		{name: "ambiguous host-specific", url: "kafka://kafka.example.org:9092/t", creds: []stream.Credential{hostAlice, hostBob, anyAlice},
			errText: []string{"2 credentials match host kafka.example.org (users alice, bob)", "kafka://alice@kafka.example.org:9092/t"}},
		{name: "ambiguous across brokers", url: "kafka://kafka.example.org,other.example.org/t", creds: []stream.Credential{hostAlice, otherDave},
			errText: []string{"match hosts kafka.example.org, other.example.org (users alice, dave)"}},
		{name: "duplicate entries for one user", url: "kafka://alice@kafka.example.org/t",
			creds:   []stream.Credential{hostAlice, cred("alice", "a2", "kafka.example.org:9092")},
			errText: []string{`2 credentials for user "alice" match host kafka.example.org`, "remove the duplicate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := stream.ParseURL(tc.url)
			require.NoError(t, err)
			got, err := stream.SelectCredential(tc.creds, u)
			if tc.errText != nil {
				requireInvalidArg(t, err, tc.errText...)
				for _, c := range tc.creds {
					assert.NotContains(t, err.Error(), c.Password, "no password in the error")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	_, err := stream.SelectCredential([]stream.Credential{anyAlice}, nil)
	requireInvalidArg(t, err)
}

// A real SCRAM-SHA-512 login on the broker's SASL_PLAINTEXT listener, with credentials
// that went through the whole path: auth file, LoadAuth, SelectCredential, Config.
func TestSCRAMLogin(t *testing.T) {
	saslBootstrap := testkafka.Env(t, "KAFKA_SASL_BOOTSTRAP")
	user := testkafka.Env(t, "KAFKA_SCRAM_USER")
	password := testkafka.Env(t, "KAFKA_SCRAM_PASSWORD")
	topic := testkafka.Topic(t, 1, nil) // created over the PLAINTEXT listener

	// The right entry is host-specific, in hop's spelling; a decoy is host-less.
	authFile := fmt.Sprintf(`[[auth]]
username = "someone-else"
password = "not-this-one"

[[auth]]
username = %q
password = %q
hostname = %q
protocol = "SASL_PLAINTEXT"
mechanism = "SCRAM_SHA_512"
`, user, password, saslBootstrap)
	path := writeAuthFile(t, t.TempDir(), authFile, 0o600)
	creds, err := stream.LoadAuth(path)
	require.NoError(t, err)
	u, err := stream.ParseURL(fmt.Sprintf("kafka://%s@%s/%s", user, saslBootstrap, topic))
	require.NoError(t, err)
	c, err := stream.SelectCredential(creds, u)
	require.NoError(t, err)
	require.Equal(t, stream.Credential{Username: user, Password: password, Hostname: saslBootstrap,
		Protocol: "SASL_PLAINTEXT", Mechanism: "SCRAM-SHA-512"}, c)

	config := func(c stream.Credential) map[string]any {
		m := c.Config()
		m["bootstrap.servers"] = u.Bootstrap()
		return m
	}

	t.Run("right password", func(t *testing.T) {
		var clientErrs []*kafkaerror.Error
		p, err := producer.New(config(c), producer.WithErrorCallback(func(err *kafkaerror.Error) {
			clientErrs = append(clientErrs, err)
		}))
		require.NoError(t, err)
		defer func() { assert.NoError(t, p.Close()) }()

		start := time.Now()
		var delivered *message.Message
		var deliveryErr error
		reports := 0
		require.NoError(t, p.Produce(topic, []byte("logged in with SCRAM"),
			producer.OnDelivery(func(err error, m *message.Message) { reports, deliveryErr, delivered = reports+1, err, m })))
		require.Equal(t, 0, p.Flush(30*time.Second), "everything delivered")
		t.Logf("SCRAM-SHA-512 login and delivery took %v", time.Since(start))
		require.Equal(t, 1, reports)
		require.NoError(t, deliveryErr)
		assert.Equal(t, topic, delivered.Topic())
		assert.Equal(t, int64(0), int64(delivered.Offset()))
		assert.Empty(t, clientErrs, "no client errors")
	})

	t.Run("wrong password", func(t *testing.T) {
		wrong := c
		wrong.Password = "not-" + password
		var authErr *kafkaerror.Error
		var others []*kafkaerror.Error
		start := time.Now()
		p, err := producer.New(config(wrong), producer.WithCloseTimeout(time.Second),
			producer.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), // the failed login is expected
			producer.WithErrorCallback(func(err *kafkaerror.Error) {
				if authErr == nil && (err.Code() == kafkaerror.Authentication || err.Code() == kafkaerror.SASLAuthenticationFailed) {
					authErr = err
				} else {
					others = append(others, err)
				}
			}))
		require.NoError(t, err)
		defer func() { assert.NoError(t, p.Close()) }()
		for authErr == nil && time.Since(start) < 10*time.Second {
			p.Poll(100 * time.Millisecond)
		}
		took := time.Since(start)
		require.NotNil(t, authErr, "an authentication error within 10s (other errors: %v)", others)
		t.Logf("wrong password reported after %v: code %d %s: %s", took, authErr.Code(), authErr.Name(), authErr)
		assert.Equal(t, kafkaerror.Authentication, authErr.Code(), "librdkafka reports a failed SASL login as _AUTHENTICATION")
		assert.Contains(t, authErr.Error(), fmt.Sprintf(`SCRAM-SHA-512 login as user %q refused: wrong password, or no such user`, user))
		assert.NotContains(t, authErr.Error(), wrong.Password)
	})
}
