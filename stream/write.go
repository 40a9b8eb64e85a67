package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// WriteOption sets a property of one written message.
type WriteOption func(*writeArgs)

type writeArgs struct {
	topic        string
	key          []byte
	headers      []message.Header
	partition    int32
	hasPartition bool
}

// Topic writes to topic instead of the URL's (required when the URL names no topic or
// several).
func Topic(topic string) WriteOption { return func(w *writeArgs) { w.topic = topic } }

// Key sets the message key.
func Key(k []byte) WriteOption { return func(w *writeArgs) { w.key = k } }

// Partition writes to partition p of the topic instead of letting the producer's
// partitioner choose (by key; unkeyed messages are spread over the partitions). Kafka
// keeps order only within a partition, so messages written to one partition are read
// in the order written. A partition the topic does not have is refused by Write, or
// reported by Flush and Close when the producer does not know the topic yet.
func Partition(p int32) WriteOption {
	return func(w *writeArgs) { w.partition, w.hasPartition = p, true }
}

// Headers adds headers, after which rdstreams adds hop's _id, _format (and _sender).
func Headers(h ...message.Header) WriteOption {
	return func(w *writeArgs) { w.headers = append(w.headers, h...) }
}

func (s *Stream) openWriter(config map[string]any) error {
	timeout := s.opts.closeTimeout
	if timeout == 0 {
		timeout = producer.DefaultCloseTimeout
	}
	p, err := producer.New(config,
		producer.WithLogger(s.opts.logger),
		producer.WithCloseTimeout(timeout),
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			if err != nil {
				s.failures = append(s.failures, fmt.Errorf("%s: %w", m.Topic(), err))
			}
		}),
		// Client-wide errors (authentication failed, every broker down) are logged as
		// the producer would, and the last one is kept: a Flush or Close that cannot
		// deliver then says why, not only that time ran out. "All brokers down" follows
		// from an earlier error about the broker (a refused login, a TLS failure): it
		// never hides that error.
		producer.WithErrorCallback(func(err *kafkaerror.Error) {
			level := slog.LevelWarn
			if err.Fatal() {
				level = slog.LevelError
			}
			s.opts.logger.Log(context.Background(), level, "rdstreams: stream writer error",
				slog.String("code", err.Name()), slog.String("error", err.Error()))
			if s.clientErr == nil || err.Code() != kafkaerror.AllBrokersDown {
				s.clientErr = err
			}
		}))
	if err != nil {
		return err
	}
	s.p = p
	return nil
}

// Write queues value for the stream's topic and returns; Close reports what could not
// be delivered. value is a []byte (hop "blob", as Python bytes), a string (hop "json":
// the JSON string, as hop-client writes a Python str; it must be valid UTF-8),
// stream.JSON(v), or any Model.
// The message carries hop-client's _id and _format headers (and _sender when
// authenticated), so hop-client readers decode it. Write waits while the producer's
// queue is full.
func (s *Stream) Write(value any, opts ...WriteOption) error {
	if s.p == nil {
		return errNotWriter
	}
	var w writeArgs
	for _, o := range opts {
		o(&w)
	}
	if w.topic == "" {
		if len(s.url.Topics) != 1 {
			return kafkaerror.Newf(kafkaerror.InvalidArg,
				"stream: the URL names %d topics: say which one with stream.Topic(name)", len(s.url.Topics))
		}
		w.topic = s.url.Topics[0]
	}
	if w.hasPartition && w.partition < 0 {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "stream: Write: partition %d of topic %q: want 0 or more", w.partition, w.topic)
	}
	format, payload, err := encode(value)
	if err != nil {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "%v", err)
	}
	headers := append(w.headers, message.Header{Key: HeaderID, Value: newID()}, message.Header{Key: HeaderFormat, Value: []byte(format)})
	if s.username != "" {
		headers = append(headers, message.Header{Key: HeaderSender, Value: []byte(s.username)})
	}
	popts := []producer.ProduceOption{producer.Headers(headers...)}
	if w.key != nil {
		popts = append(popts, producer.Key(w.key))
	}
	if w.hasPartition {
		popts = append(popts, producer.Partition(w.partition))
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for {
		err = s.p.Produce(w.topic, payload, popts...)
		if !errors.Is(err, kafkaerror.ErrBufferFull) {
			break
		}
		s.p.Poll(10 * time.Millisecond) // serve reports to make room, then retry
	}
	s.p.Poll(0)
	return err
}

// Flush waits until everything written has been delivered or ctx is done; it returns
// the delivery failures so far. On a closed stream it returns kafkaerror.ErrClosed.
func (s *Stream) Flush(ctx context.Context) error {
	if s.p == nil {
		return errNotWriter
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.writerClosed {
		return kafkaerror.ErrClosed
	}
	if left := s.p.FlushContext(ctx); left > 0 {
		err := kafkaerror.Newf(kafkaerror.TimedOut, "stream: %d message(s) not yet delivered", left)
		if s.clientErr != nil {
			return fmt.Errorf("%w (last client error: %w)", err, s.clientErr)
		}
		return err
	}
	return joinErrs(s.failures)
}

func (s *Stream) closeWriter() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.writerClosed = true
	err := s.p.Close()
	if len(s.failures) == 0 {
		return err
	}
	if s.clientErr != nil {
		return fmt.Errorf("stream: %d message(s) could not be delivered (last client error: %w): %w",
			len(s.failures), s.clientErr, errors.Join(append(s.failures, err)...))
	}
	return fmt.Errorf("stream: %d message(s) could not be delivered: %w", len(s.failures), errors.Join(append(s.failures, err)...))
}
