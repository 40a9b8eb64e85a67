// Command franzgo is the benchmark client for franz-go (github.com/twmb/franz-go/pkg/kgo),
// run by the bench driver as its own process; the flags and the one JSON line it prints
// are described in package harness.
//
// How the matched settings map onto kgo:
//
//   - acks=all: RequiredAcks(AllISRAcks()) (also kgo's default).
//   - idempotence: kgo's default (DisableIdempotentWrite is not used), which allows up
//     to 5 produce requests in flight per broker.
//   - linger: ProducerLinger(-linger-ms).
//   - batch size: ProducerBatchMaxBytes(-batch-size), the cap of one partition's record
//     batch (Kafka's max.message.bytes; kgo has no separate batch.size).
//   - no compression: ProducerBatchCompression(NoCompression()); kgo's default is
//     snappy.
//   - MaxBufferedRecords(100000), librdkafka's default queue.buffering.max.messages
//     (the other clients do not block a producer this early: sarama's and kafka-go's
//     buffers are unbounded). kgo's default of 10000 blocks Produce until records are
//     acknowledged and cost about 40% of the 100-byte produce rate in trials here.
//   - everything else is kgo's default and is written into the settings as such
//     (partitioner, fetch sizes and wait).
//
// Workloads:
//
//   - produce: Client.Produce with a callback per record (kgo's asynchronous path),
//     every record carrying the same random value; time from the first Produce to the
//     callback of the last acknowledged record. Any failed record fails the run.
//   - consume: ConsumePartitions with AtStart for every partition of the topic, no
//     group; PollFetches until N records; time from the first record batch decoded by
//     the client (a HookFetchBatchRead, since one poll may hand over megabytes at
//     once) to the poll that completes N records.
//   - latency: a consumer client starts at the end of every partition; warm-up records
//     (stamp 0, keyed so they spread over the partitions) are sent until each partition
//     has delivered one, which shows the consumer is positioned and fetching; then N
//     records are produced at -rate with the send time in the value.
//     "seconds" is the time taken to send them; the latency of each is its receive time
//     minus its stamp, in the harness's HDR histogram.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rdstreams/rdstreams/bench/internal/harness"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	client             = "franz-go"
	maxBufferedRecords = 100_000
)

func main() {
	harness.Run(client, harness.Workloads{Produce: produce, Consume: consume, Latency: latency})
}

// producerOpts are the producer's options and their description for the result.
func producerOpts(cfg harness.Config) ([]kgo.Opt, map[string]any) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Bootstrap),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(time.Duration(cfg.LingerMs) * time.Millisecond),
		kgo.ProducerBatchMaxBytes(int32(cfg.BatchSize)),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.MaxBufferedRecords(maxBufferedRecords),
	}
	settings := map[string]any{
		"library":                  harness.ModuleVersion("github.com/twmb/franz-go"),
		"acks":                     "all (RequiredAcks(AllISRAcks()))",
		"idempotence":              true,
		"idempotence_note":         "kgo default; up to 5 produce requests in flight per broker",
		"linger_ms":                cfg.LingerMs,
		"producer_batch_max_bytes": cfg.BatchSize,
		"compression":              "none (ProducerBatchCompression(NoCompression()))",
		"partitioner":              "default UniformBytesPartitioner(64KiB, adaptive, keys)",
		"max_buffered_records":     maxBufferedRecords,
		"value":                    "one random value of -size bytes shared by every record, no key",
	}
	return opts, settings
}

func produce(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	opts, settings := producerOpts(cfg)
	settings["api"] = "Client.Produce with a callback per record, no Flush in the timed loop"
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return harness.Result{}, err
	}
	defer cl.Close()

	n := int64(cfg.Messages)
	var (
		acked, finished atomic.Int64
		lastAck         atomic.Int64 // unix nanos of the N-th callback
		firstErr        error
		errOnce         sync.Once
		done            = make(chan struct{})
	)
	onAck := func(_ *kgo.Record, err error) {
		if err != nil {
			errOnce.Do(func() { firstErr = err })
		} else {
			acked.Add(1)
		}
		if finished.Add(1) == n {
			lastAck.Store(time.Now().UnixNano())
			close(done)
		}
	}

	value := harness.Payload(cfg.Size)
	start := time.Now()
	for i := int64(0); i < n; i++ {
		cl.Produce(ctx, &kgo.Record{Value: value}, onAck)
	}
	select {
	case <-done:
	case <-ctx.Done():
		return harness.Result{}, fmt.Errorf("%d of %d records acknowledged: %w", acked.Load(), n, ctx.Err())
	}
	if firstErr != nil || acked.Load() != n {
		return harness.Result{}, fmt.Errorf("%d of %d records acknowledged, first error: %v", acked.Load(), n, firstErr)
	}
	elapsed := time.Unix(0, lastAck.Load()).Sub(start)
	return cfg.Throughput(cfg.Messages, elapsed, settings), nil
}

// consumerClient is a client consuming every partition of the topic, no group, from
// offset (AtStart or AtEnd), and the number of partitions.
func consumerClient(ctx context.Context, cfg harness.Config, offset kgo.Offset, opts ...kgo.Opt) (*kgo.Client, []int32, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Bootstrap)}, opts...)...)
	if err != nil {
		return nil, nil, err
	}
	parts, err := partitions(ctx, cl, cfg.Topic)
	if err != nil {
		cl.Close()
		return nil, nil, err
	}
	offsets := make(map[int32]kgo.Offset, len(parts))
	for _, p := range parts {
		offsets[p] = offset
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{cfg.Topic: offsets})
	return cl, parts, nil
}

func consumerSettings(start string) map[string]any {
	return map[string]any{
		"library":                   harness.ModuleVersion("github.com/twmb/franz-go"),
		"api":                       "ConsumePartitions (AddConsumePartitions) + PollFetches, no group",
		"start":                     start,
		"fetch_max_bytes":           "default 50MiB",
		"fetch_max_partition_bytes": "default 1MiB",
		"fetch_max_wait":            "default 5s",
		"fetch_min_bytes":           "default 1",
	}
}

// partitions lists the topic's partitions with a metadata request.
func partitions(ctx context.Context, cl *kgo.Client, topic string) ([]int32, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if len(resp.Topics) != 1 {
		return nil, fmt.Errorf("metadata: %d topics in the answer", len(resp.Topics))
	}
	if err := kerr.ErrorForCode(resp.Topics[0].ErrorCode); err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	var parts []int32
	for _, p := range resp.Topics[0].Partitions {
		parts = append(parts, p.Partition)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("topic %s has no partitions", topic)
	}
	return parts, nil
}

// firstBatch is a hook noting when the client decoded its first record batch.
type firstBatch struct{ at atomic.Int64 } // unix nanos

func (f *firstBatch) OnFetchBatchRead(kgo.BrokerMetadata, string, int32, kgo.FetchBatchMetrics) {
	if f.at.Load() == 0 {
		f.at.CompareAndSwap(0, time.Now().UnixNano())
	}
}

func consume(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	var hook firstBatch
	cl, _, err := consumerClient(ctx, cfg, kgo.NewOffset().AtStart(), kgo.WithHooks(&hook))
	if err != nil {
		return harness.Result{}, err
	}
	defer cl.Close()

	var (
		n       int
		badSize bool
	)
	for n < cfg.Messages {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return harness.Result{}, fmt.Errorf("%d of %d records: %w", n, cfg.Messages, err)
		}
		if err := fetchError(fs); err != nil {
			return harness.Result{}, err
		}
		fs.EachRecord(func(r *kgo.Record) {
			n++
			badSize = badSize || len(r.Value) != cfg.Size
		})
	}
	elapsed := time.Since(time.Unix(0, hook.at.Load()))
	if badSize {
		return harness.Result{}, fmt.Errorf("a value is not %d bytes long (-size does not match the topic)", cfg.Size)
	}
	settings := consumerSettings("AtStart")
	settings["timing"] = "from the first record batch decoded (HookFetchBatchRead) to the poll completing N records"
	return cfg.Throughput(cfg.Messages, elapsed, settings), nil
}

func fetchError(fs kgo.Fetches) error {
	var errs []error
	fs.EachError(func(t string, p int32, err error) {
		errs = append(errs, fmt.Errorf("fetch %s/%d: %w", t, p, err))
	})
	return errors.Join(errs...)
}

func latency(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	cons, parts, err := consumerClient(ctx, cfg, kgo.NewOffset().AtEnd())
	if err != nil {
		return harness.Result{}, err
	}
	defer cons.Close()
	opts, settings := producerOpts(cfg)
	prod, err := kgo.NewClient(opts...)
	if err != nil {
		return harness.Result{}, err
	}
	defer prod.Close()

	// The consumer: warm-up records mark their partition as seen; when every partition
	// has been seen, the receiver is positioned (harness.Receiver). Stamped records go into the histogram.
	recv := harness.NewReceiver(cfg.Messages)
	recv.SetPartitions(len(parts))
	consumed := make(chan error, 1)
	go func() {
		for recv.Count() < cfg.Messages {
			fs := cons.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				consumed <- err
				return
			}
			if err := fetchError(fs); err != nil {
				consumed <- err
				return
			}
			fs.EachRecord(func(r *kgo.Record) { recv.Receive(r.Partition, r.Value, time.Now()) })
		}
		consumed <- nil
	}()

	var (
		sent, acked atomic.Int64
		produceErr  = make(chan error, 1)
	)
	onAck := func(_ *kgo.Record, err error) {
		if err != nil {
			select {
			case produceErr <- err:
			default:
			}
			return
		}
		acked.Add(1)
	}
	send := func(value, key []byte) {
		sent.Add(1)
		prod.Produce(ctx, &kgo.Record{Key: key, Value: value}, onAck)
	}

	payload := harness.Payload(cfg.Size)
	sendKeyed := func(value, key []byte) error { send(value, key); return nil }
	if err := harness.WarmUp(ctx, len(parts), payload, sendKeyed, recv.Positioned(), consumed); err != nil {
		return harness.Result{}, err
	}
	if err := prod.Flush(ctx); err != nil { // warm-up records acknowledged before timing
		return harness.Result{}, err
	}

	// sending: the time taken to send N at -rate
	sending, _ := harness.SendStamped(cfg, payload, func(value []byte) error { send(value, nil); return nil })
	select {
	case err := <-consumed:
		if err != nil {
			return harness.Result{}, fmt.Errorf("consumer after %d of %d records: %w", recv.Count(), cfg.Messages, err)
		}
	case err := <-produceErr:
		return harness.Result{}, fmt.Errorf("produce: %w", err)
	}
	if err := prod.Flush(ctx); err != nil {
		return harness.Result{}, err
	}
	if acked.Load() != sent.Load() {
		return harness.Result{}, fmt.Errorf("%d of %d records acknowledged", acked.Load(), sent.Load())
	}

	settings["api"] = "Client.Produce with a callback per record, paced by harness.Pacer; consumer " +
		"PollFetches on its own client"
	settings["consumer"] = consumerSettings("AtEnd, positioned once every partition delivered a warm-up record")
	settings["rate"] = cfg.Rate
	res := cfg.Throughput(cfg.Messages, sending, settings)
	recv.Fill(&res)
	return res, nil
}
