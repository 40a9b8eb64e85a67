// Command kafkago is the benchmark client for segmentio/kafka-go
// (github.com/segmentio/kafka-go), run by the bench driver as its own process; the flags
// and the one JSON line it prints are described in package harness.
//
// How the matched settings map onto kafka.Writer:
//
//   - acks=all: RequiredAcks = RequireAll.
//   - idempotence: not available. kafka-go has no idempotent producer (no producer
//     id, no sequence numbers); the result says "idempotence": false. Each partition
//     has one produce request in flight at a time.
//   - linger: BatchTimeout = -linger-ms (kafka-go reads 0 as its 1 s default, so a
//     linger of 0 becomes 1µs).
//   - batch size: BatchBytes = -batch-size, and BatchSize (a message count, default
//     100) = -batch-size / -size, so that the byte limit is the one that binds.
//   - no compression: Compression left unset (none).
//   - everything else is kafka-go's default and is written into the settings as such
//     (RoundRobin balancer, reader MinBytes/MaxBytes/MaxWait/QueueCapacity).
//
// Workloads:
//
//   - produce: Async = true with a Completion callback counting acknowledged messages,
//     fed by WriteMessages calls of writeChunk messages each (kafka-go's API takes a
//     slice, and one call per message costs a map and a partition lookup per message:
//     in trials here, 100-byte values, one message per call reached 220-270k msg/s
//     against about 400k with 1000). Time from the first WriteMessages to the last
//     Completion. Any failed batch fails the run.
//   - consume: one Reader per partition (Partition set, no group, offset FirstOffset),
//     each read with ReadMessage in its own goroutine; time from the first message to
//     the N-th.
//   - latency: one Reader per partition at LastOffset; warm-up messages (stamp 0; the
//     round-robin balancer spreads them) are sent until each partition has delivered
//     one, which shows the readers are positioned and fetching; then N messages are
//     produced at -rate with the send time in the value, one WriteMessages per message.
//     "seconds" is the time taken to send them; the latency of each is its receive time
//     minus its stamp, in the harness's HDR histogram.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rdstreams/rdstreams/bench/internal/harness"
	"github.com/segmentio/kafka-go"
)

const (
	client = "kafka-go"
	// writeChunk is how many messages the produce workload hands to one WriteMessages.
	writeChunk = 1000
)

func main() {
	harness.Run(client, harness.Workloads{Produce: produce, Consume: consume, Latency: latency})
}

// acks counts what an asynchronous Writer reports to its Completion callback.
type acks struct {
	ok, failed atomic.Int64
	lastAck    atomic.Int64 // unix nanos of the latest completion
	mu         sync.Mutex
	err        error
}

func (a *acks) completion(msgs []kafka.Message, err error) {
	if err != nil {
		a.mu.Lock()
		if a.err == nil {
			a.err = err
		}
		a.mu.Unlock()
		a.failed.Add(int64(len(msgs)))
		return
	}
	now := time.Now().UnixNano() // completions of different partitions may race
	for last := a.lastAck.Load(); now > last && !a.lastAck.CompareAndSwap(last, now); last = a.lastAck.Load() {
	}
	a.ok.Add(int64(len(msgs)))
}

// wait returns when n messages have completed, or ctx ends.
func (a *acks) wait(ctx context.Context, n int64) error {
	for a.ok.Load()+a.failed.Load() < n {
		if ctx.Err() != nil {
			return fmt.Errorf("%d of %d messages acknowledged: %w", a.ok.Load(), n, ctx.Err())
		}
		time.Sleep(time.Millisecond) // the time is taken in completion, not here
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failed.Load() > 0 {
		return fmt.Errorf("%d of %d messages failed, first error: %w", a.failed.Load(), n, a.err)
	}
	return nil
}

// writer is the asynchronous Writer and its description for the result.
func writer(cfg harness.Config, a *acks) (*kafka.Writer, map[string]any) {
	linger := time.Duration(cfg.LingerMs) * time.Millisecond
	if linger == 0 {
		linger = time.Microsecond
	}
	batchMessages := max(1, cfg.BatchSize/max(1, cfg.Size))
	w := &kafka.Writer{
		Addr:         kafka.TCP(cfg.Bootstrap),
		Topic:        cfg.Topic,
		Balancer:     &kafka.RoundRobin{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: linger,
		BatchBytes:   int64(cfg.BatchSize),
		BatchSize:    batchMessages,
		Async:        true,
		Completion:   a.completion,
	}
	settings := map[string]any{
		"library":          harness.ModuleVersion("github.com/segmentio/kafka-go"),
		"acks":             "all (RequiredAcks = RequireAll)",
		"idempotence":      false,
		"idempotence_note": "kafka-go has no idempotent producer",
		"linger_ms":        cfg.LingerMs,
		"batch_timeout":    linger.String(),
		"batch_bytes":      w.BatchBytes,
		"batch_size":       w.BatchSize,
		"compression":      "none",
		"balancer":         "RoundRobin (default)",
		"max_attempts":     "default 10",
		"async":            true,
		"value":            "one random value of -size bytes shared by every message, no key",
	}
	return w, settings
}

func produce(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	var a acks
	w, settings := writer(cfg, &a)
	defer w.Close()
	settings["api"] = fmt.Sprintf("Writer.Async with a Completion callback; WriteMessages with %d messages per call", writeChunk)
	settings["write_messages_per_call"] = writeChunk

	value := harness.Payload(cfg.Size)
	chunk := make([]kafka.Message, writeChunk) // the Writer copies the Message structs
	for i := range chunk {
		chunk[i].Value = value
	}
	n := cfg.Messages
	start := time.Now()
	for i := 0; i < n; i += writeChunk {
		if err := w.WriteMessages(ctx, chunk[:min(writeChunk, n-i)]...); err != nil {
			return harness.Result{}, err
		}
	}
	if err := a.wait(ctx, int64(n)); err != nil {
		return harness.Result{}, err
	}
	elapsed := time.Unix(0, a.lastAck.Load()).Sub(start)
	return cfg.Throughput(n, elapsed, settings), nil
}

// readers starts one Reader per partition of the topic at offset, each read by its own
// goroutine that calls handle with every message; read errors go to errs. stop ends
// the reading.
func readers(ctx context.Context, cfg harness.Config, offset int64, handle func(kafka.Message),
	errs chan<- error) (int, map[string]any, func(), error) {
	conn, err := kafka.DialContext(ctx, "tcp", cfg.Bootstrap)
	if err != nil {
		return 0, nil, nil, err
	}
	parts, err := conn.ReadPartitions(cfg.Topic)
	conn.Close()
	if err != nil {
		return 0, nil, nil, fmt.Errorf("partitions of %s: %w", cfg.Topic, err)
	}
	if len(parts) == 0 {
		return 0, nil, nil, fmt.Errorf("topic %s has no partitions", cfg.Topic)
	}

	ctx, cancel := context.WithCancel(ctx)
	var rc kafka.ReaderConfig
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers:   []string{cfg.Bootstrap},
			Topic:     cfg.Topic,
			Partition: p.ID,
		})
		if err := r.SetOffset(offset); err != nil {
			cancel()
			return 0, nil, nil, err
		}
		rc = r.Config()
		go func() {
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					if ctx.Err() == nil && !errors.Is(err, io.EOF) {
						select {
						case errs <- fmt.Errorf("partition %d: %w", p.ID, err):
						default:
						}
					}
					return
				}
				handle(m)
			}
		}()
	}
	settings := map[string]any{
		"library":        harness.ModuleVersion("github.com/segmentio/kafka-go"),
		"api":            "one Reader per partition (Partition set, no group), ReadMessage in a goroutine each",
		"min_bytes":      rc.MinBytes,
		"max_bytes":      rc.MaxBytes,
		"max_wait":       rc.MaxWait.String(),
		"queue_capacity": rc.QueueCapacity,
	}
	// stop ends the reading goroutines. The readers are not closed: Reader.Close waits
	// out a fetch long-poll (MaxWait, 10s by default) and the process ends right after.
	stop := cancel
	return len(parts), settings, stop, nil
}

func consume(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	tally := harness.NewConsumeTally(cfg)
	errs := make(chan error, 1)
	handle := func(m kafka.Message) { tally.Record(len(m.Value)) }
	_, settings, stop, err := readers(ctx, cfg, kafka.FirstOffset, handle, errs)
	if err != nil {
		return harness.Result{}, err
	}
	defer stop()
	settings["start"] = "FirstOffset"
	return tally.Wait(ctx, errs, settings)
}

func latency(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	// The readers: warm-up messages mark their partition as seen; when every partition
	// has been seen, the receiver is positioned (harness.Receiver). Stamped messages go into the histogram.
	recv := harness.NewReceiver(cfg.Messages)
	errs := make(chan error, 1)
	handle := func(m kafka.Message) { recv.Receive(int32(m.Partition), m.Value, time.Now()) }
	nparts, readSettings, stop, err := readers(ctx, cfg, kafka.LastOffset, handle, errs)
	recv.SetPartitions(nparts)
	if err != nil {
		return harness.Result{}, err
	}
	defer stop()
	readSettings["start"] = "LastOffset, positioned once every partition delivered a warm-up message"

	var a acks
	w, settings := writer(cfg, &a)
	defer w.Close()
	var sent int64
	send := func(value []byte) error {
		sent++
		return w.WriteMessages(ctx, kafka.Message{Value: value})
	}

	// Warm-up (harness.WarmUp; kafka-go's writer balances round-robin, keys unused), then
	// wait for the warm-up messages' acknowledgements.
	payload := harness.Payload(cfg.Size)
	if err := harness.WarmUp(ctx, nparts, payload, func(value, _ []byte) error { return send(value) }, recv.Positioned(), errs); err != nil {
		return harness.Result{}, err
	}
	if err := a.wait(ctx, sent); err != nil {
		return harness.Result{}, err
	}

	// sending: the time taken to send N at -rate
	sending, err := harness.SendStamped(cfg, payload, send)
	if err != nil {
		return harness.Result{}, err
	}
	if err := a.wait(ctx, sent); err != nil {
		return harness.Result{}, err
	}
	select {
	case <-recv.Done():
	case err := <-errs:
		return harness.Result{}, fmt.Errorf("reader: %w", err)
	case <-ctx.Done():
		return harness.Result{}, fmt.Errorf("readers received %d of %d messages: %w", recv.Count(), cfg.Messages, ctx.Err())
	}

	settings["api"] = "Writer.Async with a Completion callback, one WriteMessages per message paced by harness.Pacer; " +
		"readers as in consume"
	settings["consumer"] = readSettings
	settings["rate"] = cfg.Rate
	res := cfg.Throughput(cfg.Messages, sending, settings)
	recv.Fill(&res)
	return res, nil
}
