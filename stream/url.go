package stream

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// DefaultPort is the broker port a kafka:// URL implies when it names none.
const DefaultPort = 9092

// maxTopicLen is the longest topic name Kafka accepts.
const maxTopicLen = 249

// URL is a parsed hop-client stream URL:
//
//	kafka://[username@]host[:port][,host2[:port]…][/topic[,topic2…]]
//
// Build one with ParseURL; String gives it back in canonical form.
type URL struct {
	// Username selects which credentials of the auth file to use; "" when the URL
	// names none. It is never a password: a URL with "user:password@" is refused.
	Username string
	// Brokers are the bootstrap brokers as "host:port", in the URL's order, the port
	// defaulted to 9092. IPv6 addresses are bracketed: "[::1]:9092".
	Brokers []string
	// Topics are the URL's topics in order; empty for "kafka://host" and
	// "kafka://host/". No topic name is empty.
	Topics []string
}

// ParseURL parses a kafka:// URL. Anything outside the grammar — another scheme, an
// empty host, a bad port, an empty or invalid topic name (Kafka allows
// [a-zA-Z0-9._-], at most 249 characters), a password in the user part (credentials
// come from the auth file), a query or fragment, whitespace, control or non-ASCII
// characters — is a *kafkaerror.Error with code InvalidArg that quotes the URL.
//
// The scheme is matched without regard to case. Hosts are names, IPv4 addresses or
// bracketed IPv6 addresses (without zone); IPv6 addresses are kept in their canonical
// text form, host names as written.
func ParseURL(raw string) (*URL, error) {
	fail := func(format string, args ...any) (*URL, error) {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: invalid URL %q: %s",
			redactPassword(raw), fmt.Sprintf(format, args...))
	}
	if raw == "" {
		return fail("empty URL; want kafka://[username@]host[:port][,host2[:port]…]/topic[,topic2…]")
	}
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return fail("whitespace at byte %d", i)
		case c < 0x20 || c == 0x7f:
			return fail("control character %#02x at byte %d", c, i)
		case c >= 0x80:
			return fail("non-ASCII character at byte %d", i)
		}
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || !validScheme(scheme) {
		if len(raw) >= 6 && strings.EqualFold(raw[:6], "kafka:") {
			return fail("missing \"//\" after \"kafka:\"")
		}
		return fail("missing scheme: want kafka://host[:port]/topic")
	}
	if !strings.EqualFold(scheme, "kafka") {
		return fail("scheme %q is not kafka", scheme)
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		if rest[i] == '?' {
			return fail("query strings (%q) are not allowed", rest[i:])
		}
		return fail("fragments (%q) are not allowed", rest[i:])
	}
	authority, path, hasPath := strings.Cut(rest, "/")

	u := &URL{}
	hostList := authority
	if strings.Contains(authority, "@") {
		if strings.Count(authority, "@") > 1 {
			return fail("more than one '@' before the hosts")
		}
		user, hosts, _ := strings.Cut(authority, "@")
		if user == "" {
			return fail("empty username before '@'")
		}
		if name, _, found := strings.Cut(user, ":"); found {
			return fail("a password in the URL is not allowed, credentials come from the auth file (%s); "+
				"write only the username: kafka://%s@%s", DefaultAuthPath(), name, hosts)
		}
		if i := strings.IndexFunc(user, func(r rune) bool { return !isUserChar(byte(r)) }); i >= 0 {
			return fail("character %q not allowed in username %q", user[i], user)
		}
		u.Username = user
		hostList = hosts
	}
	if hostList == "" {
		return fail("no broker host")
	}
	for i, hp := range strings.Split(hostList, ",") {
		broker, reason := parseBroker(hp, true)
		if reason != "" {
			return fail("broker %d (%q): %s", i+1, hp, reason)
		}
		u.Brokers = append(u.Brokers, broker)
	}
	if hasPath && path != "" {
		for i, t := range strings.Split(path, ",") {
			if reason := checkTopic(t); reason != "" {
				if t == "" {
					return fail("topic %d: %s", i+1, reason)
				}
				return fail("topic %d (%q): %s", i+1, t, reason)
			}
			u.Topics = append(u.Topics, t)
		}
	}
	return u, nil
}

// redactPassword blanks out a password in raw's user part ("user:secret@host" →
// "user:xxxxx@host"), so that error texts, which end up in logs, never carry it.
func redactPassword(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	start := i + len("://")
	end := len(raw)
	if j := strings.IndexAny(raw[start:], "/?#"); j >= 0 {
		end = start + j
	}
	at := strings.LastIndexByte(raw[start:end], '@')
	if at < 0 {
		return raw
	}
	at += start
	colon := strings.IndexByte(raw[start:at], ':')
	if colon < 0 {
		return raw
	}
	colon += start
	return raw[:colon+1] + "xxxxx" + raw[at:]
}

// validScheme reports whether s has the shape of a URL scheme (RFC 3986).
func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isUserChar: RFC 3986 userinfo characters (unreserved, sub-delims, '%'), without ':'.
func isUserChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("-._~!$&'()*+,;=%", c) >= 0
}

// isHostChar: characters of host names and IPv4 addresses. '_' is not valid in DNS
// names but appears in container and test host names, which resolvers accept.
func isHostChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '.' || c == '-' || c == '_'
}

// hostPort is a parsed broker or credential address; port 0 means none given.
type hostPort struct {
	host string // without brackets
	port int
}

// splitHostPort parses "host", "host:port", "[v6]" or "[v6]:port". It returns a reason
// when hp is malformed. IPv6 hosts come back in canonical form, without brackets.
func splitHostPort(hp string) (hostPort, string) {
	var host, port string
	hasPort := false
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return hostPort{}, "missing ']' after IPv6 address"
		}
		addr, err := netip.ParseAddr(hp[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return hostPort{}, "not an IPv6 address between '[' and ']'"
		}
		host = addr.String()
		after := hp[end+1:]
		if after != "" {
			if after[0] != ':' {
				return hostPort{}, "unexpected text after ']'"
			}
			port, hasPort = after[1:], true
		}
	} else {
		switch strings.Count(hp, ":") {
		case 0:
			host = hp
		case 1:
			host, port, _ = strings.Cut(hp, ":")
			hasPort = true
		default:
			return hostPort{}, "more than one ':' (write IPv6 addresses in brackets: [::1]:9092)"
		}
		if host == "" {
			return hostPort{}, "empty host"
		}
		for i := 0; i < len(host); i++ {
			if !isHostChar(host[i]) {
				return hostPort{}, fmt.Sprintf("character %q not allowed in a host name", host[i])
			}
		}
		if len(host) > 253 {
			return hostPort{}, "host name longer than 253 characters"
		}
	}
	if !hasPort {
		return hostPort{host: host}, ""
	}
	p, reason := parsePort(port)
	if reason != "" {
		return hostPort{}, reason
	}
	return hostPort{host: host, port: p}, ""
}

// parsePort reads a decimal port in 1..65535.
func parsePort(s string) (int, string) {
	if s == "" {
		return 0, "empty port after ':'"
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, fmt.Sprintf("port %q is not a number", s)
		}
	}
	trimmed := strings.TrimLeft(s, "0")
	if len(trimmed) > 5 {
		return 0, fmt.Sprintf("port %s out of range 1..65535", s)
	}
	n, _ := strconv.Atoi(trimmed) // at most 5 digits: cannot fail ("" is 0)
	if n < 1 || n > 65535 {
		return 0, fmt.Sprintf("port %s out of range 1..65535", s)
	}
	return n, ""
}

// parseBroker turns "host[:port]" into canonical "host:port" (port defaulted when
// defaultPort is set).
func parseBroker(hp string, defaultPort bool) (string, string) {
	if hp == "" {
		return "", "empty host"
	}
	h, reason := splitHostPort(hp)
	if reason != "" {
		return "", reason
	}
	if h.port == 0 && defaultPort {
		h.port = DefaultPort
	}
	return h.String(), ""
}

// String is "host:port", "[v6]:port", or the bare host when there is no port.
func (h hostPort) String() string {
	host := h.host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if h.port == 0 {
		return host
	}
	return host + ":" + strconv.Itoa(h.port)
}

// checkTopic returns why t is not a legal Kafka topic name, or "".
func checkTopic(t string) string {
	switch {
	case t == "":
		return "empty topic name (check for a stray or trailing ',')"
	case t == "." || t == "..":
		return "topic names \".\" and \"..\" are not allowed"
	case len(t) > maxTopicLen:
		return fmt.Sprintf("topic name is %d characters long, Kafka allows at most %d", len(t), maxTopicLen)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isAlpha(c) && !isDigit(c) && c != '.' && c != '_' && c != '-' {
			return fmt.Sprintf("character %q not allowed in a topic name (Kafka allows [a-zA-Z0-9._-])", c)
		}
	}
	return ""
}

// String is the URL in canonical form: scheme "kafka", every broker with its port,
// and no trailing "/" when there are no topics. ParseURL(u.String()) gives back an
// equal URL.
func (u *URL) String() string {
	var b strings.Builder
	b.WriteString("kafka://")
	if u.Username != "" {
		b.WriteString(u.Username)
		b.WriteByte('@')
	}
	b.WriteString(strings.Join(u.Brokers, ","))
	if len(u.Topics) > 0 {
		b.WriteByte('/')
		b.WriteString(strings.Join(u.Topics, ","))
	}
	return b.String()
}

// Hosts are the brokers' host names without ports (IPv6 addresses without brackets),
// in the URL's order.
func (u *URL) Hosts() []string {
	hosts := make([]string, 0, len(u.Brokers))
	for _, b := range u.Brokers {
		if h, _, err := net.SplitHostPort(b); err == nil {
			hosts = append(hosts, h)
		} else {
			hosts = append(hosts, strings.TrimSuffix(strings.TrimPrefix(b, "["), "]"))
		}
	}
	return hosts
}

// Bootstrap is the brokers joined by commas: the value for bootstrap.servers.
func (u *URL) Bootstrap() string { return strings.Join(u.Brokers, ",") }
