package stream_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
)

// FuzzParseURL: ParseURL never panics; what it accepts is well formed, and its String
// form parses back to an equal URL; what it refuses is an InvalidArg error.
// Seeds: testdata/fuzz/FuzzParseURL.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"kafka://host/topic", "kafka://u@[::1]:1,h/t1,t2", "kafka://h:99999/t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := stream.ParseURL(raw)
		if err != nil {
			var kerr *kafkaerror.Error
			if !errors.As(err, &kerr) || kerr.Code() != kafkaerror.InvalidArg {
				t.Fatalf("ParseURL(%q): error %v is not an InvalidArg *kafkaerror.Error", raw, err)
			}
			if u != nil {
				t.Fatalf("ParseURL(%q): URL %#v together with an error", raw, u)
			}
			return
		}
		if len(u.Brokers) == 0 {
			t.Fatalf("ParseURL(%q): no brokers", raw)
		}
		for _, topic := range u.Topics {
			if topic == "" {
				t.Fatalf("ParseURL(%q): empty topic in %q", raw, u.Topics)
			}
		}
		if hosts := u.Hosts(); len(hosts) != len(u.Brokers) {
			t.Fatalf("ParseURL(%q): %d hosts for %d brokers", raw, len(hosts), len(u.Brokers))
		}
		canonical := u.String()
		again, err := stream.ParseURL(canonical)
		if err != nil {
			t.Fatalf("ParseURL(%q) = %q, which does not parse: %v", raw, canonical, err)
		}
		if !equalURL(u, again) {
			t.Fatalf("ParseURL(%q) = %#v, its String %q parses to %#v", raw, u, canonical, again)
		}
		if again.String() != canonical {
			t.Fatalf("String is not stable: %q then %q", canonical, again.String())
		}
	})
}

func equalURL(a, b *stream.URL) bool {
	return a.Username == b.Username && slices.Equal(a.Brokers, b.Brokers) && slices.Equal(a.Topics, b.Topics)
}

// FuzzParseAuth: ParseAuth never panics; every credential it returns has a username, a
// password, and a protocol and mechanism librdkafka knows; a refusal is an InvalidArg
// error. Seeds: testdata/fuzz/FuzzParseAuth.
func FuzzParseAuth(f *testing.F) {
	f.Add([]byte("[[auth]]\nusername = \"u\"\npassword = \"p\"\n"))
	f.Add([]byte("auth = [{username = \"u\", password = \"p\", mechanism = \"SCRAM_SHA_256\"}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		creds, err := stream.ParseAuth(data)
		if err != nil {
			var kerr *kafkaerror.Error
			if !errors.As(err, &kerr) || kerr.Code() != kafkaerror.InvalidArg {
				t.Fatalf("ParseAuth(%q): error %v is not an InvalidArg *kafkaerror.Error", data, err)
			}
			if creds != nil {
				t.Fatalf("ParseAuth(%q): credentials together with an error", data)
			}
			return
		}
		if len(creds) == 0 {
			t.Fatalf("ParseAuth(%q): no credentials and no error", data)
		}
		for i, c := range creds {
			if c.Username == "" || c.Password == "" {
				t.Fatalf("ParseAuth(%q): credential %d without username or password: %#v", data, i+1, c)
			}
			switch c.Protocol {
			case "SASL_SSL", "SASL_PLAINTEXT":
			default:
				t.Fatalf("ParseAuth(%q): credential %d has protocol %q", data, i+1, c.Protocol)
			}
			switch c.Mechanism {
			case "SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN":
				if c.TokenEndpoint != "" {
					t.Fatalf("ParseAuth(%q): credential %d has mechanism %s and a token endpoint", data, i+1, c.Mechanism)
				}
			case "OAUTHBEARER": // only with a token endpoint, librdkafka's OIDC flow
				if c.TokenEndpoint == "" {
					t.Fatalf("ParseAuth(%q): credential %d has mechanism OAUTHBEARER without a token endpoint", data, i+1)
				}
			default:
				t.Fatalf("ParseAuth(%q): credential %d has mechanism %q", data, i+1, c.Mechanism)
			}
			other := c
			other.Password += "x"
			if c.String() != other.String() || c.GoString() != other.GoString() {
				t.Fatalf("String or GoString of credential %d depends on the password", i+1)
			}
			config := c.Config()
			user, password := config["sasl.username"], config["sasl.password"]
			if c.TokenEndpoint != "" {
				user, password = config["sasl.oauthbearer.client.id"], config["sasl.oauthbearer.client.secret"]
			}
			if user != c.Username || password != c.Password {
				t.Fatalf("Config() of credential %d: %v", i+1, config)
			}
		}
	})
}
