package stream

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// A reader without Balanced reads as hop-client 0.13 does through adc-streaming 2.7: it
// assigns itself every partition of every topic in the URL instead of joining its group
// as a member, and uses the group only to start where it left off and to commit.

// openAssigned positions the reader on every partition of the URL's topics. With
// Persist it then looks for partitions added later (see partitionWatch).
func (s *Stream) openAssigned(ctx context.Context, adminConfig map[string]any) error {
	admin, err := cluster.New(adminConfig, cluster.WithLogger(slog.New(noConfWarn{s.opts.logger.Handler()})))
	if err != nil {
		return err
	}
	parts, err := s.topicPartitions(ctx, admin)
	if err != nil {
		admin.Close()
		return err
	}
	starts, err := s.startOffsets(ctx, parts, nil, false)
	if err != nil {
		admin.Close()
		return fmt.Errorf("stream: Open: %w", err)
	}
	if err := s.c.Assign(starts); err != nil {
		admin.Close()
		return fmt.Errorf("stream: Open: assigning %s: %w", offsetList(starts), err)
	}
	s.tracker.assign(starts)
	s.pos.set(starts)
	every := refreshInterval(adminConfig)
	if !s.opts.persist || every <= 0 {
		admin.Close()
		return nil
	}
	known := map[partKey]bool{}
	for _, p := range parts {
		known[partKey{p.Topic, p.Partition}] = true
	}
	s.watch = s.watchPartitions(admin, every, known)
	return nil
}

// topicPartitions lists every partition of the URL's topics, asking the broker. A topic
// that does not exist is an error that names it, as in hop-client.
func (s *Stream) topicPartitions(ctx context.Context, admin *cluster.Client) ([]topicpartition.TopicPartition, error) {
	var parts []topicpartition.TopicPartition
	for _, topic := range s.url.Topics {
		md, err := admin.TopicMetadata(ctx, topic)
		switch {
		case errors.Is(err, kafkaerror.UnknownTopicOrPart):
			return nil, kafkaerror.Newf(kafkaerror.UnknownTopicOrPart,
				"stream: Open: topic %q does not exist on %s, so it cannot be read", topic, s.url.Bootstrap())
		case err != nil:
			return nil, fmt.Errorf("stream: Open: asking %s about topic %q: %w", s.url.Bootstrap(), topic, err)
		}
		for _, p := range md.Partitions {
			parts = append(parts, topicpartition.Of(topic, p.ID))
		}
	}
	return parts, nil
}

// startOffsets says where each partition starts: at its group's committed offset when
// there is one, else at the StartAt position, resolved to a real offset by asking the
// broker (so that the reader is positioned: a message written from then on is read).
//
// first, when given, says per partition whether this reader gets it for the first time
// (a Balanced reader gets partitions back after rebalances): only then does
// ResetOnStart skip the committed offset, and an explicit offset or time apply; later
// the group's committed offset counts, else auto.offset.reset (Earliest or Latest).
// appeared says the partitions were added to their topics after the reader opened:
// they hold nothing older than the reader, so Latest starts them at their beginning.
func (s *Stream) startOffsets(ctx context.Context, parts []topicpartition.TopicPartition, first []bool, appeared bool) ([]topicpartition.TopicPartition, error) {
	starts := make([]topicpartition.TopicPartition, len(parts))
	isFirst := func(i int) bool { return first == nil || first[i] }
	var ask []topicpartition.TopicPartition // partitions whose committed offset counts
	for i, p := range parts {
		starts[i] = topicpartition.New(p.Topic, p.Partition, topicpartition.OffsetInvalid)
		if !(s.opts.resetOnStart && isFirst(i)) {
			ask = append(ask, topicpartition.Of(p.Topic, p.Partition))
		}
	}
	committed := map[partKey]topicpartition.TopicPartition{}
	if len(ask) > 0 {
		var got []topicpartition.TopicPartition
		err := retry(ctx, func() (err error) {
			got, err = s.c.Committed(ask, timeoutOf(ctx))
			for _, tp := range got {
				if err == nil && tp.Err != nil {
					err = fmt.Errorf("%s: %w", topicpartition.Of(tp.Topic, tp.Partition), tp.Err)
				}
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("asking group %q for its committed offsets of %s: %w", s.opts.group, errtext.TopicsOf(ask), err)
		}
		for _, tp := range got {
			if tp.Offset >= 0 {
				committed[partKey{tp.Topic, tp.Partition}] = tp
			}
		}
	}
	// The rest start at the start position; earliest, latest and times are looked up.
	var earliest, latest, byTime []int
	for i := range starts {
		if tp, ok := committed[partKey{starts[i].Topic, starts[i].Partition}]; ok {
			starts[i] = tp
			continue
		}
		start := s.opts.start
		if !isFirst(i) && start.explicit() {
			start = Latest // as auto.offset.reset says for offsets and times
		}
		switch start.kind {
		case startEarliest:
			earliest = append(earliest, i)
		case startLatest:
			if appeared {
				earliest = append(earliest, i)
			} else {
				latest = append(latest, i)
			}
		case startOffset:
			starts[i].Offset = topicpartition.Offset(start.offset)
		case startTime:
			byTime = append(byTime, i)
		}
	}
	noneAfter, err := s.lookUp(ctx, starts, byTime, consumer.TimeOffset(s.opts.start.at))
	if err != nil {
		return nil, err
	}
	if _, err := s.lookUp(ctx, starts, earliest, topicpartition.OffsetBeginning); err != nil {
		return nil, err
	}
	// No message at or after the time: the end, as for Latest.
	if _, err := s.lookUp(ctx, starts, append(latest, noneAfter...), topicpartition.OffsetEnd); err != nil {
		return nil, err
	}
	return starts, nil
}

// lookUp sets the Offset of starts[i], for each i in which, to the offset the broker
// gives for at: a time (consumer.TimeOffset), or OffsetBeginning or OffsetEnd for a
// partition's first or next offset. It returns the indexes the broker found no offset
// for (a time after the last message).
func (s *Stream) lookUp(ctx context.Context, starts []topicpartition.TopicPartition, which []int, at topicpartition.Offset) ([]int, error) {
	if len(which) == 0 {
		return nil, nil
	}
	ask := make([]topicpartition.TopicPartition, len(which))
	for j, i := range which {
		ask[j] = topicpartition.New(starts[i].Topic, starts[i].Partition, at)
	}
	var got []topicpartition.TopicPartition
	err := retry(ctx, func() (err error) {
		got, err = s.c.OffsetsForTimes(ask, timeoutOf(ctx))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("looking up the start offsets: %w", err)
	}
	found := map[partKey]topicpartition.TopicPartition{}
	for _, tp := range got {
		if tp.Err != nil {
			return nil, fmt.Errorf("looking up the start offset of %s: %w", topicpartition.Of(tp.Topic, tp.Partition), tp.Err)
		}
		found[partKey{tp.Topic, tp.Partition}] = tp
	}
	var none []int
	for _, i := range which {
		tp, ok := found[partKey{starts[i].Topic, starts[i].Partition}]
		if !ok || tp.Offset < 0 {
			none = append(none, i)
			continue
		}
		starts[i] = tp
	}
	return none, nil
}

// retry runs call until it succeeds, fails for good, or ctx ends: a broker that has just
// started answers "not coordinator" or "leader not available" for a while.
func retry(ctx context.Context, call func() error) error {
	backoff := 50 * time.Millisecond
	for {
		err := call()
		if err == nil || !(transient(err) || passing(err)) {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(2*backoff, time.Second)
	}
}

// passing is what a broker answers while it is starting or moving leaders, and what
// the client says of a partition added since it last fetched its topic's metadata.
func passing(err error) bool {
	for _, code := range []kafkaerror.Code{kafkaerror.UnknownPartition, kafkaerror.NotCoordinator, kafkaerror.CoordinatorLoadInProgress,
		kafkaerror.CoordinatorNotAvailable, kafkaerror.LeaderNotAvailable, kafkaerror.NotLeaderForPartition,
		kafkaerror.FencedLeaderEpoch, kafkaerror.UnknownLeaderEpoch} {
		if errors.Is(err, code) {
			return true
		}
	}
	return false
}

// noConfWarn drops librdkafka's configuration warnings: the cluster client that lists a
// reader's partitions gets the reader's configuration, whose consumer properties it
// would warn it ignores.
type noConfWarn struct{ slog.Handler }

func (h noConfWarn) Handle(ctx context.Context, r slog.Record) error {
	conf := false
	r.Attrs(func(a slog.Attr) bool {
		conf = a.Key == "facility" && a.Value.String() == "CONFWARN"
		return !conf
	})
	if conf {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h noConfWarn) WithAttrs(as []slog.Attr) slog.Handler {
	return noConfWarn{h.Handler.WithAttrs(as)}
}

func (h noConfWarn) WithGroup(name string) slog.Handler { return noConfWarn{h.Handler.WithGroup(name)} }

// refreshInterval is how often a Persist reader looks for new partitions: librdkafka's
// topic.metadata.refresh.interval.ms when Config sets it (how often a Balanced reader's
// group notices them), else librdkafka's default of 5 minutes. 0 or less: never.
func refreshInterval(config map[string]any) time.Duration {
	const key, fallback = "topic.metadata.refresh.interval.ms", 5 * time.Minute
	var ms int64
	switch v := config[key].(type) {
	case nil:
		return fallback
	case int:
		ms = int64(v)
	case int32:
		ms = int64(v)
	case int64:
		ms = v
	case float64:
		ms = int64(v)
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fallback // the consumer has refused it already
		}
		ms = n
	default:
		return fallback
	}
	return time.Duration(ms) * time.Millisecond
}

// partitionWatch is the goroutine of a Persist reader that looks for partitions added to
// its topics and reads them too.
type partitionWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// watchPartitions starts looking for new partitions every interval; known are the
// partitions read already. The watch owns admin and closes it when it stops.
func (s *Stream) watchPartitions(admin *cluster.Client, every time.Duration, known map[partKey]bool) *partitionWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &partitionWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer admin.Close()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := s.addNewPartitions(ctx, admin, every, known); err != nil && ctx.Err() == nil {
				s.opts.logger.Warn("rdstreams: stream: looking for new partitions failed; looking again later",
					slog.String("error", err.Error()))
			}
		}
	}()
	return w
}

// addNewPartitions assigns the partitions of the URL's topics not in known, from their
// group's committed offset, else from their beginning for Latest (see startOffsets).
func (s *Stream) addNewPartitions(ctx context.Context, admin *cluster.Client, every time.Duration, known map[partKey]bool) error {
	ctx, cancel := context.WithTimeout(ctx, max(every, DefaultOpenTimeout))
	defer cancel()
	parts, err := s.topicPartitions(ctx, admin)
	if err != nil {
		return err
	}
	parts = slices.DeleteFunc(parts, func(p topicpartition.TopicPartition) bool { return known[partKey{p.Topic, p.Partition}] })
	if len(parts) == 0 {
		return nil
	}
	starts, err := s.startOffsets(ctx, parts, nil, true)
	if err != nil {
		return err
	}
	// Held while assigning, so that Positioned, asked after a message of a new partition
	// came, lists the partition.
	s.pos.mu.Lock()
	defer s.pos.mu.Unlock()
	if err := s.c.IncrementalAssign(starts); err != nil {
		return fmt.Errorf("assigning %s: %w", offsetList(starts), err)
	}
	for _, p := range starts {
		known[partKey{p.Topic, p.Partition}] = true
	}
	s.tracker.assign(starts)
	s.pos.starts = append(s.pos.starts, starts...)
	s.opts.logger.Info("rdstreams: stream: reading new partitions", slog.String("partitions", offsetList(starts)))
	return nil
}

// stop ends the watch and waits for it, at most until ctx is done. A nil watch is fine.
func (w *partitionWatch) stop(ctx context.Context) {
	if w == nil {
		return
	}
	w.cancel()
	select {
	case <-w.done:
	case <-ctx.Done():
	}
}

// positions are where a reader started reading the partitions it holds, once it has
// them all: at Open for a reader, at each assignment from its group for a Balanced one.
type positions struct {
	mu     sync.Mutex
	starts []topicpartition.TopicPartition
	ready  chan struct{} // closed while positioned
	closed chan struct{} // closed by Close
}

func newPositions() *positions {
	return &positions{ready: make(chan struct{}), closed: make(chan struct{})}
}

// set records the start offsets of a whole assignment: the reader is positioned.
func (p *positions) set(starts []topicpartition.TopicPartition) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts = slices.Clone(starts)
	select {
	case <-p.ready:
	default:
		close(p.ready)
	}
}

// unset forgets the assignment (a Balanced reader's group took it back).
func (p *positions) unset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.ready:
		p.starts, p.ready = nil, make(chan struct{})
	default:
	}
}

func (p *positions) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.closed:
	default:
		close(p.closed)
	}
}

// Positioned waits until the reader is positioned — it holds every partition it is to
// read, and knows the offset it reads each from — and returns those start offsets,
// ordered by topic and partition. A message written from then on is read; this is when
// a program that must not miss what is written next may start writing.
//
// A reader is positioned when Open returns, so Positioned answers at once. A Balanced
// reader is positioned once its group has given it its partitions (an empty set, when
// the group has more readers than partitions) and is not while a rebalance takes them
// back; the group assigns them while Messages runs, so call Positioned from another
// goroutine. With Persist, partitions added to the topics later are included once the
// reader has found them.
//
// It returns kafkaerror.ErrClosed once the stream is closed, and an error matching
// both kafkaerror.TimedOut and ctx.Err() when ctx ends first.
func (s *Stream) Positioned(ctx context.Context) ([]topicpartition.TopicPartition, error) {
	if s.c == nil {
		return nil, errNotReader
	}
	for {
		select {
		case <-s.pos.closed:
			return nil, kafkaerror.ErrClosed
		default:
		}
		s.pos.mu.Lock()
		ready := s.pos.ready
		s.pos.mu.Unlock()
		select {
		case <-s.pos.closed:
			return nil, kafkaerror.ErrClosed
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", kafkaerror.Newf(kafkaerror.TimedOut,
				"stream: Positioned: the reader was not positioned before the context ended"), ctx.Err())
		case <-ready:
		}
		s.pos.mu.Lock()
		starts, still := slices.Clone(s.pos.starts), s.pos.ready == ready
		s.pos.mu.Unlock()
		if still {
			slices.SortFunc(starts, func(a, b topicpartition.TopicPartition) int {
				return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
			})
			return starts, nil
		}
	}
}
