package cluster_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// unreachable is a broker address nothing listens on.
const unreachable = "127.0.0.1:1"

// testWait bounds every call and every "poll until" loop of these tests.
const testWait = 60 * time.Second

// newClient creates a client of the test broker, closed when the test ends.
func newClient(t *testing.T, extra map[string]any, opts ...cluster.Option) *cluster.Client {
	t.Helper()
	cfg := map[string]any{"bootstrap.servers": testkafka.Bootstrap(t), "log_level": 3}
	for k, v := range extra {
		cfg[k] = v
	}
	c, err := cluster.New(cfg, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	t.Cleanup(cancel)
	return ctx
}

// requireCode asserts err is a *kafkaerror.Error with the given code.
func requireCode(t *testing.T, err error, code kafkaerror.Code) *kafkaerror.Error {
	t.Helper()
	require.Error(t, err)
	assert.True(t, errors.Is(err, code), "want %s, got %v", code.Name(), err)
	var kerr *kafkaerror.Error
	require.True(t, errors.As(err, &kerr), "want a *kafkaerror.Error, got %T", err)
	return kerr
}

// The metadata lists the single broker (id 1, at the bootstrap address) and a fresh
// topic with its partitions, each led by broker 1 and replicated on it alone.
func TestMetadataListsBrokerAndTopic(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	c := newClient(t, nil)
	md, err := c.Metadata(testCtx(t))
	require.NoError(t, err)

	host, portStr, err := net.SplitHostPort(testkafka.Bootstrap(t))
	require.NoError(t, err)
	port, err := strconv.Atoi(portStr)
	require.NoError(t, err)
	assert.Equal(t, []cluster.Broker{{ID: 1, Host: host, Port: port}}, md.Brokers)
	require.NotNil(t, md.Broker(1))
	assert.Equal(t, testkafka.Bootstrap(t), md.Broker(1).Addr())
	assert.Nil(t, md.Broker(2))
	assert.NotEmpty(t, md.ClusterID)
	assert.EqualValues(t, 1, md.ControllerID)

	tm := md.Topic(topic)
	require.NotNil(t, tm, "topic %s in the metadata", topic)
	assert.Equal(t, topic, tm.Name)
	assert.False(t, tm.Internal)
	assert.Equal(t, []cluster.Partition{
		{ID: 0, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}},
		{ID: 1, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}},
		{ID: 2, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}},
	}, tm.Partitions)
	assert.Nil(t, md.Topic(topic+"-missing"))

	assert.True(t, isSortedBy(md.Topics, func(a, b cluster.Topic) bool { return a.Name < b.Name }), "topics sorted by name")
	for _, tp := range md.Topics {
		switch {
		case tp.Name == "__consumer_offsets": // there once any group has committed
			assert.True(t, tp.Internal, tp.Name)
		case !strings.HasPrefix(tp.Name, "__"):
			assert.False(t, tp.Internal, tp.Name)
		}
	}
}

func isSortedBy[T any](s []T, less func(a, b T) bool) bool {
	for i := 1; i < len(s); i++ {
		if !less(s[i-1], s[i]) {
			return false
		}
	}
	return true
}

// TopicMetadata describes one topic; a missing one is UNKNOWN_TOPIC_OR_PART, and asking
// does not create it (the test broker auto-creates topics on metadata requests).
func TestTopicMetadata(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	c := newClient(t, nil)
	ctx := testCtx(t)
	tm, err := c.TopicMetadata(ctx, topic)
	require.NoError(t, err)
	assert.Equal(t, &cluster.Topic{Name: topic, Partitions: []cluster.Partition{
		{ID: 0, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}},
		{ID: 1, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}},
	}}, tm)

	missing := testkafka.UniqueName("cluster-missing")
	_, err = c.TopicMetadata(ctx, missing)
	kerr := requireCode(t, err, kafkaerror.UnknownTopicOrPart)
	assert.Contains(t, kerr.Str(), missing, "the error names the topic")
	_, err = c.TopicMetadata(ctx, missing)
	requireCode(t, err, kafkaerror.UnknownTopicOrPart) // still missing: not auto-created

	_, err = c.TopicMetadata(ctx, "")
	requireCode(t, err, kafkaerror.InvalidArg)
}

// An unknown property is refused at New, by name; so are the engine's own go.* ones.
func TestNewRefusesBadConfig(t *testing.T) {
	_, err := cluster.New(map[string]any{"bootstrap.servers": unreachable, "no.such.property": 1})
	kerr := requireCode(t, err, kafkaerror.InvalidArg)
	assert.Contains(t, kerr.Str(), "no.such.property")

	_, err = cluster.New(map[string]any{"bootstrap.servers": unreachable, "go.logs.channel.enable": true})
	kerr = requireCode(t, err, kafkaerror.InvalidArg)
	assert.Contains(t, kerr.Str(), "go.logs.channel.enable")

	_, err = cluster.New(map[string]any{"bootstrap.servers": unreachable, "socket.timeout.ms": "soon"})
	kerr = requireCode(t, err, kafkaerror.InvalidArg)
	assert.Contains(t, kerr.Str(), "socket.timeout.ms")
}

// Close is idempotent and every call afterwards returns ErrClosed.
func TestCallsAfterCloseReturnErrClosed(t *testing.T) {
	c, err := cluster.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	ctx := testCtx(t)
	_, err = c.PublishBatch(ctx, testkafka.Topic(t, 1, nil), 0, [][]byte{[]byte("x")}) // makes the producer too
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())

	closed := func(name string, err error) {
		assert.ErrorIs(t, err, kafkaerror.ErrClosed, name)
	}
	_, err = c.Metadata(ctx)
	closed("Metadata", err)
	_, err = c.TopicMetadata(ctx, "t")
	closed("TopicMetadata", err)
	closed("CreateTopics", c.CreateTopics(ctx, cluster.TopicSpec{Name: "t", Partitions: 1}))
	closed("DeleteTopics", c.DeleteTopics(ctx, "t"))
	_, err = c.TopicConfig(ctx, "t")
	closed("TopicConfig", err)
	_, err = c.ConsumerGroups(ctx)
	closed("ConsumerGroups", err)
	_, err = c.GroupLag(ctx, "g")
	closed("GroupLag", err)
	_, err = c.PublishBatch(ctx, "t", 0, [][]byte{[]byte("x")})
	closed("PublishBatch", err)
	_, err = c.DeleteGroupOffsets(ctx, "g", topicpartition.Of("t", 0))
	closed("DeleteGroupOffsets", err)
	_, err = c.ElectLeaders(ctx, cluster.ElectPreferred)
	closed("ElectLeaders", err)
}

// Close cuts a call waiting on an unreachable broker short: it returns ErrClosed.
func TestCloseCutsCallsShort(t *testing.T) {
	c, err := newUnreachable(t)
	require.NoError(t, err)
	var wg sync.WaitGroup
	calls := []func(ctx context.Context) error{
		func(ctx context.Context) error { _, err := c.Metadata(ctx); return err },
		func(ctx context.Context) error { _, err := c.ConsumerGroups(ctx); return err },
		func(ctx context.Context) error {
			return c.CreateTopics(ctx, cluster.TopicSpec{Name: "never", Partitions: 1})
		},
		func(ctx context.Context) error { // on rdstreams' own engine
			_, err := c.DeleteGroupOffsets(ctx, "g", topicpartition.Of("t", 0))
			return err
		},
	}
	errs := make([]error, len(calls))
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call(context.Background()) // bounded by DefaultTimeout, 60 s
		}()
	}
	deadline := time.Now().Add(testWait)
	for cluster.InFlight(c) < len(calls) && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	require.Equal(t, len(calls), cluster.InFlight(c), "all calls waiting on the broker")
	start := time.Now()
	require.NoError(t, c.Close())
	wg.Wait()
	assert.Less(t, time.Since(start), 10*time.Second, "Close did not wait for the calls' own bounds")
	for i, err := range errs {
		assert.ErrorIs(t, err, kafkaerror.ErrClosed, "call %d", i)
	}
}

// A call bounded by its context returns when the context ends, even with no broker.
func TestCallsEndWithTheirContext(t *testing.T) {
	c, err := newUnreachable(t)
	require.NoError(t, err)
	for name, call := range map[string]func(ctx context.Context) error{
		"Metadata":      func(ctx context.Context) error { _, err := c.Metadata(ctx); return err },
		"TopicMetadata": func(ctx context.Context) error { _, err := c.TopicMetadata(ctx, "t"); return err },
		"GroupLag":      func(ctx context.Context) error { _, err := c.GroupLag(ctx, "g"); return err },
		"DeleteGroupOffsets": func(ctx context.Context) error {
			_, err := c.DeleteGroupOffsets(ctx, "g", topicpartition.Of("t", 0))
			return err
		},
		"ElectLeaders": func(ctx context.Context) error { _, err := c.ElectLeaders(ctx, cluster.ElectPreferred); return err },
		"PublishBatch": func(ctx context.Context) error {
			_, err := c.PublishBatch(ctx, "t", 0, [][]byte{[]byte("x")})
			return err
		},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		assert.Error(t, err, name)
		assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, kafkaerror.TimedOut),
			"%s: %v", name, err)
		assert.Less(t, time.Since(start), 5*time.Second, name)
	}
}

// librdkafka's log lines and client-wide errors reach the logger given at New.
func TestLogsAndErrorsReachTheLogger(t *testing.T) {
	h := &recorder{}
	c, err := cluster.New(map[string]any{"bootstrap.servers": unreachable}, cluster.WithLogger(slog.New(h)))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.Metadata(ctx)
	require.Error(t, err)
	require.NoError(t, c.Close()) // forwards what is left
	assert.True(t, h.has(func(r slog.Record) bool { return attr(r, "source") == "librdkafka" }),
		"a librdkafka log line, e.g. the refused connection")
	assert.True(t, h.has(func(r slog.Record) bool { return r.Message == "rdstreams: cluster error" }),
		"a client-wide error, e.g. all brokers down")
}

type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *recorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recorder) WithGroup(string) slog.Handler      { return h }

func (h *recorder) has(match func(slog.Record) bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.records {
		if match(r) {
			return true
		}
	}
	return false
}

func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}
