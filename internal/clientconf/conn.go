package clientconf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// ConnKind says what kind of connection failure a ConnError is.
type ConnKind int

const (
	// ConnOther is any other client-wide error (all brokers down, a time-out, …).
	ConnOther ConnKind = iota
	// ConnRefused: nothing is listening at the address (connection refused).
	ConnRefused
	// ConnResolve: the broker's host name does not resolve.
	ConnResolve
	// ConnTLS: the TLS handshake failed (the broker's certificate was not accepted, …).
	ConnTLS
	// ConnProtocol: the client's security.protocol is not the listener's (TLS against
	// a plaintext port, no SASL against a SASL port, …).
	ConnProtocol
	// ConnAuth: the broker refused the SASL login (credentials, mechanism).
	ConnAuth
)

// Definitive reports whether retrying cannot help while the configuration stays as it
// is: a TLS failure, a wrong protocol for the port, refused credentials.
func (k ConnKind) Definitive() bool { return k == ConnTLS || k == ConnProtocol || k == ConnAuth }

// ConnError is a client-wide connection failure, explained: its kind, the broker
// address it concerns ("" when none) and the error, whose text says what happened in
// rdstreams' words. errors.As finds the *kafkaerror.Error inside, and errors.Is
// matches its code.
type ConnError struct {
	Kind ConnKind
	Addr string
	Err  *kafkaerror.Error
	// Cause, when set, is what a call returned that the failure explains (its
	// deadline passing); errors.Is and errors.As reach it too.
	Cause error
}

func (e *ConnError) Error() string { return e.Err.Error() }

func (e *ConnError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// Conn is how a client connects (security.protocol, SASL mechanism and user), which
// is what explaining its connection failures takes. It never holds the password.
type Conn struct {
	protocol  string // security.protocol, upper case: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
	mechanism string // sasl.mechanisms, upper case
	user      string // sasl.username
	client    string // sasl.oauthbearer.client.id (OAUTHBEARER with OIDC)
	tokenURL  string // sasl.oauthbearer.token.endpoint.url
	tlsHint   string // TLSVerifyHint
}

// ConnOf is the Conn of a client with this configuration (librdkafka properties).
func ConnOf(config map[string]any) Conn {
	c := Conn{protocol: "PLAINTEXT", mechanism: "GSSAPI", tlsHint: TLSVerifyHint(config)}
	if p, ok := property(config, "security.protocol"); ok {
		c.protocol = strings.ToUpper(fmt.Sprint(p))
	}
	for _, key := range []string{"sasl.mechanisms", "sasl.mechanism"} {
		if m, ok := property(config, key); ok {
			c.mechanism = strings.ToUpper(fmt.Sprint(m))
		}
	}
	if u, ok := property(config, "sasl.username"); ok {
		c.user = fmt.Sprint(u)
	}
	if id, ok := property(config, "sasl.oauthbearer.client.id"); ok {
		c.client = fmt.Sprint(id)
	}
	if u, ok := property(config, "sasl.oauthbearer.token.endpoint.url"); ok {
		c.tokenURL = fmt.Sprint(u)
	}
	return c
}

func (c Conn) tls() bool  { return c.protocol == "SSL" || c.protocol == "SASL_SSL" }
func (c Conn) sasl() bool { return strings.HasPrefix(c.protocol, "SASL_") }

// Login names the client's SASL login: its mechanism and user, never the password:
// `SCRAM-SHA-512 login as user "alice"`, or `OAUTHBEARER login as client "app"` for an
// OIDC client. It is "" for a client that does not log in.
func (c Conn) Login() string {
	if !c.sasl() {
		return ""
	}
	if c.mechanism == "OAUTHBEARER" && c.client != "" {
		return fmt.Sprintf("OAUTHBEARER login as client %q", c.client)
	}
	if c.user == "" {
		return c.mechanism + " login"
	}
	return fmt.Sprintf("%s login as user %q", c.mechanism, c.user)
}

// Report is ExplainError's error alone: a client-wide error in rdstreams' words.
func (c Conn) Report(kerr *kafkaerror.Error) *kafkaerror.Error { return c.ExplainError(kerr).Err }

// ExplainError says what kind of failure a client-wide engine error is. A connection
// failure gets a text of the form "connect to ADDR: what went wrong"; the code and
// flags stay the engine's, except that a TLS failure the engine reports as a transport
// failure gets code kafkaerror.SSL.
func (c Conn) ExplainError(kerr *kafkaerror.Error) *ConnError {
	addr, msg, _ := splitBrokerText(kerr.Str())
	out := &ConnError{Kind: ConnOther, Addr: addr, Err: kerr}
	if reason, ok := strings.CutPrefix(kerr.Str(), noToken); ok && kerr.Code() == kafkaerror.Authentication {
		// No broker involved: the client has no token to log in with.
		out.Kind = ConnAuth
		out.Err = kafkaerror.New(kerr.Code(), c.tokenFailure(reason), kafkaerror.Flags{
			Fatal: kerr.Fatal(), Retriable: kerr.Retriable(), TxnRequiresAbort: kerr.TxnRequiresAbort(),
		})
		return out
	}
	if addr == "" {
		return out
	}
	code := kerr.Code()
	var text string
	switch {
	case code == kafkaerror.Authentication && (strings.Contains(msg, "Request not valid in current SASL state") ||
		strings.HasSuffix(strings.TrimSpace(msg), "broker's supported mechanisms:")):
		out.Kind = ConnProtocol
		text = c.wrongProtocol("the listener takes no SASL login", c.withoutSASL())
	case code == kafkaerror.Authentication:
		out.Kind = ConnAuth
		text = c.authFailure(msg)
	case strings.Contains(msg, "connecting to a PLAINTEXT broker listener?"):
		out.Kind = ConnProtocol
		text = c.wrongProtocol("the listener does not speak TLS", c.withoutTLS())
	case code == kafkaerror.SSL || (code == kafkaerror.Transport && isTLSFailure(msg)):
		out.Kind = ConnTLS
		code = kafkaerror.SSL
		text = "TLS handshake failed: " + strings.TrimPrefix(msg, "SSL handshake failed: ")
		if i := strings.Index(text, verifyFailed); i >= 0 {
			// The engine words one failure two ways, with or without its own advice;
			// keep OpenSSL's words and give one advice, always the same.
			text = text[:i+len(verifyFailed)] + ": the broker's certificate could not be verified " +
				"(is ssl.ca.location the CA that signed it?)" + c.tlsHint
		}
	case code == kafkaerror.Transport && strings.Contains(msg, "Connection refused"):
		out.Kind = ConnRefused
		text = "nothing is listening there (connection refused)"
	case code == kafkaerror.Resolve:
		out.Kind = ConnResolve
		text = msg
	default:
		return out
	}
	out.Err = kafkaerror.New(code, "connect to "+addr+": "+text, kafkaerror.Flags{
		Fatal: kerr.Fatal(), Retriable: kerr.Retriable(), TxnRequiresAbort: kerr.TxnRequiresAbort(),
	})
	return out
}

// ExplainLog reads one of the engine's FAIL log lines: a connection the broker closed
// at the first request after connecting is how a listener of another security
// protocol hangs up, which the engine logs without reporting an error. It returns a
// ConnProtocol failure (code kafkaerror.Transport) for such a line, nil for others.
// One such line can be bad luck (a broker going down); two in a row are a pattern.
func (c Conn) ExplainLog(line string) *ConnError {
	if strings.HasPrefix(line, "[thrd:") { // "[thrd:NAME]: NAME: text"
		if _, rest, ok := strings.Cut(line, "]: "); ok {
			line = rest
		}
	}
	addr, msg, after := splitBrokerText(line)
	if addr == "" || !strings.HasPrefix(msg, "Disconnected") {
		return nil
	}
	var text string
	switch {
	case after.state == "APIVERSION_QUERY" && !c.tls():
		// A TLS listener reads the first request as a broken TLS handshake.
		text = c.wrongProtocol("the listener hung up at the first request, as TLS listeners do", c.withTLS())
	case after.state == "UP" && after.ms < 2000 && !c.sasl():
		// A SASL listener answers ApiVersions, then hangs up on the first request
		// that comes without a login.
		text = c.wrongProtocol("the listener hung up at the first request after the handshake, as SASL listeners do without a login", c.withSASL())
	default:
		return nil
	}
	return &ConnError{Kind: ConnProtocol, Addr: addr,
		Err: kafkaerror.New(kafkaerror.Transport, "connect to "+addr+": "+text, kafkaerror.Flags{})}
}

func (c Conn) wrongProtocol(what, likely string) string {
	return fmt.Sprintf("wrong security.protocol for this port: %s was asked, but %s (is the listener %s?)", c.protocol, what, likely)
}

// authFailure words a refused SASL login.
func (c Conn) authFailure(msg string) string {
	login := c.Login()
	if login == "" { // the engine logs in only over SASL; keep its words
		return msg
	}
	switch {
	case strings.Contains(msg, "invalid credentials"):
		return login + " refused: wrong password, or no such user"
	case c.mechanism == "OAUTHBEARER" && strings.Contains(msg, "invalid_token"):
		return login + " refused: the broker did not accept the token (its signature, issuer, audience, " +
			"expiry or subject): " + msg
	case strings.Contains(msg, "Unsupported SASL mechanism"):
		offered := "none"
		if _, o, ok := strings.Cut(msg, "broker's supported mechanisms: "); ok && strings.TrimSpace(o) != "" {
			offered = strings.TrimSpace(o)
		}
		return fmt.Sprintf("%s refused: the broker does not offer %s (it offers %s)", login, c.mechanism, offered)
	}
	return login + " failed: " + msg
}

// noToken is how the engine begins an error for an OAUTHBEARER token it could not get.
const noToken = "Failed to acquire SASL OAUTHBEARER token: "

// tokenFailure words a token the client could not get or could not use: from its
// token endpoint (OIDC), or from the application.
func (c Conn) tokenFailure(reason string) string {
	login := c.Login()
	if login == "" {
		login = "OAUTHBEARER login"
	}
	switch {
	case strings.HasPrefix(reason, "Must supply an unexpired token"):
		return fmt.Sprintf("%s: the token has already expired (%s)", login, reason)
	case c.tokenURL != "" && strings.Contains(reason, "invalid_client"):
		return fmt.Sprintf("%s: the token endpoint %s refused the client: wrong client id or secret? (%s)", login, c.tokenURL, reason)
	case c.tokenURL != "":
		return fmt.Sprintf("%s: no token from the token endpoint %s: %s", login, c.tokenURL, reason)
	}
	return fmt.Sprintf("%s: no token: %s", login, reason)
}

func (c Conn) withTLS() string {
	if c.sasl() {
		return "SASL_SSL"
	}
	return "SSL"
}

func (c Conn) withoutTLS() string {
	if c.sasl() {
		return "SASL_PLAINTEXT"
	}
	return "PLAINTEXT"
}

func (c Conn) withSASL() string {
	if c.tls() {
		return "SASL_SSL"
	}
	return "SASL_PLAINTEXT"
}

func (c Conn) withoutSASL() string {
	if c.tls() {
		return "SSL"
	}
	return "PLAINTEXT"
}

// verifyFailed is OpenSSL's words for a certificate it could not verify.
const verifyFailed = "certificate verify failed"

func isTLSFailure(msg string) bool {
	return strings.Contains(msg, "SSL handshake failed") || strings.Contains(msg, verifyFailed) ||
		strings.Contains(msg, "SSL routines")
}

// stateNote is the engine's note at the end of a broker error, "(after 12ms in state UP)".
type stateNote struct {
	ms    int
	state string
}

// splitBrokerText splits an engine error about one broker,
// "sasl_ssl://host:9093/bootstrap: what happened (after 5ms in state UP)", into the
// broker's address "host:9093", "what happened" and the note. addr is "" when the text
// is not about one broker.
func splitBrokerText(s string) (addr, msg string, note stateNote) {
	name, msg, ok := strings.Cut(s, ": ")
	if !ok || strings.ContainsAny(name, " \t") {
		return "", s, note
	}
	if _, rest, ok := strings.Cut(name, "://"); ok {
		name = rest
	}
	slash := strings.LastIndexByte(name, '/')
	if slash < 0 || !strings.Contains(name[:slash], ":") {
		return "", s, note
	}
	addr = name[:slash]
	if i := strings.LastIndex(msg, " (after "); i >= 0 && strings.HasSuffix(msg, ")") {
		fields := strings.Fields(strings.TrimSuffix(msg[i+len(" (after "):], ")"))
		// "12ms in state UP" or "12ms in state UP, 1 identical error(s) suppressed"
		if len(fields) >= 4 && fields[1] == "in" && fields[2] == "state" {
			note.ms, _ = strconv.Atoi(strings.TrimSuffix(fields[0], "ms"))
			note.state = strings.TrimSuffix(fields[3], ",")
			msg = msg[:i]
		}
	}
	return addr, msg, note
}
