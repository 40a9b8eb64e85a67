package lifecycle

import (
	"context"
	"fmt"

	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/metadata"
)

// MetadataFunc is an engine's metadata call: every topic when topic is "".
type MetadataFunc func(ctx context.Context, topic string) (*metadata.Cluster, error)

// ListTopics runs a client's ListTopics (Python's list_topics) through g: fetch is
// called while the client is open, its wait is cut short when Close begins, and its
// error names the call and the topic. fetch nil means the client's engine has no
// metadata (a test's fake).
func (g *Gate) ListTopics(ctx context.Context, fetch MetadataFunc, topic string) (*metadata.Cluster, error) {
	if !g.Enter() {
		return nil, kafkaerror.ErrClosed
	}
	defer g.Exit()
	if fetch == nil {
		return nil, kafkaerror.Newf(kafkaerror.NotImplemented, "ListTopics: this client's engine has no metadata")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	closing := g.Closing()
	go func() { // Close cuts the wait short
		select {
		case <-closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	md, err := fetch(ctx, topic)
	if err == nil {
		return md, nil
	}
	if g.Closed() {
		return nil, kafkaerror.ErrClosed
	}
	what := "ListTopics"
	if topic != "" {
		what = fmt.Sprintf("ListTopics of topic %q", topic)
	}
	return nil, errtext.Prefixed(err, "%s", what)
}
