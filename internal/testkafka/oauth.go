package testkafka

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// IdentityProvider is an OAuth 2.0 / OpenID Connect identity provider of a test's own,
// on loopback: it signs JSON Web Tokens (RS256) with a key generated for the test,
// publishes the key as a JSON Web Key Set (JWKSURL) for brokers to validate tokens with,
// and hands out tokens at TokenEndpoint for the client-credentials grant, the flow
// librdkafka's sasl.oauthbearer.method=oidc uses (client id and secret in an HTTP Basic
// Authorization header, or as form fields).
type IdentityProvider struct {
	// TokenEndpoint is the client-credentials token endpoint, http://127.0.0.1:port/token.
	TokenEndpoint string
	// JWKSURL is where the signing key is published, http://127.0.0.1:port/jwks.
	JWKSURL string
	// Issuer and Audience are the iss and aud claims of every token, which the broker
	// StartOAuthBroker starts expects.
	Issuer, Audience string

	key, wrongKey *rsa.PrivateKey
	mu            sync.Mutex
	clients       map[string]OAuthClient

	requests atomic.Int64 // token requests answered with a token
	refused  atomic.Int64 // token requests refused
	jwks     atomic.Int64 // key set requests
}

// OAuthClient is a client the identity provider knows: its id and secret, how long its
// tokens last, and how they are spoiled for tests of refused tokens.
type OAuthClient struct {
	ID, Secret string
	// Lifetime of its tokens; 0 means an hour.
	Lifetime time.Duration
	// Expired: its tokens expired an hour before they were issued.
	Expired bool
	// Forged: its tokens are signed with a key the JWKS does not hold.
	Forged bool
}

// StartIdentityProvider starts the identity provider; it stops when the test ends.
func StartIdentityProvider(t testing.TB) *IdentityProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating the signing key: %v", err)
	}
	wrong, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating a second key: %v", err)
	}
	idp := &IdentityProvider{key: key, wrongKey: wrong, clients: map[string]OAuthClient{}, Audience: "kafka"}
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks", idp.serveJWKS)
	mux.HandleFunc("/token", idp.serveToken)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	idp.TokenEndpoint = srv.URL + "/token"
	idp.JWKSURL = srv.URL + "/jwks"
	idp.Issuer = srv.URL
	return idp
}

// AddClient registers a client for the client-credentials grant.
func (p *IdentityProvider) AddClient(c OAuthClient) {
	p.mu.Lock()
	p.clients[c.ID] = c
	p.mu.Unlock()
}

// TokensIssued is how many tokens the token endpoint has handed out; TokensRefused how
// many requests it refused (unknown client, wrong secret, another grant).
func (p *IdentityProvider) TokensIssued() int  { return int(p.requests.Load()) }
func (p *IdentityProvider) TokensRefused() int { return int(p.refused.Load()) }

// KeySetFetches is how many times the key set was asked for (by brokers validating
// tokens).
func (p *IdentityProvider) KeySetFetches() int { return int(p.jwks.Load()) }

// keyID names the signing key in tokens and in the key set.
const keyID = "rdstreams-test-key"

func (p *IdentityProvider) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	p.jwks.Add(1)
	pub := p.key.PublicKey
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": keyID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (p *IdentityProvider) serveToken(w http.ResponseWriter, r *http.Request) {
	refuse := func(status int, code string) {
		p.refused.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		body, _ := json.Marshal(map[string]string{"error": code})
		_, _ = w.Write(body) // no newline: librdkafka quotes the body in its error text
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		refuse(http.StatusBadRequest, "invalid_request")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		refuse(http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.mu.Lock()
	c, known := p.clients[id]
	p.mu.Unlock()
	if !known || c.Secret != secret {
		refuse(http.StatusUnauthorized, "invalid_client")
		return
	}
	lifetime := c.Lifetime
	if lifetime == 0 {
		lifetime = time.Hour
	}
	issued := time.Now()
	if c.Expired {
		issued = issued.Add(-time.Hour - lifetime)
	}
	key := p.key
	if c.Forged {
		key = p.wrongKey
	}
	token, err := p.sign(key, c.ID, issued, lifetime)
	if err != nil {
		refuse(http.StatusInternalServerError, "server_error")
		return
	}
	p.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": token, "token_type": "Bearer",
		"expires_in": int(time.Until(issued.Add(lifetime)).Seconds()),
	})
}

// Token is a token for subject, valid from now for lifetime, signed with the key the
// key set publishes: what an application's own token source (Python's oauth_cb) would
// return.
func (p *IdentityProvider) Token(t testing.TB, subject string, lifetime time.Duration) string {
	t.Helper()
	token, err := p.sign(p.key, subject, time.Now(), lifetime)
	if err != nil {
		t.Fatalf("signing a token: %v", err)
	}
	return token
}

// sign makes an RS256 JSON Web Token for subject with the provider's issuer and audience.
func (p *IdentityProvider) sign(key *rsa.PrivateKey, subject string, issued time.Time, lifetime time.Duration) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": keyID})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"iss": p.Issuer, "aud": p.Audience, "sub": subject, "scope": "kafka",
		"iat": issued.Unix(), "nbf": issued.Unix(), "exp": issued.Add(lifetime).Unix(),
	})
	if err != nil {
		return "", err
	}
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// OAuthBroker is a disposable broker with, besides the listeners of every Broker, an
// OAUTHBEARER listener (SASL_PLAINTEXT) whose tokens Kafka's own validator
// (OAuthBearerValidatorCallbackHandler) checks against an IdentityProvider's key set,
// issuer and audience.
type OAuthBroker struct {
	*Broker
	// OAuthBootstrap is the OAUTHBEARER listener, "127.0.0.1:port".
	OAuthBootstrap string
	// LogFile is the broker's log.
	LogFile string
}

// StartOAuthBroker starts a broker whose OAUTHBEARER listener trusts idp, and stops it
// when the test ends (before idp stops).
func StartOAuthBroker(t testing.TB, idp *IdentityProvider) *OAuthBroker {
	t.Helper()
	libs := Env(t, "KAFKA_LIBS")
	home := t.TempDir()
	ports := freePorts(t, 4)
	ob := &OAuthBroker{
		OAuthBootstrap: fmt.Sprintf("127.0.0.1:%d", ports[3]),
		LogFile:        home + "/broker.log",
		Broker: &Broker{
			Bootstrap:     fmt.Sprintf("127.0.0.1:%d", ports[0]),
			SASLBootstrap: fmt.Sprintf("127.0.0.1:%d", ports[1]),
			env: append(os.Environ(),
				"KAFKA_HOME="+home,
				"KAFKA_LIBS="+libs,
				"KAFKA_NODES=1",
				"KAFKA_PORT="+strconv.Itoa(ports[0]),
				"KAFKA_SASL_PORT="+strconv.Itoa(ports[1]),
				"KAFKA_CONTROLLER_PORT="+strconv.Itoa(ports[2]),
				"KAFKA_OAUTH_PORT="+strconv.Itoa(ports[3]),
				"KAFKA_OAUTH_JWKS_URL="+idp.JWKSURL,
				"KAFKA_OAUTH_ISSUER="+idp.Issuer,
				"KAFKA_OAUTH_AUDIENCE="+idp.Audience,
				"KAFKA_HEAP=512m",
			),
		},
	}
	ob.run(t, "up")
	t.Cleanup(func() { ob.run(t, "down") })
	return ob
}

// OIDCConfig is the client configuration for client c of idp over the OAUTHBEARER
// listener, with librdkafka fetching tokens itself (sasl.oauthbearer.method=oidc).
func (b *OAuthBroker) OIDCConfig(idp *IdentityProvider, c OAuthClient) map[string]any {
	return map[string]any{
		"bootstrap.servers":                   b.OAuthBootstrap,
		"security.protocol":                   "SASL_PLAINTEXT",
		"sasl.mechanisms":                     "OAUTHBEARER",
		"sasl.oauthbearer.method":             "oidc",
		"sasl.oauthbearer.client.id":          c.ID,
		"sasl.oauthbearer.client.secret":      c.Secret,
		"sasl.oauthbearer.token.endpoint.url": idp.TokenEndpoint,
	}
}
