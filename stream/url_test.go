package stream_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
)

// requireInvalidArg asserts that err is a *kafkaerror.Error with code InvalidArg whose
// text contains every one of want.
func requireInvalidArg(t *testing.T, err error, want ...string) {
	t.Helper()
	require.Error(t, err)
	var kerr *kafkaerror.Error
	require.True(t, errors.As(err, &kerr), "error is a *kafkaerror.Error: %T %v", err, err)
	assert.Equal(t, kafkaerror.InvalidArg, kerr.Code(), "code of %q", err)
	assert.True(t, errors.Is(err, kafkaerror.InvalidArg))
	for _, w := range want {
		assert.Contains(t, err.Error(), w)
	}
}

func TestParseURL(t *testing.T) {
	long := strings.Repeat("t", 249)
	tests := []struct {
		raw       string
		want      *stream.URL // nil: an error is expected
		canonical string      // String() of the parsed URL; "" means raw itself
		errText   string      // for errors: part of the reason
	}{
		// Valid.
		{raw: "kafka://host/topic", want: &stream.URL{Brokers: []string{"host:9092"}, Topics: []string{"topic"}},
			canonical: "kafka://host:9092/topic"},
		{raw: "kafka://host:9093/topic", want: &stream.URL{Brokers: []string{"host:9093"}, Topics: []string{"topic"}}},
		{raw: "kafka://user@host:9092/topic", want: &stream.URL{Username: "user", Brokers: []string{"host:9092"}, Topics: []string{"topic"}}},
		{raw: "kafka://host", want: &stream.URL{Brokers: []string{"host:9092"}}, canonical: "kafka://host:9092"},
		{raw: "kafka://host/", want: &stream.URL{Brokers: []string{"host:9092"}}, canonical: "kafka://host:9092"},
		{raw: "kafka://host:1234", want: &stream.URL{Brokers: []string{"host:1234"}}},
		{raw: "kafka://a,b:9093,c/t1,t2,t3", want: &stream.URL{Brokers: []string{"a:9092", "b:9093", "c:9092"}, Topics: []string{"t1", "t2", "t3"}},
			canonical: "kafka://a:9092,b:9093,c:9092/t1,t2,t3"},
		{raw: "kafka://127.0.0.1:39092/t", want: &stream.URL{Brokers: []string{"127.0.0.1:39092"}, Topics: []string{"t"}}},
		{raw: "kafka://[::1]:9093/t", want: &stream.URL{Brokers: []string{"[::1]:9093"}, Topics: []string{"t"}}},
		{raw: "kafka://[::1]/t", want: &stream.URL{Brokers: []string{"[::1]:9092"}, Topics: []string{"t"}}, canonical: "kafka://[::1]:9092/t"},
		{raw: "kafka://[2001:DB8:0:0::1]:1/t", want: &stream.URL{Brokers: []string{"[2001:db8::1]:1"}, Topics: []string{"t"}},
			canonical: "kafka://[2001:db8::1]:1/t"},
		{raw: "kafka://alice@[::1],h2:2/t", want: &stream.URL{Username: "alice", Brokers: []string{"[::1]:9092", "h2:2"}, Topics: []string{"t"}},
			canonical: "kafka://alice@[::1]:9092,h2:2/t"},
		{raw: "KAFKA://Host.Example.ORG/t", want: &stream.URL{Brokers: []string{"Host.Example.ORG:9092"}, Topics: []string{"t"}},
			canonical: "kafka://Host.Example.ORG:9092/t"},
		{raw: "kafka://kafka.scimma.org/snews.experiments-test", want: &stream.URL{Brokers: []string{"kafka.scimma.org:9092"}, Topics: []string{"snews.experiments-test"}},
			canonical: "kafka://kafka.scimma.org:9092/snews.experiments-test"},
		{raw: "kafka://my_broker-1:65535/A.b_C-9", want: &stream.URL{Brokers: []string{"my_broker-1:65535"}, Topics: []string{"A.b_C-9"}}},
		{raw: "kafka://h:00080/t", want: &stream.URL{Brokers: []string{"h:80"}, Topics: []string{"t"}}, canonical: "kafka://h:80/t"},
		{raw: "kafka://user.name-1_x~@h:1/t", want: &stream.URL{Username: "user.name-1_x~", Brokers: []string{"h:1"}, Topics: []string{"t"}}},
		{raw: "kafka://h:1/" + long, want: &stream.URL{Brokers: []string{"h:1"}, Topics: []string{long}}},
		{raw: "kafka://h:1/...", want: &stream.URL{Brokers: []string{"h:1"}, Topics: []string{"..."}}},
		{raw: "kafka://h:1/t,t", want: &stream.URL{Brokers: []string{"h:1"}, Topics: []string{"t", "t"}}},

		// Scheme.
		{raw: "", errText: "empty URL"},
		{raw: "host:9092/topic", errText: "missing scheme"},
		{raw: "//host/topic", errText: "missing scheme"},
		{raw: "kafka:host/topic", errText: `missing "//"`},
		{raw: "kafka:/host/topic", errText: `missing "//"`},
		{raw: "http://host/topic", errText: `scheme "http" is not kafka`},
		{raw: "kafkas://host/topic", errText: `scheme "kafkas" is not kafka`},
		{raw: "://host/topic", errText: "missing scheme"},

		// Hosts.
		{raw: "kafka://", errText: "no broker host"},
		{raw: "kafka:///topic", errText: "no broker host"},
		{raw: "kafka://:9092/t", errText: "empty host"},
		{raw: "kafka://a,,b/t", errText: `broker 2 ("")`},
		{raw: "kafka://a,/t", errText: "empty host"},
		{raw: "kafka://,a/t", errText: "empty host"},
		{raw: "kafka://user@/t", errText: "no broker host"},
		{raw: "kafka://::1/t", errText: "IPv6 addresses in brackets"},
		{raw: "kafka://[::1/t", errText: "missing ']'"},
		{raw: "kafka://[zz]:1/t", errText: "not an IPv6 address"},
		{raw: "kafka://[1.2.3.4]:1/t", errText: "not an IPv6 address"},
		{raw: "kafka://[fe80::1%25eth0]:1/t", errText: "not an IPv6 address"},
		{raw: "kafka://[::1]x/t", errText: "unexpected text after ']'"},
		{raw: "kafka://ho$t/t", errText: `character '$' not allowed in a host name`},
		{raw: "kafka://" + strings.Repeat("h", 254) + "/t", errText: "longer than 253"},

		// Ports.
		{raw: "kafka://host:99999/t", errText: "port 99999 out of range 1..65535"},
		{raw: "kafka://host:65536/t", errText: "port 65536 out of range 1..65535"},
		{raw: "kafka://host:0/t", errText: "port 0 out of range 1..65535"},
		{raw: "kafka://host:000/t", errText: "out of range"},
		{raw: "kafka://host:123456789012345678901234567890/t", errText: "out of range"},
		{raw: "kafka://host:/t", errText: "empty port after ':'"},
		{raw: "kafka://host:abc/t", errText: `port "abc" is not a number`},
		{raw: "kafka://host:-1/t", errText: "is not a number"},
		{raw: "kafka://host:+1/t", errText: "is not a number"},
		{raw: "kafka://[::1]:/t", errText: "empty port"},

		// Topics.
		{raw: "kafka://host/a,,b", errText: "topic 2: empty topic name"},
		{raw: "kafka://host/a,", errText: "topic 2: empty topic name"},
		{raw: "kafka://host/,a", errText: "topic 1: empty topic name"},
		{raw: "kafka://host//t", errText: `character '/' not allowed in a topic name`},
		{raw: "kafka://host/a/b", errText: `character '/' not allowed`},
		{raw: "kafka://host/t@x", errText: `character '@' not allowed`},
		{raw: "kafka://host/t:x", errText: `character ':' not allowed`},
		{raw: "kafka://host/.", errText: `"." and ".." are not allowed`},
		{raw: "kafka://host/..", errText: `"." and ".." are not allowed`},
		{raw: "kafka://host/" + long + "x", errText: "250 characters long, Kafka allows at most 249"},
		{raw: "kafka://host/caf%C3%A9", errText: `character '%' not allowed`},

		// User part.
		{raw: "kafka://user:pw@host/t", errText: "credentials come from the auth file"},
		{raw: "kafka://user:@host/t", errText: "credentials come from the auth file"},
		{raw: "kafka://a@b@host/t", errText: "more than one '@'"},
		{raw: "kafka://@host/t", errText: "empty username before '@'"},
		{raw: "kafka://us[er@host/t", errText: `character '[' not allowed in username`},

		// Query, fragment, whitespace, control and non-ASCII characters.
		{raw: "kafka://host/t?x=1", errText: "query strings"},
		{raw: "kafka://host?x=1", errText: "query strings"},
		{raw: "kafka://host/t#frag", errText: "fragments"},
		{raw: "kafka://host/t ", errText: "whitespace at byte 14"},
		{raw: " kafka://host/t", errText: "whitespace at byte 0"},
		{raw: "kafka://ho st/t", errText: "whitespace"},
		{raw: "kafka://host/t\n", errText: "whitespace"},
		{raw: "kafka://host/\tt", errText: "whitespace"},
		{raw: "kafka://host/t\x00", errText: "control character 0x00 at byte 14"},
		{raw: "kafka://host/t\x7f", errText: "control character"},
		{raw: "kafka://hôst/t", errText: "non-ASCII character"},
		{raw: "kafka://host/t\u00a0", errText: "non-ASCII character"},
	}
	require.GreaterOrEqual(t, len(tests), 40)
	valid := 0
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			u, err := stream.ParseURL(tc.raw)
			if tc.want == nil {
				assert.Nil(t, u)
				requireInvalidArg(t, err, "stream: invalid URL ", tc.errText)
				if !strings.Contains(tc.errText, "credentials come from") { // those are redacted
					assert.Contains(t, err.Error(), strconv.Quote(tc.raw), "the error quotes the URL (%q)")
				}
				return
			}
			valid++
			require.NoError(t, err)
			assert.Equal(t, tc.want, u)
			canonical := tc.canonical
			if canonical == "" {
				canonical = tc.raw
			}
			assert.Equal(t, canonical, u.String())
			again, err := stream.ParseURL(u.String())
			require.NoError(t, err, "String() re-parses")
			assert.Equal(t, u, again, "String() round-trips")
			assert.Equal(t, again.String(), u.String())
		})
	}
	assert.GreaterOrEqual(t, valid, 15)
}

// A password in the URL never appears in the error: it is blanked out, also when the
// URL is wrong for another reason as well.
func TestParseURLPasswordRedacted(t *testing.T) {
	for _, raw := range []string{
		"kafka://alice:s3cret@host/t",
		"kafka://alice:s3cret@host/t x",
		"kafka://alice:s3cret@host:99999/t",
		"kafka://alice:s3cret@host/t?q",
		"kafka://alice:s3cret@b@host/t",
	} {
		_, err := stream.ParseURL(raw)
		requireInvalidArg(t, err)
		assert.NotContains(t, err.Error(), "s3cret", raw)
		assert.Contains(t, err.Error(), `"kafka://alice:xxxxx@`, raw)
	}
	_, err := stream.ParseURL("kafka://alice:s3cret@host:9092/t")
	assert.Contains(t, err.Error(), "kafka://alice@host:9092", "the error shows the URL to write instead")
	assert.Contains(t, err.Error(), "auth file")
}

// The exact text of one error, as the package documentation promises.
func TestParseURLErrorText(t *testing.T) {
	_, err := stream.ParseURL("kafka://host:99999/t")
	require.Error(t, err)
	assert.Equal(t, `stream: invalid URL "kafka://host:99999/t": broker 1 ("host:99999"): port 99999 out of range 1..65535`, err.Error())
}

func TestURLHostsAndBootstrap(t *testing.T) {
	u, err := stream.ParseURL("kafka://alice@b1,b2:9093,[::1]:9094,10.0.0.1/t")
	require.NoError(t, err)
	assert.Equal(t, []string{"b1", "b2", "::1", "10.0.0.1"}, u.Hosts())
	assert.Equal(t, "b1:9092,b2:9093,[::1]:9094,10.0.0.1:9092", u.Bootstrap())
	assert.Equal(t, "kafka://alice@b1:9092,b2:9093,[::1]:9094,10.0.0.1:9092/t", u.String())

	// A hand-built URL whose brokers lack ports still gives its hosts.
	hand := &stream.URL{Brokers: []string{"x", "[::2]"}}
	assert.Equal(t, []string{"x", "::2"}, hand.Hosts())
	assert.Equal(t, "x,[::2]", hand.Bootstrap())
	assert.Equal(t, "kafka://x,[::2]", hand.String())
}

// The empty-topic forms give no topics, not one empty topic.
func TestParseURLNoTopics(t *testing.T) {
	for _, raw := range []string{"kafka://h", "kafka://h/", "kafka://u@h:1/"} {
		u, err := stream.ParseURL(raw)
		require.NoError(t, err, raw)
		assert.Empty(t, u.Topics, raw)
		assert.NotContains(t, u.Topics, "")
	}
}
