package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
)

// errInterrupted is a command cut short by Ctrl-C or SIGTERM.
var errInterrupted = errors.New("interrupted")

// clusterInfo asks the cluster, within --timeout, about u's topics (each must exist)
// and, with all, about the whole cluster. It is the check every command makes before
// it starts, so that a broker that does not answer or a topic that does not exist is
// one clear error instead of a wait without end.
func (e *env) clusterInfo(u *stream.URL, all bool) (*cluster.Metadata, []*cluster.Topic, error) {
	config, err := e.kafkaConfig(u)
	if err != nil {
		return nil, nil, err
	}
	cl, err := cluster.New(config, cluster.WithLogger(e.logger))
	if err != nil {
		return nil, nil, configError(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(e.ctx, e.g.timeout)
	defer cancel()
	var md *cluster.Metadata
	if all {
		if md, err = cl.Metadata(ctx); err != nil {
			return nil, nil, e.brokerError(ctx, u, "", err)
		}
	}
	topics := make([]*cluster.Topic, 0, len(u.Topics))
	for _, name := range u.Topics {
		t, err := cl.TopicMetadata(ctx, name)
		if err != nil {
			return nil, nil, e.brokerError(ctx, u, name, err)
		}
		topics = append(topics, t)
	}
	return md, topics, nil
}

// brokerError explains why asking the cluster failed. A connection that cannot work
// as configured (credentials refused, TLS handshake failed, wrong security protocol
// for the port) is said at once, in the cluster client's words; a broker that did not
// answer within --timeout is named, with what was last seen of it.
func (e *env) brokerError(ctx context.Context, u *stream.URL, topic string, err error) error {
	var conn *clientconf.ConnError
	isConn := errors.As(err, &conn)
	switch {
	case e.ctx.Err() != nil:
		return errInterrupted
	case isConn && conn.Kind.Definitive():
		return conn
	case isConn && conn.Kind == clientconf.ConnRefused:
		return fmt.Errorf("nothing is listening at %s (connection refused, tried for %s; is the broker running? --timeout waits longer)",
			conn.Addr, e.g.timeout)
	case isConn && errors.Is(err, kafkaerror.TimedOut):
		// "no answer within 15s: connect to host:port: what was last seen"
		return fmt.Errorf("%s (is the broker running and reachable? --timeout waits longer)", conn)
	case ctx.Err() != nil || errors.Is(err, kafkaerror.TimedOut) || errors.Is(err, kafkaerror.Transport) ||
		errors.Is(err, kafkaerror.AllBrokersDown) || errors.Is(err, kafkaerror.Resolve):
		return fmt.Errorf("no answer from %s within %s (is the broker running and reachable? --timeout waits longer)",
			u.Bootstrap(), e.g.timeout)
	case topic != "" && errors.Is(err, kafkaerror.UnknownTopicOrPart):
		return fmt.Errorf("topic %q does not exist on %s", topic, u.Bootstrap())
	}
	return err
}

// configError marks an error about a librdkafka property (from -X) as a usage error.
func configError(err error) error {
	var kerr *kafkaerror.Error
	if errors.As(err, &kerr) && (kerr.Code() == kafkaerror.InvalidArg || strings.Contains(err.Error(), "property")) {
		return usagef("%s (check the -X properties)", tidy(err.Error()))
	}
	return err
}
