package schemaregistry_test

import (
	"crypto/tls"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/internal/testregistry"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
)

const userV1 = `{"$schema":"http://json-schema.org/draft-07/schema#","title":"User","type":"object",` +
	`"properties":{"name":{"type":"string"},"favorite_color":{"type":"string"}},"required":["name"]}`

const userV2Required = `{"$schema":"http://json-schema.org/draft-07/schema#","title":"User","type":"object",` +
	`"properties":{"name":{"type":"string"},"favorite_color":{"type":"string"}},"required":["name","favorite_color"]}`

// counting is an HTTP client that counts the requests it sends, on a transport closed
// with the test.
func counting(t *testing.T, n *atomic.Int64) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		n.Add(1)
		return tr.RoundTrip(r)
	})}
}

// newClient is a client closed when the test ends; the test fails if New does.
func newClient(t *testing.T, conf map[string]any, opts ...schemaregistry.Option) *schemaregistry.Client {
	t.Helper()
	c, err := schemaregistry.New(conf, opts...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRegisterLookupAndCache(t *testing.T) {
	ctx := testregistry.Context(t)
	var requests atomic.Int64
	c := newClient(t, map[string]any{"url": testregistry.URL(t)}, schemaregistry.WithHTTPClient(counting(t, &requests)))
	subject := testregistry.Subject("client")
	s := schemaregistry.Schema{Schema: userV1, SchemaType: schemaregistry.JSON}

	id, err := c.RegisterSchema(ctx, subject, s, false)
	require.NoError(t, err)
	assert.Positive(t, id)
	again, err := c.RegisterSchema(ctx, subject, s, false)
	require.NoError(t, err)
	assert.Equal(t, id, again)
	assert.EqualValues(t, 1, requests.Load(), "the second registration comes from the cache")

	got, err := c.GetSchema(ctx, id)
	require.NoError(t, err)
	assert.JSONEq(t, userV1, got.Schema)
	assert.Equal(t, schemaregistry.JSON, got.Type())
	assert.EqualValues(t, 1, requests.Load(), "the schema of an id this client registered is cached")

	found, err := c.LookupSchema(ctx, subject, s, false)
	require.NoError(t, err)
	assert.Equal(t, id, found.ID)
	assert.Equal(t, 1, found.Version)
	assert.Equal(t, subject, found.Subject)

	latest, err := c.GetLatestVersion(ctx, subject)
	require.NoError(t, err)
	assert.Equal(t, id, latest.ID)
	versions, err := c.GetVersions(ctx, subject)
	require.NoError(t, err)
	assert.Equal(t, []int{1}, versions)
	subjects, err := c.GetSubjects(ctx)
	require.NoError(t, err)
	assert.Contains(t, subjects, subject)

	fresh := testregistry.Client(t)
	byID, err := fresh.GetSchema(ctx, id)
	require.NoError(t, err)
	assert.JSONEq(t, userV1, byID.Schema)
}

// The seed's scenario: under BACKWARD, a new required field is refused with 409.
func TestIncompatibleSchemaIs409(t *testing.T) {
	ctx := testregistry.Context(t)
	c := testregistry.Client(t)
	subject := testregistry.Subject("user_json") + "-value"
	require.NoError(t, c.SetCompatibility(ctx, subject, schemaregistry.Backward))
	level, err := c.GetCompatibility(ctx, subject)
	require.NoError(t, err)
	assert.Equal(t, schemaregistry.Backward, level)

	_, err = c.RegisterSchema(ctx, subject, schemaregistry.Schema{Schema: userV1, SchemaType: schemaregistry.JSON}, false)
	require.NoError(t, err)
	v2 := schemaregistry.Schema{Schema: userV2Required, SchemaType: schemaregistry.JSON}
	ok, err := c.TestCompatibility(ctx, subject, v2, schemaregistry.Latest)
	require.NoError(t, err)
	assert.False(t, ok, "a new required field breaks BACKWARD")

	_, err = c.RegisterSchema(ctx, subject, v2, false)
	var srErr *schemaregistry.Error
	require.ErrorAs(t, err, &srErr)
	assert.Equal(t, 409, srErr.HTTPStatus)
	assert.Equal(t, 409, srErr.Code)
	assert.Contains(t, err.Error(), subject)
	assert.Contains(t, err.Error(), "(HTTP status code 409, SR code 409)")
}

func TestNotFound(t *testing.T) {
	ctx := testregistry.Context(t)
	c := testregistry.Client(t)
	subject := testregistry.Subject("missing")
	_, err := c.GetLatestVersion(ctx, subject)
	assert.True(t, schemaregistry.IsNotFound(err), "%v", err)
	assert.Contains(t, err.Error(), subject)
	assert.Contains(t, err.Error(), "HTTP status code 404")

	_, err = c.GetSchema(ctx, 987654321)
	assert.True(t, schemaregistry.IsNotFound(err), "%v", err)
	assert.Contains(t, err.Error(), "987654321")
}

func TestDeleteSubject(t *testing.T) {
	ctx := testregistry.Context(t)
	c := testregistry.Client(t)
	subject := testregistry.Subject("deleted")
	_, err := c.RegisterSchema(ctx, subject, schemaregistry.Schema{Schema: userV1, SchemaType: schemaregistry.JSON}, false)
	require.NoError(t, err)
	versions, err := c.DeleteSubject(ctx, subject, false)
	require.NoError(t, err)
	assert.Equal(t, []int{1}, versions)
	_, err = c.GetLatestVersion(ctx, subject)
	assert.True(t, schemaregistry.IsNotFound(err), "%v", err)
}

func TestUnreachableRegistry(t *testing.T) {
	c := newClient(t, map[string]any{"url": "http://" + testkafka.ClosedPort(t)})
	_, err := c.GetSubjects(testregistry.Context(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, conf := range map[string]map[string]any{
		"no url":        {},
		"unknown":       {"url": "http://x", "schema.registry.url": "http://x"},
		"bad user info": {"url": "http://x", "basic.auth.user.info": "nocolon"},
		"both auths":    {"url": "http://x", "basic.auth.user.info": "a:b", "bearer.auth.token": "t"},
		"bad timeout":   {"url": "http://x", "timeout": "soon"},
	} {
		_, err := schemaregistry.New(conf)
		assert.ErrorIs(t, err, kafkaerror.InvalidArg, name)
	}
	_, err := schemaregistry.New(map[string]any{"url": "http://x", "schema.registry.url": "y"})
	assert.ErrorContains(t, err, `"schema.registry.url"`)
}

// proxy forwards to the test registry after check accepts the request; a refused
// request gets 401.
func proxy(t *testing.T, check func(*http.Request) bool) http.Handler {
	target, err := url.Parse(testregistry.URL(t))
	require.NoError(t, err)
	// A transport of the proxy's own, closed with the test, so that no idle connection
	// outlives it.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	rp := &httputil.ReverseProxy{Transport: tr, Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(&url.URL{Scheme: target.Scheme, Host: target.Host})
		r.Out.URL.Path = target.Path + r.In.URL.Path
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !check(r) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_code":40101,"message":"Unauthorized"}`))
			return
		}
		rp.ServeHTTP(w, r)
	})
}

func TestBasicAuthAndBearerToken(t *testing.T) {
	ctx := testregistry.Context(t)
	basic := httptest.NewServer(proxy(t, func(r *http.Request) bool {
		u, p, ok := r.BasicAuth()
		return ok && u == "alice" && p == "s3cret"
	}))
	defer basic.Close()
	bearer := httptest.NewServer(proxy(t, func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer tok-123"
	}))
	defer bearer.Close()

	for name, conf := range map[string]map[string]any{
		"basic":  {"url": basic.URL, "basic.auth.user.info": "alice:s3cret"},
		"bearer": {"url": bearer.URL, "bearer.auth.token": "tok-123", "bearer.auth.credentials.source": "STATIC_TOKEN"},
	} {
		_, err := newClient(t, conf).GetSubjects(ctx)
		assert.NoError(t, err, name)
	}
	// basic.auth.credentials.source=URL: the credentials in the URL, never in a message.
	u, err := url.Parse(basic.URL)
	require.NoError(t, err)
	u.User = url.UserPassword("alice", "s3cret")
	fromURL := newClient(t, map[string]any{"url": u.String(), "basic.auth.credentials.source": "URL"})
	_, err = fromURL.GetSubjects(ctx)
	assert.NoError(t, err)
	assert.NotContains(t, fromURL.URLs()[0], "s3cret")

	c := newClient(t, map[string]any{"url": basic.URL, "basic.auth.user.info": "alice:wrong"})
	_, err = c.GetSubjects(ctx)
	var srErr *schemaregistry.Error
	require.ErrorAs(t, err, &srErr)
	assert.Equal(t, 401, srErr.HTTPStatus)
	assert.Equal(t, 40101, srErr.Code)
	assert.EqualError(t, err, "Unauthorized (HTTP status code 401, SR code 40101)")
}

func TestTLS(t *testing.T) {
	ctx := testregistry.Context(t)
	srv := httptest.NewTLSServer(proxy(t, func(*http.Request) bool { return true }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	c := newClient(t, map[string]any{"url": srv.URL, "ssl.ca.location": ca})
	_, err := c.GetSubjects(ctx)
	assert.NoError(t, err, "trusted through ssl.ca.location")

	untrusting := newClient(t, map[string]any{"url": srv.URL})
	_, err = untrusting.GetSubjects(ctx)
	assert.ErrorContains(t, err, "certificate")

	viaOption := newClient(t, map[string]any{"url": srv.URL},
		schemaregistry.WithTLSConfig(&tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}))
	_, err = viaOption.GetSubjects(ctx)
	assert.NoError(t, err, "trusted through WithTLSConfig")
}

// Several URLs are tried in turn: a dead first one does not fail the call.
func TestSecondURL(t *testing.T) {
	c := newClient(t, map[string]any{"url": "http://" + testkafka.ClosedPort(t) + "," + testregistry.URL(t)})
	_, err := c.GetSubjects(testregistry.Context(t))
	assert.NoError(t, err)
	assert.Len(t, c.URLs(), 2)
}
