package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// commitLedger knows which printed messages the group has not been seen to commit:
// per partition, the offsets printed, less those below an offset a commit confirmed.
// subscribe feeds it what it prints and every commit result (stream.WithCommitCallback).
type commitLedger struct {
	mu      sync.Mutex
	pending map[ledgerKey][]int64 // printed offsets not yet confirmed committed
	printed int                   // every message printed
	lastErr error                 // the cause of the last failed commit
}

type ledgerKey struct {
	topic     string
	partition int32
}

func newCommitLedger() *commitLedger {
	return &commitLedger{pending: map[ledgerKey][]int64{}}
}

// print records a printed message.
func (l *commitLedger) print(md stream.Metadata) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := ledgerKey{md.Topic, md.Partition}
	l.pending[k] = append(l.pending[k], int64(md.Offset))
	l.printed++
}

// onCommit is the reader's commit callback: a successful commit of offset N for a
// partition confirms every printed message before N.
func (l *commitLedger) onCommit(err error, parts []topicpartition.TopicPartition) {
	if errors.Is(err, kafkaerror.NoOffset) { // nothing new to commit: no news either way
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.lastErr = err
		return
	}
	for _, p := range parts {
		switch {
		case p.Err != nil:
			l.lastErr = p.Err
		case p.Offset >= 0:
			l.confirmLocked(ledgerKey{p.Topic, p.Partition}, int64(p.Offset))
		}
	}
}

// confirm records that the group's committed offset for a partition is next.
func (l *commitLedger) confirm(topic string, partition int32, next int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.confirmLocked(ledgerKey{topic, partition}, next)
}

func (l *commitLedger) confirmLocked(k ledgerKey, next int64) {
	offs := l.pending[k]
	kept := offs[:0]
	for _, o := range offs {
		if o >= next {
			kept = append(kept, o)
		}
	}
	if len(kept) == 0 {
		delete(l.pending, k)
		return
	}
	l.pending[k] = kept
}

// uncommitted is how many printed messages no commit confirmed, of how many printed,
// and the cause of the last failed commit (nil when none failed).
func (l *commitLedger) uncommitted() (n, printed int, lastErr error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, offs := range l.pending {
		n += len(offs)
	}
	return n, l.printed, l.lastErr
}

// commitCheckBound bounds the question subscribe asks the group after closing.
const commitCheckBound = 5 * time.Second

// checkCommits tells, after the reader closed with closeErr, whether the group
// committed what subscribe printed. Printed messages no commit result confirmed are
// looked up in the group's committed offsets, when the close went well (a result can
// come too late for the callback); when the close failed the broker is taken to be out
// of reach. What stays unconfirmed is an error that says how many messages and why.
func (e *env) checkCommits(l *commitLedger, u *stream.URL, group string, closeErr error) error {
	n, printed, lastErr := l.uncommitted()
	var checkErr error
	if n > 0 && closeErr == nil {
		checkErr = e.confirmFromGroup(l, u, group)
		n, printed, lastErr = l.uncommitted()
	}
	if n == 0 {
		if closeErr != nil {
			return fmt.Errorf("subscribe: closing the stream: %w", closeErr)
		}
		return nil
	}
	cause := closeErr
	for _, err := range []error{lastErr, checkErr} {
		if cause == nil {
			cause = err
		}
	}
	if cause == nil {
		cause = errors.New("no commit confirmed them")
	}
	return fmt.Errorf("subscribe: committing the printed messages to group %q: %d of %d printed message(s) not committed: %w",
		group, n, printed, cause)
}

// confirmFromGroup asks the cluster for group's committed offsets and confirms them
// in l.
func (e *env) confirmFromGroup(l *commitLedger, u *stream.URL, group string) error {
	config, err := e.kafkaConfig(u)
	if err != nil {
		return err
	}
	cl, err := cluster.New(config, cluster.WithLogger(e.logger))
	if err != nil {
		return err
	}
	defer cl.Close()
	// Not bound to e.ctx: after Ctrl-C the question is still worth asking.
	ctx, cancel := context.WithTimeout(context.Background(), min(e.g.timeout, commitCheckBound))
	defer cancel()
	lags, err := cl.GroupLag(ctx, group)
	if err != nil {
		return fmt.Errorf("asking the group's committed offsets: %w", err)
	}
	for _, pl := range lags {
		if pl.Committed >= 0 {
			l.confirm(pl.Topic, pl.Partition, int64(pl.Committed))
		}
	}
	return nil
}
