package harness

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ExitUnsupported is the exit status of a client asked for a workload it lacks.
const ExitUnsupported = 3

// Config is the run a client was asked for, from its flags.
type Config struct {
	Client    string
	Workload  string // produce, consume or latency
	Bootstrap string
	Topic     string
	Messages  int
	Size      int // value size in bytes
	Rate      int // messages per second, latency workload only
	LingerMs  int
	BatchSize int
}

// ParseFlags reads the common flags; client is the name written in the result.
func ParseFlags(client string) Config {
	c := Config{Client: client}
	flag.StringVar(&c.Workload, "workload", "produce", "produce, consume or latency")
	flag.StringVar(&c.Bootstrap, "bootstrap", os.Getenv("KAFKA_BOOTSTRAP"), "broker host:port")
	flag.StringVar(&c.Topic, "topic", "", "topic (6 partitions, created by the driver)")
	flag.IntVar(&c.Messages, "messages", 1_000_000, "messages to produce or consume")
	flag.IntVar(&c.Size, "size", 100, "value size in bytes")
	flag.IntVar(&c.Rate, "rate", 20_000, "messages per second (latency)")
	flag.IntVar(&c.LingerMs, "linger-ms", 5, "producer linger.ms")
	flag.IntVar(&c.BatchSize, "batch-size", 1_000_000, "producer batch.size in bytes")
	flag.Parse()
	switch {
	case c.Bootstrap == "" || c.Topic == "":
		Fatalf("-bootstrap and -topic are required")
	case c.Messages < 1 || c.Size < 0 || c.Rate < 1:
		Fatalf("-messages and -rate must be positive, -size not negative")
	case c.Workload == "latency" && c.Size < StampSize:
		Fatalf("latency needs -size >= %d (the send time is in the value)", StampSize)
	}
	return c
}

// Unsupported ends a client that lacks the workload asked for.
func (c Config) Unsupported() {
	fmt.Fprintf(os.Stderr, "%s: workload %q not supported\n", c.Client, c.Workload)
	os.Exit(ExitUnsupported)
}

// WarmUpNote describes the produce workload's warm-up, for a client's settings.
//
// A produce run first sends one message and waits for its delivery report; the clock
// starts after that, at the first of the N timed messages. Without it, start-up noise
// decides short runs: a librdkafka producer whose first Produce follows its creation
// within a millisecond or so often asks for its idempotent producer id while the
// bootstrap connection is being replaced ("No brokers available for Idempotent
// producer"), and waits 500 ms (sometimes 1 s) for the retry.
const WarmUpNote = "one message produced and delivered before the clock starts"

// LibrdkafkaPrefetch is the consumer configuration every librdkafka-based client
// (rdstreams, confluent-kafka-go) adds to its own, so that a consume run measures the
// client rather than librdkafka's default prefetch throttle. With the defaults
// (queued.min.messages 100000, fetch.queue.backoff.ms 1000) a partition whose local
// queue is over its threshold waits a whole second before its next fetch: both clients
// then read about 130,000 msgs/s whatever the value size, against ~550,000 (100 B) and
// ~220,000 (1 KiB) with these. queued.max.messages.kbytes stays at its default (64 MiB),
// which bounds the memory prefetch may take.
var LibrdkafkaPrefetch = map[string]any{
	"queued.min.messages":    1_000_000,
	"fetch.queue.backoff.ms": 0,
}

// Result is the JSON line a client prints. Latency fields are set for the latency
// workload only. MB are 1,048,576 bytes of values (keys and overhead not counted),
// as Kafka's own perf tools count them.
type Result struct {
	Client   string   `json:"client"`
	Workload string   `json:"workload"`
	Size     int      `json:"size"`
	Messages int      `json:"messages"`
	Seconds  float64  `json:"seconds"`
	MsgsPerS float64  `json:"msgs_per_s"`
	MBPerS   float64  `json:"mb_per_s"`
	P50Ms    *float64 `json:"p50_ms,omitempty"`
	P99Ms    *float64 `json:"p99_ms,omitempty"`
	P999Ms   *float64 `json:"p999_ms,omitempty"`
	// GoAllocsPerMsg and GoAllocBytesPerMsg are the Go heap allocations of the whole
	// client process during the workload (runtime.MemStats, set up and tear down
	// included) divided by the messages: Go clients only.
	GoAllocsPerMsg     *float64       `json:"go_allocs_per_msg,omitempty"`
	GoAllocBytesPerMsg *float64       `json:"go_alloc_bytes_per_msg,omitempty"`
	Settings           map[string]any `json:"settings,omitempty"`
}

// Throughput is the result of moving n messages in elapsed.
func (c Config) Throughput(n int, elapsed time.Duration, settings map[string]any) Result {
	s := elapsed.Seconds()
	if s <= 0 {
		s = 1e-9
	}
	rate := float64(n) / s
	return Result{Client: c.Client, Workload: c.Workload, Size: c.Size, Messages: n, Seconds: s,
		MsgsPerS: rate, MBPerS: rate * float64(c.Size) / (1 << 20), Settings: settings}
}

// Emit prints r as the program's one line of output.
func Emit(r Result) {
	line, err := json.Marshal(r)
	if err != nil {
		Fatalf("encode result: %v", err)
	}
	fmt.Println(string(line))
}

// Fatalf reports a failure on stderr and exits with status 1.
func Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// Payload is a value of size pseudo-random (incompressible) bytes, the same for every
// client.
func Payload(size int) []byte {
	b := make([]byte, size)
	rand.New(rand.NewSource(42)).Read(b)
	return b
}

// StampSize is the length of the send time at the front of a latency value.
const StampSize = 8

// Stamp writes t (unix nanoseconds, big-endian) into the first 8 bytes of value.
// A zero stamp marks a warm-up message, which latency ignores.
func Stamp(value []byte, t time.Time) {
	binary.BigEndian.PutUint64(value, uint64(t.UnixNano()))
}

// Stamped is the send time in value, in unix nanoseconds; 0 for a warm-up message or
// a value too short to carry one.
func Stamped(value []byte) int64 {
	if len(value) < StampSize {
		return 0
	}
	return int64(binary.BigEndian.Uint64(value))
}

// Pacer spaces sends evenly at a fixed rate from the first call to Wait. It paces on
// an absolute schedule, so a late send is followed by quicker ones until the schedule
// is met again.
type Pacer struct {
	interval time.Duration
	start    time.Time
}

// NewPacer paces rate messages per second.
func NewPacer(rate int) *Pacer {
	return &Pacer{interval: time.Second / time.Duration(rate)}
}

// Wait returns when message i (from 0) is due, calling idle while it waits (nil:
// just sleep). idle should return quickly.
func (p *Pacer) Wait(i int, idle func()) {
	if i == 0 {
		p.start = time.Now()
		return
	}
	due := p.start.Add(time.Duration(i) * p.interval)
	for {
		d := time.Until(due)
		if d <= 0 {
			return
		}
		if idle != nil {
			idle()
			if d = time.Until(due); d <= 0 {
				return
			}
		}
		time.Sleep(min(d, time.Millisecond))
	}
}

// Latency records end-to-end latencies, in microseconds, from 1µs to 60s with three
// significant digits. It is not safe for concurrent use.
type Latency struct {
	h     *hdrhistogram.Histogram
	Count int
}

// NewLatency is an empty histogram.
func NewLatency() *Latency {
	return &Latency{h: hdrhistogram.New(1, 60_000_000, 3)}
}

// Record notes a message stamped sentNanos and received at now. It reports whether the
// message was a measured one (warm-up messages, stamped 0, are not).
func (l *Latency) Record(sentNanos int64, now time.Time) bool {
	if sentNanos == 0 {
		return false
	}
	us := max(now.UnixNano()-sentNanos, 0) / 1000
	if err := l.h.RecordValue(min(us, l.h.HighestTrackableValue())); err != nil {
		Fatalf("record latency: %v", err)
	}
	l.Count++
	return true
}

// Fill writes the percentiles into r.
func (l *Latency) Fill(r *Result) {
	ms := func(q float64) *float64 {
		v := float64(l.h.ValueAtQuantile(q)) / 1000
		return &v
	}
	r.P50Ms, r.P99Ms, r.P999Ms = ms(50), ms(99), ms(99.9)
}
