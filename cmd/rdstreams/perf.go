package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// perfSummaryHelp describes the progress and the summary of perf's mode ("produce" or
// "consume"), with an example of its --json object.
func perfSummaryHelp(mode string) string {
	return `While it runs it shows a progress bar on standard error when that is a terminal,
else a line "N/TOTAL msgs" every second. At the end it prints a summary on standard
output: messages, seconds, msgs/s, MB/s (10^6 bytes of payload a second) and the
latency percentiles p50, p99, p99.9 and max in milliseconds, or with --json one object:

  {"mode":"` + mode + `","topic":"bench","messages":100000,"failed":0,"bytes":10000000,
   "seconds":1.2,"msgs_per_sec":83333,"mb_per_sec":8.3,
   "latency_ms":{"p50":1.1,"p99":3.2,"p99_9":4.5,"max":6.1}}`
}

var perfCmd = &command{
	name:    "perf",
	args:    "produce|consume URL",
	summary: "measure produce or consume throughput and latency",
	details: `Measure throughput and latency against a topic:

  rdstreams perf produce URL   produce --messages messages of --size bytes
  rdstreams perf consume URL   consume --messages messages from the beginning

Run "rdstreams perf produce --help" and "rdstreams perf consume --help" for their flags.`,
	example: `rdstreams perf produce --no-auth --messages 100000 kafka://localhost:9092/bench`,
	run:     runPerf,
}

var perfProduceCmd = &command{
	name:    "perf produce",
	args:    "URL",
	summary: "measure produce throughput and delivery latency",
	details: `Produce --messages messages of --size random bytes to the URL's topic (unkeyed, so
the partitioner spreads them), as fast as possible or at --rate messages a second, and
wait for every delivery report. Latency is the time from producing a message to its
delivery report; the first messages also wait for the producer to connect, which shows
in the high percentiles of short runs. Exits 1 if any message could not be delivered.

` + perfSummaryHelp("produce"),
	example: `rdstreams perf produce --no-auth --messages 100000 --size 100 kafka://localhost:9092/bench`,
	run:     runPerfProduce,
}

var perfConsumeCmd = &command{
	name:    "perf consume",
	args:    "URL",
	summary: "measure consume throughput and end-to-end latency",
	details: `Consume the URL's topics from the beginning — every partition assigned directly, or
with --group as a member of that consumer group — until --messages messages have
been read or every partition has been read to its end. Latency is end to end: the
time a message is received minus its create timestamp (so old messages show large
latencies: run it while or right after perf produce). Throughput is measured from
the moment the partitions are assigned (after a group's join) to the last message.

` + perfSummaryHelp("consume"),
	example: `rdstreams perf consume --no-auth --messages 100000 kafka://localhost:9092/bench`,
	run:     runPerfConsume,
}

func runPerf(e *env, c *command, args []string) error {
	if len(args) == 0 {
		return usagef("perf: missing produce or consume (see rdstreams perf --help)")
	}
	switch args[0] {
	case "produce":
		return runPerfProduce(e, perfProduceCmd, args[1:])
	case "consume":
		return runPerfConsume(e, perfConsumeCmd, args[1:])
	}
	if !strings.HasPrefix(args[0], "-") {
		return usagef("perf: unknown mode %q: want produce or consume (see rdstreams perf --help)", args[0])
	}
	fs := newFlagSet(c.name)
	if _, err := e.parse(c, fs, args, 0, 0); err != nil {
		return err
	}
	return usagef("perf: unknown mode %q: want produce or consume (see rdstreams perf --help)", args[0])
}

// perfSummary is the result of a perf run.
type perfSummary struct {
	Mode       string      `json:"mode"`
	Topic      string      `json:"topic"`
	Messages   int64       `json:"messages"`
	Failed     int64       `json:"failed"`
	Bytes      int64       `json:"bytes"`
	Seconds    float64     `json:"seconds"`
	MsgsPerSec float64     `json:"msgs_per_sec"`
	MBPerSec   float64     `json:"mb_per_sec"`
	Latency    latencyJSON `json:"latency_ms"`
}

type latencyJSON struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

// latencies is an HDR histogram of latencies in microseconds, from 1 µs to an hour.
type latencies struct{ h *hdrhistogram.Histogram }

const maxLatencyMicros = int64(time.Hour / time.Microsecond)

func newLatencies() latencies { return latencies{hdrhistogram.New(1, maxLatencyMicros, 3)} }

func (l latencies) record(d time.Duration) {
	us := min(max(d.Microseconds(), 1), maxLatencyMicros)
	_ = l.h.RecordValue(us)
}

func (l latencies) summary() latencyJSON {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return latencyJSON{
		P50: ms(l.h.ValueAtQuantile(50)), P99: ms(l.h.ValueAtQuantile(99)),
		P999: ms(l.h.ValueAtQuantile(99.9)), Max: ms(l.h.Max()),
	}
}

func (s *perfSummary) finish(elapsed time.Duration, lat latencies) {
	s.Seconds = elapsed.Seconds()
	if s.Seconds > 0 {
		s.MsgsPerSec = float64(s.Messages) / s.Seconds
		s.MBPerSec = float64(s.Bytes) / 1e6 / s.Seconds
	}
	s.Latency = lat.summary()
}

func (s *perfSummary) print(w io.Writer, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(s)
	}
	verb := map[string]string{"produce": "produced", "consume": "consumed"}[s.Mode]
	var failed string
	if s.Failed > 0 {
		failed = fmt.Sprintf(", %d failed", s.Failed)
	}
	_, err := fmt.Fprintf(w, "%s %d messages (%d bytes) %s %s in %.3f s%s: %.0f msgs/s, %.2f MB/s\n"+
		"latency ms: p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f\n",
		verb, s.Messages, s.Bytes, map[string]string{"produce": "to", "consume": "from"}[s.Mode], s.Topic,
		s.Seconds, failed, s.MsgsPerSec, s.MBPerSec, s.Latency.P50, s.Latency.P99, s.Latency.P999, s.Latency.Max)
	return err
}

func runPerfProduce(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	n := fs.Int64("messages", 100000, "how many messages to produce")
	size := fs.Int("size", 100, "payload size in `BYTES`")
	rate := fs.Float64("rate", 0, "messages a second, `R` (0: as fast as possible)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	switch {
	case len(u.Topics) != 1:
		return usagef("perf produce: the URL must name exactly one topic, it names %d", len(u.Topics))
	case *n < 1:
		return usagef("perf produce: --messages must be at least 1, got %d", *n)
	case *size < 0:
		return usagef("perf produce: --size must be 0 or more, got %d", *size)
	case *rate < 0:
		return usagef("perf produce: --rate must be 0 or more, got %g", *rate)
	}
	topic := u.Topics[0]
	if _, _, err := e.clusterInfo(u, false); err != nil {
		return fmt.Errorf("perf produce: %w", err)
	}
	config, err := e.kafkaConfig(u)
	if err != nil {
		return fmt.Errorf("perf produce: %w", err)
	}
	var clientErr error
	p, err := producer.New(config, producer.WithLogger(e.logger), producer.WithCloseTimeout(5*time.Second),
		producer.WithErrorCallback(func(err *kafkaerror.Error) { clientErr = err }))
	if err != nil {
		return fmt.Errorf("perf produce: %w", configError(err))
	}
	defer p.Close()

	payload := make([]byte, *size)
	_, _ = rand.Read(payload)
	lat := newLatencies()
	sum := perfSummary{Mode: "produce", Topic: topic}
	var firstErr error
	var lastReport time.Time
	bar := newProgress(e.stderr, *n, "produce")
	report := func(sent time.Time) producer.DeliveryFunc {
		return func(err error, _ *message.Message) {
			now := time.Now()
			lastReport = now
			if err != nil {
				sum.Failed++
				if firstErr == nil {
					firstErr = err
				}
			} else {
				sum.Messages++
				sum.Bytes += int64(*size)
				lat.record(now.Sub(sent))
			}
			bar.set(sum.Messages + sum.Failed)
		}
	}
	start := time.Now()
	var refused int64
	for i := int64(0); i < *n && e.ctx.Err() == nil; i++ {
		if *rate > 0 {
			due := start.Add(time.Duration(float64(i) / *rate * float64(time.Second)))
			for d := time.Until(due); d > 0 && e.ctx.Err() == nil; d = time.Until(due) {
				p.Poll(d) // serve reports while waiting for the next message's turn
			}
		}
		for {
			sent := time.Now()
			err = p.Produce(topic, payload, producer.OnDelivery(report(sent)))
			if !errors.Is(err, kafkaerror.ErrBufferFull) || e.ctx.Err() != nil {
				break
			}
			p.Poll(10 * time.Millisecond)
		}
		if err != nil {
			refused++
			if firstErr == nil {
				firstErr = err
			}
			bar.set(sum.Messages + sum.Failed + refused)
		}
		p.Poll(0)
	}
	ctx := e.ctx
	for p.Len() > 0 && ctx.Err() == nil {
		p.FlushContext(ctx)
	}
	bar.finish()
	sum.Failed += refused
	if !lastReport.IsZero() {
		sum.finish(lastReport.Sub(start), lat)
	}
	if err := sum.print(e.stdout, *asJSON); err != nil {
		return fmt.Errorf("perf produce: writing the output: %w", err)
	}
	switch {
	case e.ctx.Err() != nil:
		return fmt.Errorf("perf produce: %w after %d messages", errInterrupted, sum.Messages)
	case sum.Failed > 0:
		if firstErr == nil {
			firstErr = clientErr
		}
		return fmt.Errorf("perf produce: %d of %d messages could not be delivered; the first: %v", sum.Failed, *n, firstErr)
	}
	return nil
}

func runPerfConsume(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	n := fs.Int64("messages", 100000, "stop after this many messages")
	group := fs.String("group", "", "consume as a member of consumer group `ID` (default: assign every partition)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	switch {
	case len(u.Topics) == 0:
		return usagef("perf consume: the URL %q names no topic", u.String())
	case *n < 1:
		return usagef("perf consume: --messages must be at least 1, got %d", *n)
	}
	_, topics, err := e.clusterInfo(u, false)
	if err != nil {
		return fmt.Errorf("perf consume: %w", err)
	}
	config, err := e.kafkaConfig(u)
	if err != nil {
		return fmt.Errorf("perf consume: %w", err)
	}
	config["enable.partition.eof"] = true
	if *group != "" {
		config["group.id"] = *group
		config["auto.offset.reset"] = "earliest"
	} else {
		config["enable.auto.commit"] = false
	}
	cons, err := consumer.New(config, consumer.WithLogger(e.logger), consumer.WithCloseTimeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("perf consume: %w", configError(err))
	}
	defer cons.Close()
	var all []topicpartition.TopicPartition
	for _, t := range topics {
		for _, p := range t.Partitions {
			all = append(all, topicpartition.New(t.Name, p.ID, topicpartition.OffsetBeginning))
		}
	}
	// Throughput counts from the moment partitions are assigned: a group's join and
	// rebalance are not part of it.
	var assigned time.Time
	if *group != "" {
		err = cons.Subscribe(u.Topics, consumer.OnAssign(func(_ *consumer.Consumer, _ []topicpartition.TopicPartition) {
			if assigned.IsZero() {
				assigned = time.Now()
			}
		}))
	} else {
		assigned = time.Now()
		err = cons.Assign(all)
	}
	if err != nil {
		return fmt.Errorf("perf consume: %w", err)
	}

	atEnd := map[partKey]bool{}
	lat := newLatencies()
	sum := perfSummary{Mode: "consume", Topic: strings.Join(u.Topics, ",")}
	bar := newProgress(e.stderr, *n, "consume")
	var last time.Time
loop:
	for sum.Messages < *n && e.ctx.Err() == nil {
		msgs, err := cons.Consume(int(min(*n-sum.Messages, 10000)), 100*time.Millisecond)
		if err != nil {
			return fmt.Errorf("perf consume: %w", err)
		}
		now := time.Now()
		for _, m := range msgs {
			k := partKey{m.Topic(), m.Partition()}
			if err := m.Err(); err != nil {
				switch {
				case errors.Is(err, kafkaerror.PartitionEOF):
					atEnd[k] = true
					if len(atEnd) == len(all) && allTrue(atEnd) {
						break loop
					}
				case transient(err):
				default:
					return fmt.Errorf("perf consume: %w", err)
				}
				continue
			}
			atEnd[k] = false
			last = now
			sum.Messages++
			sum.Bytes += int64(m.Len())
			if typ, ts := m.Timestamp(); typ != message.TimestampNotAvailable {
				lat.record(now.Sub(ts))
			}
		}
		bar.set(sum.Messages)
	}
	bar.finish()
	if sum.Messages > 0 {
		sum.finish(last.Sub(assigned), lat)
	}
	if err := sum.print(e.stdout, *asJSON); err != nil {
		return fmt.Errorf("perf consume: writing the output: %w", err)
	}
	if e.ctx.Err() != nil {
		return fmt.Errorf("perf consume: %w after %d messages", errInterrupted, sum.Messages)
	}
	return nil
}

// partKey names a partition.
type partKey struct {
	topic string
	id    int32
}

func allTrue(m map[partKey]bool) bool {
	for _, v := range m {
		if !v {
			return false
		}
	}
	return true
}

// transient is broker trouble librdkafka recovers from by itself.
func transient(err error) bool {
	var kerr *kafkaerror.Error
	if !errors.As(err, &kerr) {
		return false
	}
	switch kerr.Code() {
	case kafkaerror.Transport, kafkaerror.AllBrokersDown, kafkaerror.Resolve, kafkaerror.TimedOut:
		return true
	}
	return kerr.Retriable() && !kerr.Fatal()
}
