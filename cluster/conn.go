package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// connGrace is how long a call that starts after a definitive connection failure
// (refused login, failed TLS handshake, wrong protocol for the port) waits for an
// answer before it fails with that failure. The engine keeps retrying in the
// background, so a failure fixed on the broker's side (a user created since) is
// picked up, while a call does not wait out its whole deadline for nothing.
const connGrace = time.Second

// connState follows the engine's connection failures for the calls in progress. A
// definitive failure (clientconf.ConnKind.Definitive) ends every call at once with that
// failure; any other failure with an address is what a call that times out names as
// the likely reason.
type connState struct {
	conn clientconf.Conn

	mu      sync.Mutex
	failing *clientconf.ConnError // the latest definitive failure since the last answer
	last    *clientconf.ConnError // the latest failure about a broker since the last answer
	sign    *clientconf.ConnError // a wrong-protocol sign in the log, waiting for its repeat
	calls   map[*call]struct{}
}

func newConnState(config map[string]any) *connState {
	return &connState{conn: clientconf.ConnOf(config), calls: map[*call]struct{}{}}
}

// event takes a client-wide error of the engine and returns it explained.
func (s *connState) event(e ckafka.Error) *clientconf.ConnError {
	f := explain(s.conn, e)
	if f.Addr == "" {
		return f // all brokers down and the like: no news about why
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sign = nil
	s.failed(f)
	return f
}

// logLine looks at one of the engine's log lines; when it is the second sign in a row
// of a wrong protocol for the port, that failure is returned (to be reported) and ends
// the calls in progress.
func (s *connState) logLine(facility, text string) *clientconf.ConnError {
	if facility != "FAIL" {
		return nil
	}
	f := s.conn.ExplainLog(text)
	if f == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sign == nil || s.sign.Addr != f.Addr || s.sign.Err.Str() != f.Err.Str() {
		s.sign = f
		return nil
	}
	s.sign = nil
	s.failed(f)
	return f
}

// failed records f. Called with s.mu held.
func (s *connState) failed(f *clientconf.ConnError) {
	s.last = f
	if !f.Kind.Definitive() {
		if s.failing != nil && s.failing.Addr == f.Addr && (f.Kind == clientconf.ConnRefused || f.Kind == clientconf.ConnResolve) {
			s.failing = nil // the broker went away: what it said before is old news
		}
		return
	}
	s.failing = f
	for k := range s.calls {
		k.cancel(f)
	}
}

// answered records that a call got its answer: the connection works.
func (s *connState) answered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing, s.last, s.sign = nil, nil, nil
}

// enter follows k until leave. A call that starts after a definitive failure gets
// connGrace to be answered before it fails with it.
func (s *connState) enter(k *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[k] = struct{}{}
	if s.failing != nil {
		k.grace = time.AfterFunc(connGrace, func() {
			s.mu.Lock()
			f := s.failing
			s.mu.Unlock()
			if f != nil {
				k.cancel(f)
			}
		})
	}
}

func (s *connState) leave(k *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.calls, k)
	if k.grace != nil {
		k.grace.Stop()
	}
}

// lastFailure is the latest failure about a broker since the last answer, or nil.
func (s *connState) lastFailure() *clientconf.ConnError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// cutShort is the connection failure that ended the call, or nil.
func (k *call) cutShort() *clientconf.ConnError {
	var f *clientconf.ConnError
	if k.ctx.Err() != nil && errors.As(context.Cause(k.ctx), &f) {
		return f
	}
	return nil
}

// timedOut explains a call that ran out of time with the latest connection failure,
// if any: "no answer within 15s: connect to host:9092: nothing is listening there
// (connection refused)", with code kafkaerror.TimedOut. err stays reachable with
// errors.Is and errors.As.
func (k *call) timedOut(err error) error {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(ckconv.Error(err), kafkaerror.TimedOut) {
		return nil
	}
	f := k.c.conn.lastFailure()
	if f == nil {
		return nil
	}
	took := time.Since(k.start).Round(100 * time.Millisecond)
	return &clientconf.ConnError{Kind: f.Kind, Addr: f.Addr, Cause: errors.Join(f.Err, err),
		Err: kafkaerror.New(kafkaerror.TimedOut, fmt.Sprintf("no answer within %s: %s", took, f.Err.Str()), kafkaerror.Flags{Retriable: true})}
}
