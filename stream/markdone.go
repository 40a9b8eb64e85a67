package stream

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// MarkDoneAsync is MarkDone without waiting for the broker, hop-client's
// mark_done(metadata, asynchronous=True): it returns at once and the commit is made in
// the background. Commits are made in the order the messages were marked (a later
// mark of a partition is never overtaken by an earlier one, MarkDone's included), and
// marks that pile up while a commit is on its way go together in the next one.
//
// Close waits for the commits still outstanding — within its bound — before it leaves
// the group, so a reader of the same group that starts after Close resumes after the
// last message marked done; Close returns the failures of these commits (they are
// also logged when they happen). On a closed stream MarkDoneAsync returns
// kafkaerror.ErrClosed.
func (s *Stream) MarkDoneAsync(md Metadata) error {
	if s.c == nil {
		return errNotReader
	}
	if md.msg == nil {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "stream: MarkDoneAsync needs the Metadata of a message this stream returned")
	}
	return s.marker().markAsync(md)
}

// marker returns the reader's marker, made on first use.
func (s *Stream) marker() *marker {
	s.marksOnce.Do(func() {
		s.marks = &marker{commit: s.c.Commit, logger: s.opts.logger, pending: map[partKey]topicpartition.TopicPartition{}}
	})
	return s.marks
}

// marker makes the commits of MarkDone and MarkDoneAsync, one at a time and in order:
// asynchronous marks wait in pending (the latest per partition) until a committer
// goroutine, running while there are any, commits them.
type marker struct {
	commit func(...consumer.CommitOption) ([]topicpartition.TopicPartition, error)
	logger *slog.Logger

	commitMu sync.Mutex // held while committing: commits never overlap

	mu       sync.Mutex // guards the fields below
	pending  map[partKey]topicpartition.TopicPartition
	running  bool          // a committer goroutine is running
	idle     chan struct{} // closed when that committer stops
	closed   bool          // Close has begun: no more asynchronous marks
	failures []error       // failed asynchronous commits, for Close
}

// markAsync records md's offset + 1 for its partition and makes sure a committer runs.
func (m *marker) markAsync(md Metadata) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return kafkaerror.ErrClosed
	}
	tp := topicpartition.New(md.Topic, md.Partition, md.Offset+1)
	tp.LeaderEpoch = md.msg.LeaderEpoch()
	m.pending[partKey{md.Topic, md.Partition}] = tp
	if !m.running {
		m.running, m.idle = true, make(chan struct{})
		go m.run()
	}
	return nil
}

// run commits what is pending until nothing is.
func (m *marker) run() {
	for {
		m.commitMu.Lock()
		m.mu.Lock()
		batch := m.pending
		if len(batch) == 0 {
			m.running = false
			close(m.idle)
			m.mu.Unlock()
			m.commitMu.Unlock()
			return
		}
		m.pending = map[partKey]topicpartition.TopicPartition{}
		m.mu.Unlock()
		err := m.commitBatch(batch)
		m.commitMu.Unlock()
		if err != nil {
			m.logger.Warn("rdstreams: stream: asynchronous MarkDone commit failed", slog.String("error", err.Error()))
			m.mu.Lock()
			m.failures = append(m.failures, err)
			m.mu.Unlock()
		}
	}
}

// commitBatch commits the offsets of batch; an error names what failed and why.
func (m *marker) commitBatch(batch map[partKey]topicpartition.TopicPartition) error {
	offsets := make([]topicpartition.TopicPartition, 0, len(batch))
	for _, tp := range batch {
		offsets = append(offsets, tp)
	}
	slices.SortFunc(offsets, func(a, b topicpartition.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	parts, err := m.commit(consumer.CommitOffsets(offsets...))
	if err != nil {
		return fmt.Errorf("stream: MarkDoneAsync: committing %s: %w", offsetList(offsets), err)
	}
	var errs []error
	for _, p := range parts {
		if p.Err != nil {
			errs = append(errs, fmt.Errorf("stream: MarkDoneAsync: committing %s: %w", topicpartition.New(p.Topic, p.Partition, p.Offset), p.Err))
		}
	}
	return errors.Join(errs...)
}

// markSync commits md's offset + 1 and waits for the broker (MarkDone). It supersedes
// an asynchronous mark of the same partition not yet committed, and waits for a commit
// in progress, so that the last mark made is the one that stays.
func (m *marker) markSync(md Metadata) error {
	m.commitMu.Lock()
	defer m.commitMu.Unlock()
	m.mu.Lock()
	delete(m.pending, partKey{md.Topic, md.Partition})
	m.mu.Unlock()
	_, err := m.commit(consumer.CommitMessage(md.msg))
	return err
}

// drain stops asynchronous marks and waits until the committer has committed all of
// them, or ctx is done. It returns the asynchronous commits that failed.
func (m *marker) drain(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	running, idle := m.running, m.idle
	m.mu.Unlock()
	if running {
		select {
		case <-idle:
		case <-ctx.Done():
			m.mu.Lock()
			defer m.mu.Unlock()
			return errors.Join(append(slices.Clone(m.failures), kafkaerror.Newf(kafkaerror.TimedOut,
				"stream: Close: asynchronous MarkDone commits did not finish within the close timeout; a reader of the group may get back messages marked done"))...)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return errors.Join(m.failures...)
}

// offsetList prints offsets as "t[0]@5, t[1]@7".
func offsetList(offsets []topicpartition.TopicPartition) string {
	s := make([]string, len(offsets))
	for i, tp := range offsets {
		s[i] = tp.String()
	}
	return strings.Join(s, ", ")
}
