package stream

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// The security protocol and SASL mechanism a credential uses unless its entry says
// otherwise, as in hop-client.
const (
	DefaultProtocol  = "SASL_SSL"
	DefaultMechanism = "SCRAM-SHA-512"
)

// Credential is one entry of the auth file: a SASL username and password, and how to
// use them.
//
// Credentials print (String, %v, %+v, %#v, slog) without their password.
type Credential struct {
	Username string
	Password string
	// Hostname restricts the credential to one broker host, optionally with a port
	// ("kafka.example.org" or "kafka.example.org:9092"); "" means any host.
	Hostname string
	// Protocol is librdkafka's security.protocol: "SASL_SSL" (the default) or
	// "SASL_PLAINTEXT".
	Protocol string
	// Mechanism is librdkafka's sasl.mechanisms: "SCRAM-SHA-512" (the default),
	// "SCRAM-SHA-256", "PLAIN", or "OAUTHBEARER" with a TokenEndpoint.
	Mechanism string
	// SSLCALocation is librdkafka's ssl.ca.location: a CA certificate file to verify
	// the brokers with instead of the system's; "" for the system's. With a
	// TokenEndpoint it verifies the endpoint's certificate too (https.ca.location).
	SSLCALocation string
	// TokenEndpoint is an OpenID Connect token endpoint (hop-client's token_endpoint).
	// With one, the credential logs in with OAUTHBEARER: librdkafka asks the endpoint
	// for tokens with the client-credentials grant, Username being the client id and
	// Password its secret, as hop-client does.
	TokenEndpoint string
}

// DefaultAuthPath is where the auth file is looked for:
// $XDG_CONFIG_HOME/rdstreams/auth.toml, or ~/.config/rdstreams/auth.toml when
// XDG_CONFIG_HOME is unset, empty or not an absolute path (as the XDG Base Directory
// specification says). A hop-client auth.toml (~/.config/hop/auth.toml) can be copied
// or linked there as it is.
func DefaultAuthPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "~" // no $HOME: the path says where it would be; loading it fails clearly
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "rdstreams", "auth.toml")
}

// LoadAuth reads the credentials in the auth file at path (DefaultAuthPath when path is
// ""). The file must be private to its owner: one that group or others may read or
// write is refused, with an error saying to run chmod 600. A missing file is an error
// saying where it was looked for and how to create it. The content is read as
// ParseAuth reads it. Errors are *kafkaerror.Error with code InvalidArg.
func LoadAuth(path string) ([]Credential, error) {
	if path == "" {
		path = DefaultAuthPath()
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg,
				"stream: no auth file at %s: create it with one [[auth]] table per credential "+
					"(username = \"…\", password = \"…\"; a hop-client auth.toml works as it is) "+
					"and run `chmod 600 %s`, or open the stream without auth", path, path)
		}
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: reading auth file: %v", err)
	}
	defer f.Close()
	// Check the open file, not the path, so that the file checked is the file read.
	info, err := f.Stat()
	if err != nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: reading auth file: %v", err)
	}
	if info.IsDir() {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: auth file %s is a directory", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg,
			"stream: auth file %s has unsafe permissions %#o (group or others may access it): "+
				"run `chmod 600 %s`", path, perm, path)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: reading auth file: %v", err)
	}
	creds, reason := parseAuth(data)
	if reason != "" {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: auth file %s: %s", path, reason)
	}
	return creds, nil
}

// ParseAuth reads credentials in hop-client's auth.toml format: an array of tables
//
//	[[auth]]
//	username = "alice"
//	password = "secret"
//	hostname = "kafka.example.org:9092"  # optional; "" or absent: any host
//	protocol = "SASL_SSL"                # optional: SASL_SSL (default) or SASL_PLAINTEXT
//	mechanism = "SCRAM_SHA_512"          # optional: SCRAM-SHA-512 (default), SCRAM-SHA-256, PLAIN
//	ssl_ca_location = "/path/to/ca.pem"  # optional
//
// in the order they appear. Mechanisms are accepted in hop's spelling (SCRAM_SHA_512)
// and librdkafka's (SCRAM-SHA-512), in any case, and come back in librdkafka's;
// protocols come back upper case. The old hop form with a single [auth] table is read
// too. Keys rdstreams does not know are ignored, as hop-client ignores them, except
// token_command (a program printing tokens), which is refused.
//
// An entry with a token_endpoint (an OpenID Connect token endpoint URL) is an OAuth
// credential, as in hop-client: its mechanism defaults to OAUTHBEARER, and the username
// and password are the client id and secret librdkafka presents to the endpoint
// (client-credentials grant). With another mechanism named, the endpoint is ignored,
// as hop-client ignores it. OAUTHBEARER without a token_endpoint is refused.
//
// Every entry must have a non-empty username and password; an entry without, or with
// a value of the wrong type, an unknown protocol or mechanism, or a malformed hostname,
// is an error naming the entry (numbered from 1). A document without entries is an
// error too. Errors are *kafkaerror.Error with code InvalidArg.
func ParseAuth(data []byte) ([]Credential, error) {
	creds, reason := parseAuth(data)
	if reason != "" {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: auth data: %s", reason)
	}
	return creds, nil
}

// parseAuth is ParseAuth, returning why the data is wrong as text so that LoadAuth can
// name the file.
func parseAuth(data []byte) ([]Credential, string) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, fmt.Sprintf("not valid TOML: %v", err)
	}
	raw, ok := doc["auth"]
	if !ok {
		return nil, "no [[auth]] entries: add one with a username and password"
	}
	var entries []map[string]any
	switch v := raw.(type) {
	case []map[string]any: // [[auth]] tables
		entries = v
	case map[string]any: // hop's old single [auth] table
		entries = []map[string]any{v}
	case []any: // auth = [{…}, …]
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Sprintf("auth entry %d is a %s, not a table with username and password", i+1, tomlType(e))
			}
			entries = append(entries, m)
		}
	default:
		return nil, fmt.Sprintf("auth is a %s, not [[auth]] tables with username and password", tomlType(raw))
	}
	if len(entries) == 0 {
		return nil, "no [[auth]] entries: add one with a username and password"
	}
	creds := make([]Credential, 0, len(entries))
	for i, e := range entries {
		c, reason := credentialFrom(e)
		if reason != "" {
			return nil, fmt.Sprintf("auth entry %d: %s", i+1, reason)
		}
		creds = append(creds, c)
	}
	return creds, ""
}

// credentialFrom reads one [[auth]] table.
func credentialFrom(e map[string]any) (Credential, string) {
	str := func(key string) (string, bool, string) {
		v, ok := e[key]
		if !ok {
			return "", false, ""
		}
		s, ok := v.(string)
		if !ok {
			return "", true, fmt.Sprintf("%s is a %s, want a string", key, tomlType(v))
		}
		return s, true, ""
	}
	var c Credential
	var present bool
	var reason string
	if c.Username, present, reason = str("username"); reason != "" {
		return c, reason
	} else if !present || c.Username == "" {
		return c, "missing username"
	}
	if c.Password, present, reason = str("password"); reason != "" {
		return c, reason
	} else if !present || c.Password == "" {
		return c, fmt.Sprintf("missing password (username %q)", c.Username)
	}
	if c.TokenEndpoint, _, reason = str("token_endpoint"); reason != "" {
		return c, reason
	}
	if _, ok := e["token_command"]; ok {
		return c, fmt.Sprintf("username %q has a token_command: running a program for tokens is not supported; "+
			"give the identity provider's token_endpoint instead", c.Username)
	}
	if c.Hostname, _, reason = str("hostname"); reason != "" {
		return c, reason
	}
	if c.Hostname != "" {
		if _, why := splitHostPort(c.Hostname); why != "" {
			return c, fmt.Sprintf("hostname %q: %s", c.Hostname, why)
		}
	}
	if c.Protocol, _, reason = str("protocol"); reason != "" {
		return c, reason
	}
	if c.Protocol, reason = normalizeProtocol(c.Protocol); reason != "" {
		return c, reason
	}
	if c.Mechanism, _, reason = str("mechanism"); reason != "" {
		return c, reason
	}
	if c.Mechanism == "" && c.TokenEndpoint != "" {
		c.Mechanism = oauthBearer
	}
	if c.Mechanism, reason = normalizeMechanism(c.Mechanism); reason != "" {
		return c, reason
	}
	switch {
	case c.Mechanism == oauthBearer && c.TokenEndpoint == "":
		return c, fmt.Sprintf("mechanism %q is not supported without a token_endpoint: add the identity "+
			"provider's token endpoint URL (username and password are then its client id and secret)", c.Mechanism)
	case c.Mechanism != oauthBearer:
		c.TokenEndpoint = "" // hop-client uses it only with OAUTHBEARER
	}
	if c.SSLCALocation, _, reason = str("ssl_ca_location"); reason != "" {
		return c, reason
	}
	return c, ""
}

// tomlType names a decoded TOML value's type for error texts.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case map[string]any:
		return "table"
	case []map[string]any, []any:
		return "array"
	}
	return "date/time"
}

// normalizeProtocol: "" → the default, else SASL_SSL or SASL_PLAINTEXT in any case.
func normalizeProtocol(p string) (string, string) {
	switch up := strings.ToUpper(p); up {
	case "":
		return DefaultProtocol, ""
	case "SASL_SSL", "SASL_PLAINTEXT":
		return up, ""
	}
	return "", fmt.Sprintf("protocol %q is not SASL_SSL or SASL_PLAINTEXT", p)
}

// normalizeMechanism: "" → the default; hop's SCRAM_SHA_512 or librdkafka's
// SCRAM-SHA-512 (any case) → librdkafka's spelling.
func normalizeMechanism(m string) (string, string) {
	switch up := strings.ReplaceAll(strings.ToUpper(m), "_", "-"); up {
	case "":
		return DefaultMechanism, ""
	case "SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN", oauthBearer:
		return up, ""
	case "GSSAPI":
		return "", fmt.Sprintf("mechanism %q is not supported: rdstreams logs in with a username and password "+
			"(SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN) or OAuth tokens (OAUTHBEARER with a token_endpoint)", m)
	}
	return "", fmt.Sprintf("unknown mechanism %q: use SCRAM-SHA-512, SCRAM-SHA-256, PLAIN or OAUTHBEARER "+
		"(hop's SCRAM_SHA_512 spelling works too)", m)
}

// oauthBearer is the OAuth mechanism, for credentials with a token endpoint.
const oauthBearer = "OAUTHBEARER"

// SelectCredential picks the credential for u from creds, by hop-client's rules:
//
//   - if u has a Username, only that user's credentials are considered;
//   - of those, the ones whose Hostname matches one of u's brokers (the host, and the
//     port too when the Hostname gives one) come first; only when none matches are the
//     host-less ones considered;
//   - exactly one left is the answer. None, or more than one, is an error
//     (*kafkaerror.Error, InvalidArg) that says which hosts and user were looked for
//     and how to fix it: add an entry to the auth file, or name the user in the URL
//     (kafka://username@host/topic).
//
// Host names match without regard to case.
func SelectCredential(creds []Credential, u *URL) (Credential, error) {
	if u == nil {
		return Credential{}, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: SelectCredential: no URL")
	}
	var brokers []hostPort
	for _, b := range u.Brokers {
		if h, reason := splitHostPort(b); reason == "" {
			if h.port == 0 {
				h.port = DefaultPort
			}
			brokers = append(brokers, h)
		}
	}
	var forHost, anyHost []Credential
	for _, c := range creds {
		if u.Username != "" && c.Username != u.Username {
			continue
		}
		if c.Hostname == "" {
			anyHost = append(anyHost, c)
		} else if matchesBroker(c.Hostname, brokers) {
			forHost = append(forHost, c)
		}
	}
	candidates := forHost
	if len(candidates) == 0 {
		candidates = anyHost
	}
	lookedFor := "hosts " + strings.Join(u.Hosts(), ", ")
	if len(u.Brokers) == 1 {
		lookedFor = "host " + u.Hosts()[0]
	}
	switch len(candidates) {
	case 1:
		return candidates[0], nil
	case 0:
		if u.Username != "" {
			return Credential{}, kafkaerror.Newf(kafkaerror.InvalidArg,
				"stream: no credential for user %q and %s among %d: add an [[auth]] entry "+
					"with username = %q, its password, and hostname = %q or no hostname to the auth file "+
					"(by default %s)",
				u.Username, lookedFor, len(creds), u.Username, firstHostname(u), DefaultAuthPath())
		}
		return Credential{}, kafkaerror.Newf(kafkaerror.InvalidArg,
			"stream: no credential for %s among %d: add an [[auth]] entry with username, password, "+
				"and hostname = %q or no hostname to the auth file (by default %s)",
			lookedFor, len(creds), firstHostname(u), DefaultAuthPath())
	}
	names := make([]string, 0, len(candidates))
	seen := map[string]bool{}
	for _, c := range candidates {
		if !seen[c.Username] {
			seen[c.Username] = true
			names = append(names, c.Username)
		}
	}
	sort.Strings(names)
	if len(names) == 1 {
		return Credential{}, kafkaerror.Newf(kafkaerror.InvalidArg,
			"stream: %d credentials for user %q match %s equally well: remove the duplicate entries "+
				"from the auth file or give each its own hostname", len(candidates), names[0], lookedFor)
	}
	example := *u
	example.Username = names[0]
	return Credential{}, kafkaerror.Newf(kafkaerror.InvalidArg,
		"stream: %d credentials match %s (users %s): choose one by putting its username in the URL, "+
			"as in %s", len(candidates), lookedFor, strings.Join(names, ", "), example.String())
}

// firstHostname is the value an auth entry's hostname would take for u's first broker.
func firstHostname(u *URL) string {
	if len(u.Brokers) == 0 {
		return ""
	}
	return u.Brokers[0]
}

// matchesBroker reports whether a credential's hostname ("host" or "host:port") names
// one of the brokers.
func matchesBroker(hostname string, brokers []hostPort) bool {
	want, reason := splitHostPort(hostname)
	if reason != "" {
		return false
	}
	for _, b := range brokers {
		if strings.EqualFold(want.host, b.host) && (want.port == 0 || want.port == b.port) {
			return true
		}
	}
	return false
}

// Config gives the librdkafka properties that log in with c: security.protocol,
// sasl.mechanisms, sasl.username, sasl.password, and ssl.ca.location when set. Empty
// Protocol and Mechanism mean the defaults, SASL_SSL and SCRAM-SHA-512. With a
// TokenEndpoint (mechanism OAUTHBEARER) the username and password are instead
// sasl.oauthbearer.client.id and .client.secret, with sasl.oauthbearer.method=oidc and
// sasl.oauthbearer.token.endpoint.url, and ssl.ca.location is also https.ca.location,
// the properties hop-client sets.
func (c Credential) Config() map[string]any {
	protocol, mechanism := c.Protocol, c.Mechanism
	if protocol == "" {
		protocol = DefaultProtocol
	}
	if mechanism == "" {
		mechanism = DefaultMechanism
		if c.TokenEndpoint != "" {
			mechanism = oauthBearer
		}
	}
	config := map[string]any{
		"security.protocol": protocol,
		"sasl.mechanisms":   mechanism,
	}
	if mechanism == oauthBearer {
		config["sasl.oauthbearer.method"] = "oidc"
		config["sasl.oauthbearer.client.id"] = c.Username
		config["sasl.oauthbearer.client.secret"] = c.Password
		config["sasl.oauthbearer.token.endpoint.url"] = c.TokenEndpoint
		if c.SSLCALocation != "" {
			config["https.ca.location"] = c.SSLCALocation
		}
	} else {
		config["sasl.username"] = c.Username
		config["sasl.password"] = c.Password
	}
	if c.SSLCALocation != "" {
		config["ssl.ca.location"] = c.SSLCALocation
	}
	return config
}

// String describes the credential without its password, e.g.
// "alice@kafka.example.org:9092 (SCRAM-SHA-512 over SASL_SSL)" or
// "alice@any host (SCRAM-SHA-512 over SASL_SSL)".
func (c Credential) String() string {
	host := c.Hostname
	if host == "" {
		host = "any host"
	}
	protocol, mechanism := c.Protocol, c.Mechanism
	if protocol == "" {
		protocol = DefaultProtocol
	}
	if mechanism == "" {
		mechanism = DefaultMechanism
		if c.TokenEndpoint != "" {
			mechanism = oauthBearer
		}
	}
	s := fmt.Sprintf("%s@%s (%s over %s", c.Username, host, mechanism, protocol)
	if c.TokenEndpoint != "" {
		s += ", tokens from " + c.TokenEndpoint
	}
	if c.SSLCALocation != "" {
		s += ", CA " + c.SSLCALocation
	}
	return s + ")"
}

// GoString is the %#v form, with the password blanked out.
func (c Credential) GoString() string {
	password := ""
	if c.Password != "" {
		password = "xxxxx"
	}
	return fmt.Sprintf("stream.Credential{Username:%q, Password:%q, Hostname:%q, Protocol:%q, Mechanism:%q, SSLCALocation:%q, TokenEndpoint:%q}",
		c.Username, password, c.Hostname, c.Protocol, c.Mechanism, c.SSLCALocation, c.TokenEndpoint)
}

// LogValue is how log/slog shows the credential: its String, never the password.
func (c Credential) LogValue() slog.Value { return slog.StringValue(c.String()) }
