// Command rdstreams is the benchmark client for rdstreams itself (the working tree,
// through the bench module's replace directive), used as its documentation shows:
// Produce with delivery reports served by Poll on the producing goroutine, and a
// consumer reading with Consume(n), the batch call a user picks for throughput. With
// -produce-batch it is the "rdstreams-batch" row: produce only, through
// Producer.ProduceBatch; with -consume-poll the "rdstreams-poll" row: consume only,
// through Poll, one message per call. See the harness package for flags and output.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/rdstreams/rdstreams/bench/internal/harness"
	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// pollEvery is how many Produce calls go between two Poll(0) that serve delivery
// reports.
const pollEvery = 1024

// batchSize is how many records one ProduceBatch call queues.
const batchSize = 1000

// consumeBatch is how many messages one Consume call asks for.
const consumeBatch = 1000

// batch is -produce-batch: the rdstreams-batch row; poll is -consume-poll: the
// rdstreams-poll row.
var (
	batch = flag.Bool("produce-batch", false, "produce with ProduceBatch (the rdstreams-batch row); no other workload")
	poll  = flag.Bool("consume-poll", false, "consume with Poll (the rdstreams-poll row); no other workload")
)

func main() {
	name := "rdstreams"
	switch { // the name is needed before flags are parsed
	case slices.Contains(os.Args[1:], "-produce-batch"):
		name = "rdstreams-batch"
	case slices.Contains(os.Args[1:], "-consume-poll"):
		name = "rdstreams-poll"
	}
	harness.Run(name, harness.Workloads{
		Produce: infallible(func(cfg harness.Config) harness.Result {
			if *batch {
				return produceBatch(cfg)
			}
			if *poll {
				cfg.Unsupported()
			}
			return produce(cfg)
		}),
		Consume: infallible(func(cfg harness.Config) harness.Result {
			if *batch {
				cfg.Unsupported()
			}
			if *poll {
				return consumePoll(cfg)
			}
			return consume(cfg)
		}),
		Latency: infallible(func(cfg harness.Config) harness.Result {
			if *batch || *poll {
				cfg.Unsupported()
			}
			return latency(cfg)
		}),
	})
}

// infallible adapts a workload that fails the process itself on error.
func infallible(run func(harness.Config) harness.Result) harness.Workload {
	return func(_ context.Context, cfg harness.Config) (harness.Result, error) { return run(cfg), nil }
}

// producerConfig is the producer configuration every workload uses. rdstreams adds
// its own defaults (settings records them).
func producerConfig(cfg harness.Config) map[string]any {
	return map[string]any{
		"bootstrap.servers":  cfg.Bootstrap,
		"acks":               "all",
		"enable.idempotence": true,
		"linger.ms":          cfg.LingerMs,
		"batch.size":         cfg.BatchSize,
		"compression.type":   "none",
	}
}

// consumerConfig reads without a group (rdstreams then disables auto-commit itself),
// with the prefetch settings of the ckgo client (see harness.LibrdkafkaPrefetch).
func consumerConfig(cfg harness.Config) map[string]any {
	m := map[string]any{"bootstrap.servers": cfg.Bootstrap}
	for k, v := range harness.LibrdkafkaPrefetch {
		m[k] = v
	}
	return m
}

// settings lists every setting of the run: what the program sets, the defaults
// rdstreams applies on top of librdkafka's, and how the API is driven.
func settings(cfg harness.Config) map[string]any {
	s := map[string]any{
		"library":  "github.com/rdstreams/rdstreams (working tree): producer and consumer on its own engine over librdkafka 2.11.1 (carried by confluent-kafka-go v2.11.1)",
		"producer": producerConfig(cfg),
		"producer_rdstreams_defaults": map[string]any{
			"partitioner": "murmur2_random",
			"log.queue":   "true (librdkafka logs forwarded to slog)",
			"events":      "delivery reports (key, value, headers, timestamp), errors, statistics through the main queue",
		},
		"consumer": consumerConfig(cfg),
		"consumer_rdstreams_defaults": map[string]any{
			"group.id": "rdstreams-no-group-<random>", "enable.auto.commit": false,
			"enable.auto.offset.store": "false (rdstreams tracks offsets itself)",
			"log.queue":                "true (librdkafka logs forwarded to slog)",
			"events":                   "messages, rebalances, errors, statistics, commit results through the consumer queue",
		},
	}
	switch cfg.Workload {
	case "produce":
		s["api"] = "Produce(topic, value); Poll(0) every 1024 messages, Poll(100ms) on ErrBufferFull; Flush at the end"
		if *batch {
			s["api"] = "ProduceBatch(topic, PartitionAny, 1000 records); Poll(0) after each batch, Poll(100ms) on ErrBufferFull; Flush at the end"
		}
		s["warm_up"] = harness.WarmUpNote
	case "consume":
		s["api"] = fmt.Sprintf("Assign(all partitions, OffsetBeginning); Consume(%d, 1s) per batch", consumeBatch)
		if *poll {
			s["api"] = "Assign(all partitions, OffsetBeginning); Poll(1s) per message"
		}
	case "latency":
		s["api"] = "paced Produce with Poll(0) while waiting; consumer Poll(100ms) on its own goroutine, assigned at OffsetEnd"
		s["rate"] = cfg.Rate
	}
	return s
}

// partitions is the topic's partition ids, from the cluster's metadata.
func partitions(cfg harness.Config) []int32 {
	cl, err := cluster.New(map[string]any{"bootstrap.servers": cfg.Bootstrap})
	if err != nil {
		harness.Fatalf("cluster: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t, err := cl.TopicMetadata(ctx, cfg.Topic)
	if err != nil {
		harness.Fatalf("metadata of %s: %v", cfg.Topic, err)
	}
	ids := make([]int32, len(t.Partitions))
	for i, p := range t.Partitions {
		ids[i] = p.ID
	}
	return ids
}

// newConsumer is a consumer assigned every partition of the topic at offset.
func newConsumer(cfg harness.Config, offset topicpartition.Offset) (*consumer.Consumer, []int32) {
	ids := partitions(cfg)
	c, err := consumer.New(consumerConfig(cfg))
	if err != nil {
		harness.Fatalf("consumer: %v", err)
	}
	tps := make([]topicpartition.TopicPartition, len(ids))
	for i, id := range ids {
		tps[i] = topicpartition.New(cfg.Topic, id, offset)
	}
	if err := c.Assign(tps); err != nil {
		harness.Fatalf("assign: %v", err)
	}
	return c, ids
}

// produce times N messages from the first Produce to the last delivery report, after
// a warm-up message.
func produce(cfg harness.Config) harness.Result {
	return timedProduce(cfg, func(p *producer.Producer, value []byte) {
		for i := 0; i < cfg.Messages; i++ {
			var err error
			for {
				err = p.Produce(cfg.Topic, value)
				if !errors.Is(err, kafkaerror.ErrBufferFull) {
					break
				}
				p.Poll(100 * time.Millisecond)
			}
			if err != nil {
				harness.Fatalf("produce: %v", err)
			}
			if i%pollEvery == pollEvery-1 {
				p.Poll(0)
			}
		}
	})
}

// produceBatch is produce through ProduceBatch, batchSize records a call.
func produceBatch(cfg harness.Config) harness.Result {
	return timedProduce(cfg, func(p *producer.Producer, value []byte) {
		records := make([]producer.Record, batchSize)
		for i := range records {
			records[i].Value = value
		}
		for sent := 0; sent < cfg.Messages; {
			n, err := p.ProduceBatch(cfg.Topic, topicpartition.PartitionAny, records[:min(batchSize, cfg.Messages-sent)])
			sent += n
			switch {
			case errors.Is(err, kafkaerror.ErrBufferFull):
				p.Poll(100 * time.Millisecond)
			case err != nil:
				harness.Fatalf("produce batch: %v", err)
			default:
				p.Poll(0)
			}
		}
	})
}

// timedProduce makes the producer, delivers a warm-up message before the clock starts
// (see harness.WarmUpNote), has send produce cfg.Messages values, and times them from
// the start to the last delivery report.
func timedProduce(cfg harness.Config, send func(p *producer.Producer, value []byte)) harness.Result {
	var done, failed int
	var last time.Time
	var firstErr error
	p, err := producer.New(producerConfig(cfg), producer.WithDeliveryReport(func(err error, _ *message.Message) {
		done++
		if err != nil {
			failed++
			firstErr = err
		}
		if done == cfg.Messages {
			last = time.Now()
		}
	}))
	if err != nil {
		harness.Fatalf("producer: %v", err)
	}
	value := harness.Payload(cfg.Size)
	if err := p.Produce(cfg.Topic, value); err != nil {
		harness.Fatalf("warm-up produce: %v", err)
	}
	if p.Flush(time.Minute) > 0 || failed > 0 {
		harness.Fatalf("warm-up message not delivered: %v", firstErr)
	}
	done = 0

	start := time.Now()
	send(p, value)
	if left := p.Flush(5 * time.Minute); left > 0 {
		harness.Fatalf("%d messages undelivered", left)
	}
	if err := p.Close(); err != nil {
		harness.Fatalf("close: %v", err)
	}
	if failed > 0 || done != cfg.Messages {
		harness.Fatalf("%d of %d reports, %d failed: %v", done, cfg.Messages, failed, firstErr)
	}
	return cfg.Throughput(cfg.Messages, last.Sub(start), settings(cfg))
}

// consume times N messages read from the beginning of a pre-filled topic with
// Consume(n), from the first message to the last.
func consume(cfg harness.Config) harness.Result {
	c, _ := newConsumer(cfg, topicpartition.OffsetBeginning)
	defer c.Close()
	var first time.Time
	idle := time.Now()
	for n := 0; n < cfg.Messages; {
		msgs, err := c.Consume(min(consumeBatch, cfg.Messages-n), time.Second)
		if err != nil {
			harness.Fatalf("consume: %v", err)
		}
		if len(msgs) == 0 {
			if time.Since(idle) > 30*time.Second {
				harness.Fatalf("no message for 30s after %d", n)
			}
			continue
		}
		for _, m := range msgs {
			if m.Err() != nil {
				harness.Fatalf("consume: %v", m.Err())
			}
		}
		if n == 0 {
			first = time.Now()
		}
		n += len(msgs)
		idle = time.Now()
	}
	return cfg.Throughput(cfg.Messages, time.Since(first), settings(cfg))
}

// consumePoll is consume through Poll, one message per call.
func consumePoll(cfg harness.Config) harness.Result {
	c, _ := newConsumer(cfg, topicpartition.OffsetBeginning)
	defer c.Close()
	var first time.Time
	idle := time.Now()
	for n := 0; n < cfg.Messages; {
		m := c.Poll(time.Second)
		if m == nil {
			if time.Since(idle) > 30*time.Second {
				harness.Fatalf("no message for 30s after %d", n)
			}
			continue
		}
		if m.Err() != nil {
			harness.Fatalf("consume: %v", m.Err())
		}
		if n == 0 {
			first = time.Now()
		}
		n++
		idle = time.Now()
	}
	return cfg.Throughput(cfg.Messages, time.Since(first), settings(cfg))
}

// latency produces N stamped messages at a fixed rate while a consumer in the same
// process, reading from the end, records receive time − send time.
func latency(cfg harness.Config) harness.Result {
	c, ids := newConsumer(cfg, topicpartition.OffsetEnd)
	defer c.Close()
	var failed int
	var firstErr error
	p, err := producer.New(producerConfig(cfg), producer.WithDeliveryReport(func(err error, _ *message.Message) {
		if err != nil {
			failed++
			firstErr = err
		}
	}))
	if err != nil {
		harness.Fatalf("producer: %v", err)
	}
	defer p.Close()
	value := make([]byte, cfg.Size) // a zero stamp: warm-up
	warmUp(cfg, p, c, ids, value)

	hist := harness.NewLatency()
	received := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(received)
		for hist.Count < cfg.Messages {
			select {
			case <-stop:
				return
			default:
			}
			m := c.Poll(100 * time.Millisecond)
			if m == nil || m.Err() != nil {
				continue
			}
			hist.Record(harness.Stamped(m.Value()), time.Now())
		}
	}()

	pace := harness.NewPacer(cfg.Rate)
	serve := func() { p.Poll(0) }
	start := time.Now()
	for i := 0; i < cfg.Messages; i++ {
		pace.Wait(i, serve)
		harness.Stamp(value, time.Now())
		for {
			err = p.Produce(cfg.Topic, value)
			if !errors.Is(err, kafkaerror.ErrBufferFull) {
				break
			}
			p.Poll(time.Millisecond)
		}
		if err != nil {
			harness.Fatalf("produce: %v", err)
		}
	}
	sent := time.Since(start)
	p.Flush(time.Minute)
	select {
	case <-received:
	case <-time.After(30 * time.Second):
		close(stop)
		<-received
		harness.Fatalf("received %d of %d messages", hist.Count, cfg.Messages)
	}
	if failed > 0 {
		harness.Fatalf("%d deliveries failed: %v", failed, firstErr)
	}
	r := cfg.Throughput(cfg.Messages, sent, settings(cfg))
	hist.Fill(&r)
	return r
}

// warmUp sends unstamped messages to each partition until the consumer has read one
// from every partition: both clients are then connected and the consumer's end
// offsets are resolved, so no measured message can be missed.
func warmUp(cfg harness.Config, p *producer.Producer, c *consumer.Consumer, ids []int32, value []byte) {
	seen := map[int32]bool{}
	deadline := time.Now().Add(time.Minute)
	for len(seen) < len(ids) {
		if time.Now().After(deadline) {
			harness.Fatalf("warm-up: consumer saw %d of %d partitions", len(seen), len(ids))
		}
		for _, id := range ids {
			if !seen[id] {
				if err := p.Produce(cfg.Topic, value, producer.Partition(id)); err != nil {
					harness.Fatalf("warm-up produce: %v", err)
				}
			}
		}
		p.Flush(10 * time.Second)
		for until := time.Now().Add(200 * time.Millisecond); time.Now().Before(until); {
			if m := c.Poll(50 * time.Millisecond); m != nil && m.Err() == nil {
				seen[m.Partition()] = true
			}
		}
	}
	// Drain what the warm-up left behind before measuring.
	for c.Poll(100*time.Millisecond) != nil {
	}
}
