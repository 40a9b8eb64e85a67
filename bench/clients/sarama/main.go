// Command sarama is the benchmark client for IBM/sarama (github.com/IBM/sarama), run by
// the bench driver as its own process; the flags and the one JSON line it prints are
// described in package harness.
//
// How the matched settings map onto sarama.Config:
//
//   - protocol: Version = sarama.MaxVersion (4.0.0, the newest this sarama knows; the
//     broker is 4.1; sarama's default is 2.1.0, and idempotence needs at least 0.11).
//   - acks=all: Producer.RequiredAcks = WaitForAll.
//   - idempotence: Producer.Idempotent = true, which sarama only accepts with
//     Net.MaxOpenRequests = 1 (one produce request in flight per broker) and retries.
//   - linger: Producer.Flush.Frequency = -linger-ms.
//   - batch size: Producer.Flush.Bytes = -batch-size (a flush is triggered once this
//     much is buffered) and Producer.MaxMessageBytes = -batch-size (sarama caps one
//     partition's record batch at MaxMessageBytes).
//   - no compression: Producer.Compression = CompressionNone (sarama's default).
//   - everything else is sarama's default and is written into the settings as such
//     (partitioner, ChannelBufferSize, fetch sizes and wait).
//
// Workloads:
//
//   - produce: AsyncProducer, one goroutine feeding Input() and two draining
//     Successes() and Errors(); time from the first message handed to Input() to the
//     last acknowledgement. Any error fails the run.
//   - consume: Consumer.ConsumePartition(OffsetOldest) for every partition, no group,
//     one goroutine draining each partition's Messages(); time from the first message
//     to the N-th.
//   - latency: ConsumePartition(OffsetNewest) for every partition; warm-up messages
//     (stamp 0, keyed so they spread over the partitions) are sent until each partition
//     has delivered one, which shows the consumer is positioned and fetching; then N
//     messages are produced at -rate with the send time in the value.
//     "seconds" is the time taken to send them; the latency of each is its receive time
//     minus its stamp, in the harness's HDR histogram.
package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/rdstreams/rdstreams/bench/internal/harness"
)

const client = "sarama"

func main() {
	harness.Run(client, harness.Workloads{Produce: produce, Consume: consume, Latency: latency})
}

// baseConfig is what producer and consumer share.
func baseConfig() *sarama.Config {
	sc := sarama.NewConfig()
	sc.ClientID = "bench-sarama"
	sc.Version = sarama.MaxVersion
	sc.Metadata.AllowAutoTopicCreation = false // the driver creates the topic
	return sc
}

// producerConfig is the producer's configuration and its description for the result.
func producerConfig(cfg harness.Config) (*sarama.Config, map[string]any) {
	sc := baseConfig()
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Idempotent = true
	sc.Net.MaxOpenRequests = 1
	sc.Producer.Return.Successes = true
	sc.Producer.Return.Errors = true
	sc.Producer.Compression = sarama.CompressionNone
	sc.Producer.MaxMessageBytes = cfg.BatchSize
	flushBytes := 0
	if cfg.LingerMs > 0 { // sarama refuses Flush.Bytes without a Flush.Frequency
		sc.Producer.Flush.Frequency = time.Duration(cfg.LingerMs) * time.Millisecond
		flushBytes = cfg.BatchSize
		sc.Producer.Flush.Bytes = flushBytes
	}
	settings := map[string]any{
		"library":                    harness.ModuleVersion("github.com/IBM/sarama"),
		"version":                    sc.Version.String(),
		"acks":                       "all (Producer.RequiredAcks = WaitForAll)",
		"idempotence":                true,
		"net_max_open_requests":      sc.Net.MaxOpenRequests,
		"producer_retry_max":         sc.Producer.Retry.Max,
		"linger_ms":                  cfg.LingerMs,
		"producer_flush_frequency":   sc.Producer.Flush.Frequency.String(),
		"producer_flush_bytes":       flushBytes,
		"producer_flush_messages":    sc.Producer.Flush.Messages,
		"producer_max_message_bytes": sc.Producer.MaxMessageBytes,
		"compression":                "none",
		"partitioner":                "default NewHashPartitioner (random for keyless messages)",
		"channel_buffer_size":        sc.ChannelBufferSize,
		"metadata_auto_create":       false,
		"value":                      "one random value of -size bytes shared by every message, no key",
	}
	return sc, settings
}

// asyncProducer is an AsyncProducer whose Successes and Errors are drained: ok counts
// the acknowledged messages, failed those that failed, and err holds the first error.
type asyncProducer struct {
	sarama.AsyncProducer
	ok, failed atomic.Int64
	lastAck    atomic.Int64 // unix nanos of the latest acknowledgement
	mu         sync.Mutex
	err        error
	drained    sync.WaitGroup
}

func newAsyncProducer(cfg harness.Config, sc *sarama.Config) (*asyncProducer, error) {
	ap, err := sarama.NewAsyncProducer([]string{cfg.Bootstrap}, sc)
	if err != nil {
		return nil, err
	}
	p := &asyncProducer{AsyncProducer: ap}
	p.drained.Add(2)
	go func() {
		defer p.drained.Done()
		for range ap.Successes() {
			p.lastAck.Store(time.Now().UnixNano())
			p.ok.Add(1)
		}
	}()
	go func() {
		defer p.drained.Done()
		for e := range ap.Errors() {
			p.mu.Lock()
			if p.err == nil {
				p.err = e.Err
			}
			p.mu.Unlock()
			p.failed.Add(1)
		}
	}()
	return p, nil
}

// wait returns when n messages have been acknowledged or failed, or ctx ends.
func (p *asyncProducer) wait(ctx context.Context, n int64) error {
	for p.ok.Load()+p.failed.Load() < n {
		if ctx.Err() != nil {
			return fmt.Errorf("%d of %d messages acknowledged: %w", p.ok.Load(), n, ctx.Err())
		}
		time.Sleep(time.Millisecond) // the time is taken by the drains, not here
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed.Load() > 0 {
		return fmt.Errorf("%d of %d messages failed, first error: %w", p.failed.Load(), n, p.err)
	}
	return nil
}

// close flushes and closes the producer and waits for the drains to end.
func (p *asyncProducer) close() error {
	err := p.Close()
	p.drained.Wait()
	return err
}

func produce(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	sc, settings := producerConfig(cfg)
	settings["api"] = "AsyncProducer: Input() fed from one goroutine, Successes() and Errors() drained by two"
	p, err := newAsyncProducer(cfg, sc)
	if err != nil {
		return harness.Result{}, err
	}
	defer p.close()

	value := sarama.ByteEncoder(harness.Payload(cfg.Size))
	n := int64(cfg.Messages)
	start := time.Now()
	for i := int64(0); i < n; i++ {
		select {
		case p.Input() <- &sarama.ProducerMessage{Topic: cfg.Topic, Value: value}:
		case <-ctx.Done():
			return harness.Result{}, fmt.Errorf("%d of %d messages sent: %w", i, n, ctx.Err())
		}
	}
	if err := p.wait(ctx, n); err != nil {
		return harness.Result{}, err
	}
	elapsed := time.Unix(0, p.lastAck.Load()).Sub(start)
	return cfg.Throughput(cfg.Messages, elapsed, settings), nil
}

// partitionConsumers starts one PartitionConsumer at offset for every partition of
// the topic and calls handle, from one goroutine per partition, with each message.
// Errors of the partition consumers go to errs.
func partitionConsumers(cfg harness.Config, offset int64, handle func(*sarama.ConsumerMessage),
	errs chan<- error) (sarama.Consumer, int, map[string]any, error) {
	sc := baseConfig()
	sc.Consumer.Return.Errors = true
	c, err := sarama.NewConsumer([]string{cfg.Bootstrap}, sc)
	if err != nil {
		return nil, 0, nil, err
	}
	parts, err := c.Partitions(cfg.Topic)
	if err != nil {
		c.Close()
		return nil, 0, nil, err
	}
	for _, part := range parts {
		pc, err := c.ConsumePartition(cfg.Topic, part, offset)
		if err != nil {
			c.Close()
			return nil, 0, nil, fmt.Errorf("partition %d: %w", part, err)
		}
		go func() {
			for m := range pc.Messages() {
				handle(m)
			}
		}()
		go func() {
			for e := range pc.Errors() {
				select {
				case errs <- e:
				default:
				}
			}
		}()
	}
	settings := map[string]any{
		"library":                 harness.ModuleVersion("github.com/IBM/sarama"),
		"version":                 sc.Version.String(),
		"api":                     "Consumer.ConsumePartition per partition, one goroutine draining each Messages(), no group",
		"consumer_fetch_min":      sc.Consumer.Fetch.Min,
		"consumer_fetch_default":  sc.Consumer.Fetch.Default,
		"consumer_fetch_max":      sc.Consumer.Fetch.Max,
		"consumer_max_wait_time":  sc.Consumer.MaxWaitTime.String(),
		"consumer_max_processing": sc.Consumer.MaxProcessingTime.String(),
		"channel_buffer_size":     sc.ChannelBufferSize,
		"consumer_return_errors":  true,
	}
	return c, len(parts), settings, nil
}

func consume(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	tally := harness.NewConsumeTally(cfg)
	errs := make(chan error, 1)
	handle := func(m *sarama.ConsumerMessage) { tally.Record(len(m.Value)) }
	c, _, settings, err := partitionConsumers(cfg, sarama.OffsetOldest, handle, errs)
	if err != nil {
		return harness.Result{}, err
	}
	defer c.Close()
	settings["start"] = "OffsetOldest"
	return tally.Wait(ctx, errs, settings)
}

func latency(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	// The consumer: warm-up messages mark their partition as seen; when every partition
	// has been seen, the receiver is positioned (harness.Receiver). Stamped messages go into the histogram.
	recv := harness.NewReceiver(cfg.Messages)
	errs := make(chan error, 1)
	handle := func(m *sarama.ConsumerMessage) { recv.Receive(m.Partition, m.Value, time.Now()) }
	c, nparts, consSettings, err := partitionConsumers(cfg, sarama.OffsetNewest, handle, errs)
	recv.SetPartitions(nparts)
	if err != nil {
		return harness.Result{}, err
	}
	defer c.Close()
	consSettings["start"] = "OffsetNewest, positioned once every partition delivered a warm-up message"

	sc, settings := producerConfig(cfg)
	p, err := newAsyncProducer(cfg, sc)
	if err != nil {
		return harness.Result{}, err
	}
	defer p.close()

	var sent int64
	send := func(value, key []byte) error {
		m := &sarama.ProducerMessage{Topic: cfg.Topic, Value: sarama.ByteEncoder(value)}
		if key != nil {
			m.Key = sarama.ByteEncoder(key)
		}
		select {
		case p.Input() <- m:
			sent++
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	// Warm-up (harness.WarmUp), then wait for the warm-up messages' acknowledgements.
	payload := harness.Payload(cfg.Size)
	if err := harness.WarmUp(ctx, nparts, payload, send, recv.Positioned(), errs); err != nil {
		return harness.Result{}, err
	}
	if err := p.wait(ctx, sent); err != nil {
		return harness.Result{}, err
	}

	// sending: the time taken to send N at -rate
	sending, err := harness.SendStamped(cfg, payload, func(value []byte) error { return send(value, nil) })
	if err != nil {
		return harness.Result{}, err
	}
	if err := p.wait(ctx, sent); err != nil {
		return harness.Result{}, err
	}
	select {
	case <-recv.Done():
	case err := <-errs:
		return harness.Result{}, fmt.Errorf("consumer: %w", err)
	case <-ctx.Done():
		return harness.Result{}, fmt.Errorf("consumer received %d of %d messages: %w", recv.Count(), cfg.Messages, ctx.Err())
	}

	settings["api"] = "AsyncProducer paced by harness.Pacer, Successes() and Errors() drained; consumer on its own sarama.Consumer"
	settings["consumer"] = consSettings
	settings["rate"] = cfg.Rate
	res := cfg.Throughput(cfg.Messages, sending, settings)
	recv.Fill(&res)
	return res, nil
}
