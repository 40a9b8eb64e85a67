package schemaregistry

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// Client talks to one schema registry (tried at each of its URLs in turn). It is safe
// for concurrent use; its caches are shared by every serializer that uses it.
type Client struct {
	urls        []string
	http        *http.Client
	user, pass  string
	bearer      string
	capacity    int
	latestTTL   time.Duration
	mu          sync.Mutex
	byID        map[int]Schema
	ids         map[string]RegisteredSchema // subject, normalize and schema → registered
	latest      map[string]latestEntry
	versionsHit map[string]RegisteredSchema // subject/version → schema
}

type latestEntry struct {
	rs   RegisteredSchema
	when time.Time
}

// Option adjusts a Client beyond its configuration map.
type Option func(*options)

type options struct {
	httpClient *http.Client
	tls        *tls.Config
}

// WithHTTPClient makes the Client send its requests through c (its transport, proxy
// and timeout); ssl.* settings and WithTLSConfig are then ignored.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithTLSConfig sets the TLS configuration for https URLs, instead of the ssl.*
// settings.
func WithTLSConfig(c *tls.Config) Option { return func(o *options) { o.tls = c } }

// DefaultTimeout bounds each request when the configuration sets no timeout and the
// context has no earlier deadline.
const DefaultTimeout = 30 * time.Second

// New makes a Client from Python's SchemaRegistryClient configuration (see the package
// documentation for the names). url is required; an unknown name or a bad value is an
// _INVALID_ARG error naming it.
func New(conf map[string]any, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &Client{
		capacity:    1000,
		byID:        map[int]Schema{},
		ids:         map[string]RegisteredSchema{},
		latest:      map[string]latestEntry{},
		versionsHit: map[string]RegisteredSchema{},
	}
	timeout := DefaultTimeout
	var caFile, certFile, keyFile string
	for k, v := range conf {
		s := fmt.Sprint(v)
		var err error
		switch k {
		case "url":
			for _, u := range strings.Split(s, ",") {
				if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
					if _, perr := url.ParseRequestURI(u); perr != nil {
						return nil, invalid(k, s, "not a URL")
					}
					c.urls = append(c.urls, u)
				}
			}
		case "basic.auth.user.info":
			var ok bool
			if c.user, c.pass, ok = strings.Cut(s, ":"); !ok {
				return nil, invalid(k, "…", `want "user:password"`)
			}
		case "basic.auth.credentials.source":
			if s != "USER_INFO" && s != "URL" {
				return nil, invalid(k, s, "want USER_INFO or URL")
			}
		case "bearer.auth.token":
			c.bearer = s
		case "bearer.auth.credentials.source":
			if s != "STATIC_TOKEN" {
				return nil, invalid(k, s, "only STATIC_TOKEN is supported")
			}
		case "ssl.ca.location":
			caFile = s
		case "ssl.certificate.location":
			certFile = s
		case "ssl.key.location":
			keyFile = s
		case "timeout":
			var secs float64
			if secs, err = strconv.ParseFloat(s, 64); err != nil || secs <= 0 {
				return nil, invalid(k, s, "want a positive number of seconds")
			}
			timeout = time.Duration(secs * float64(time.Second))
		case "cache.capacity":
			if c.capacity, err = strconv.Atoi(s); err != nil || c.capacity <= 0 {
				return nil, invalid(k, s, "want a positive integer")
			}
		case "cache.latest.ttl.sec":
			var secs int
			if secs, err = strconv.Atoi(s); err != nil || secs < 0 {
				return nil, invalid(k, s, "want a number of seconds")
			}
			c.latestTTL = time.Duration(secs) * time.Second
		default:
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "schemaregistry.New: unknown configuration property %q", k)
		}
	}
	if len(c.urls) == 0 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "schemaregistry.New: url is required")
	}
	for i, u := range c.urls {
		if pu, _ := url.Parse(u); pu.User != nil {
			// basic.auth.credentials.source=URL: the user and password come from the URL,
			// which is kept without them so that no error text shows them.
			c.user = pu.User.Username()
			c.pass, _ = pu.User.Password()
			pu.User = nil
			c.urls[i] = pu.String()
		}
	}
	if c.bearer != "" && c.user != "" {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "schemaregistry.New: basic.auth.user.info and bearer.auth.token are exclusive")
	}
	c.http = o.httpClient
	if c.http == nil {
		tlsConf := o.tls
		if tlsConf == nil && (caFile != "" || certFile != "") {
			var err error
			if tlsConf, err = loadTLS(caFile, certFile, keyFile); err != nil {
				return nil, err
			}
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tlsConf
		c.http = &http.Client{Transport: tr, Timeout: timeout}
	}
	return c, nil
}

func invalid(key, value, why string) error {
	return kafkaerror.Newf(kafkaerror.InvalidArg, "schemaregistry.New: %s=%q: %s", key, value, why)
}

func loadTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "schemaregistry.New: ssl.ca.location: %v", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "schemaregistry.New: ssl.ca.location %s holds no PEM certificate", caFile)
		}
	}
	if certFile != "" {
		if keyFile == "" {
			keyFile = certFile
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "schemaregistry.New: ssl.certificate.location / ssl.key.location: %v", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}

// Close releases the client's idle connections (Python's client closes its session
// likewise). A closed client can still be used: it opens connections again.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// URLs are the registry URLs the client tries, in order.
func (c *Client) URLs() []string { return append([]string(nil), c.urls...) }

// do sends one request to the first URL that can be reached and decodes a 2xx JSON
// answer into out; a refusal is an *Error, a transport failure the last URL's error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	var lastErr error
	for _, base := range c.urls {
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json, application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		}
		switch {
		case c.bearer != "":
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		case c.user != "":
			req.SetBasicAuth(c.user, c.pass)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%s %s: reading the answer: %w", method, base+path, err)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return responseError(resp.StatusCode, data)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: unexpected answer %.200q: %w", method, base+path, data, err)
		}
		return nil
	}
	return lastErr
}

func subjectPath(subject string) string { return "/subjects/" + url.PathEscape(subject) }

func normalizeQuery(normalize bool) url.Values {
	if !normalize {
		return nil
	}
	return url.Values{"normalize": {"true"}}
}

// cacheKey identifies a schema under a subject for the id cache.
func cacheKey(subject string, s Schema, normalize bool) string {
	b, _ := json.Marshal(s)
	return subject + "\x00" + strconv.FormatBool(normalize) + "\x00" + string(b)
}

// remember stores v in m, emptying m first when it is at the cache capacity.
func remember[K comparable, V any](c *Client, m map[K]V, k K, v V) {
	if len(m) >= c.capacity {
		clear(m)
	}
	m[k] = v
}

// RegisterSchema registers s under subject (a new version unless it is there already)
// and returns its id; normalize asks the registry to normalize it first. Ids are
// cached: registering the same schema again asks the registry nothing.
func (c *Client) RegisterSchema(ctx context.Context, subject string, s Schema, normalize bool) (int, error) {
	key := cacheKey(subject, s, normalize)
	c.mu.Lock()
	rs, ok := c.ids[key]
	c.mu.Unlock()
	if ok {
		return rs.ID, nil
	}
	var out struct {
		ID int `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, subjectPath(subject)+"/versions", normalizeQuery(normalize), s, &out); err != nil {
		return 0, err
	}
	c.mu.Lock()
	remember(c, c.ids, key, RegisteredSchema{ID: out.ID, Subject: subject, Schema: s})
	remember(c, c.byID, out.ID, s)
	c.mu.Unlock()
	return out.ID, nil
}

// LookupSchema finds s among subject's versions and returns it with its id and
// version; a schema not registered there is a 404 *Error.
func (c *Client) LookupSchema(ctx context.Context, subject string, s Schema, normalize bool) (RegisteredSchema, error) {
	key := cacheKey(subject, s, normalize)
	c.mu.Lock()
	rs, ok := c.ids[key]
	c.mu.Unlock()
	if ok && rs.Version != 0 {
		return rs, nil
	}
	if err := c.do(ctx, http.MethodPost, subjectPath(subject), normalizeQuery(normalize), s, &rs); err != nil {
		return RegisteredSchema{}, err
	}
	c.mu.Lock()
	remember(c, c.ids, key, rs)
	remember(c, c.byID, rs.ID, rs.Schema)
	c.mu.Unlock()
	return rs, nil
}

// GetSchema is the schema with the given global id, cached after the first request.
func (c *Client) GetSchema(ctx context.Context, id int) (Schema, error) {
	c.mu.Lock()
	s, ok := c.byID[id]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	if err := c.do(ctx, http.MethodGet, "/schemas/ids/"+strconv.Itoa(id), nil, nil, &s); err != nil {
		return Schema{}, err
	}
	c.mu.Lock()
	remember(c, c.byID, id, s)
	c.mu.Unlock()
	return s, nil
}

// GetLatestVersion is subject's latest version. As in Python it is cached: for
// cache.latest.ttl.sec when that is set, else until the subject is deleted through this
// client.
func (c *Client) GetLatestVersion(ctx context.Context, subject string) (RegisteredSchema, error) {
	c.mu.Lock()
	e, ok := c.latest[subject]
	c.mu.Unlock()
	if ok && (c.latestTTL == 0 || time.Since(e.when) < c.latestTTL) {
		return e.rs, nil
	}
	rs, err := c.GetVersion(ctx, subject, Latest)
	if err != nil {
		return rs, err
	}
	c.mu.Lock()
	remember(c, c.latest, subject, latestEntry{rs: rs, when: time.Now()})
	c.mu.Unlock()
	return rs, nil
}

// GetVersion is one version of subject (Latest for the newest); numbered versions are
// cached.
func (c *Client) GetVersion(ctx context.Context, subject string, version int) (RegisteredSchema, error) {
	key := subject + "\x00" + strconv.Itoa(version)
	if version != Latest {
		c.mu.Lock()
		rs, ok := c.versionsHit[key]
		c.mu.Unlock()
		if ok {
			return rs, nil
		}
	}
	var rs RegisteredSchema
	if err := c.do(ctx, http.MethodGet, subjectPath(subject)+"/versions/"+versionPath(version), nil, nil, &rs); err != nil {
		return RegisteredSchema{}, err
	}
	c.mu.Lock()
	if version != Latest {
		remember(c, c.versionsHit, key, rs)
	}
	remember(c, c.byID, rs.ID, rs.Schema)
	c.mu.Unlock()
	return rs, nil
}

// GetSubjects lists the registry's subjects.
func (c *Client) GetSubjects(ctx context.Context) ([]string, error) {
	var out []string
	err := c.do(ctx, http.MethodGet, "/subjects", nil, nil, &out)
	return out, err
}

// GetVersions lists subject's version numbers.
func (c *Client) GetVersions(ctx context.Context, subject string) ([]int, error) {
	var out []int
	err := c.do(ctx, http.MethodGet, subjectPath(subject)+"/versions", nil, nil, &out)
	return out, err
}

// DeleteSubject deletes subject and returns the versions it had; permanent deletes it
// for good (it must have been deleted softly first, as the registry requires).
func (c *Client) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	var out []int
	var q url.Values
	if permanent {
		q = url.Values{"permanent": {"true"}}
	}
	err := c.do(ctx, http.MethodDelete, subjectPath(subject), q, nil, &out)
	c.forget(subject)
	return out, err
}

// DeleteVersion deletes one version of subject and returns its number.
func (c *Client) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) (int, error) {
	var out int
	var q url.Values
	if permanent {
		q = url.Values{"permanent": {"true"}}
	}
	err := c.do(ctx, http.MethodDelete, subjectPath(subject)+"/versions/"+versionPath(version), q, nil, &out)
	c.forget(subject)
	return out, err
}

// forget drops what the caches hold about subject (ids stay: they never change).
func (c *Client) forget(subject string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.ids {
		if strings.HasPrefix(k, subject+"\x00") {
			delete(c.ids, k)
		}
	}
	for k := range c.versionsHit {
		if strings.HasPrefix(k, subject+"\x00") {
			delete(c.versionsHit, k)
		}
	}
	delete(c.latest, subject)
}

// TestCompatibility reports whether s could be registered as a new version of subject
// under its compatibility level, checked against version (Latest for the newest).
func (c *Client) TestCompatibility(ctx context.Context, subject string, s Schema, version int) (bool, error) {
	var out struct {
		IsCompatible bool `json:"is_compatible"`
	}
	err := c.do(ctx, http.MethodPost, "/compatibility"+subjectPath(subject)+"/versions/"+versionPath(version), nil, s, &out)
	return out.IsCompatible, err
}

func configPath(subject string) string {
	if subject == "" {
		return "/config"
	}
	return "/config/" + url.PathEscape(subject)
}

// GetConfig is subject's configuration, or the registry's when subject is "".
func (c *Client) GetConfig(ctx context.Context, subject string) (Config, error) {
	var b configBody
	if err := c.do(ctx, http.MethodGet, configPath(subject), nil, nil, &b); err != nil {
		return Config{}, err
	}
	level := b.CompatibilityLevel
	if level == "" {
		level = b.Compatibility
	}
	return Config{Compatibility: level, Normalize: b.Normalize}, nil
}

// SetConfig sets subject's configuration, or the registry's when subject is "".
func (c *Client) SetConfig(ctx context.Context, subject string, conf Config) error {
	return c.do(ctx, http.MethodPut, configPath(subject), nil,
		configBody{Compatibility: conf.Compatibility, Normalize: conf.Normalize}, nil)
}

// GetCompatibility is subject's compatibility level, or the registry's when subject
// is "".
func (c *Client) GetCompatibility(ctx context.Context, subject string) (Compatibility, error) {
	conf, err := c.GetConfig(ctx, subject)
	return conf.Compatibility, err
}

// SetCompatibility sets subject's compatibility level, or the registry's when subject
// is "".
func (c *Client) SetCompatibility(ctx context.Context, subject string, level Compatibility) error {
	return c.SetConfig(ctx, subject, Config{Compatibility: level})
}

// IsNotFound reports whether err is the registry's 404: an unknown subject, version,
// schema or id.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.HTTPStatus == http.StatusNotFound
}
