// Command ckgo is the benchmark client for raw confluent-kafka-go v2.11.1, used at its
// best: Produce with a nil delivery channel and the delivery events drained from
// Events() by a goroutine, and a Poll-based consumer with the events channel off
// (go.events.channel.enable false, the default). go.delivery.report.fields is
// "key,value,headers", as rdstreams sets it, so both copy the same data back into
// each delivery report. See the harness package for flags and output.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/bench/internal/harness"
)

func main() {
	harness.Run("confluent-kafka-go", harness.Workloads{Produce: infallible(produce), Consume: infallible(consume), Latency: infallible(latency)})
}

// infallible adapts a workload that fails the process itself on error.
func infallible(run func(harness.Config) harness.Result) harness.Workload {
	return func(_ context.Context, cfg harness.Config) (harness.Result, error) { return run(cfg), nil }
}

// producerConfig is the producer configuration every workload uses, everything a
// setting differs from rdstreams' in spelled out.
func producerConfig(cfg harness.Config) kafka.ConfigMap {
	return kafka.ConfigMap{
		"bootstrap.servers":         cfg.Bootstrap,
		"acks":                      "all",
		"enable.idempotence":        true,
		"linger.ms":                 cfg.LingerMs,
		"batch.size":                cfg.BatchSize,
		"compression.type":          "none",
		"partitioner":               "murmur2_random", // rdstreams' default
		"go.delivery.reports":       true,
		"go.delivery.report.fields": "key,value,headers", // rdstreams' default
		"go.events.channel.size":    1_000_000,           // confluent-kafka-go's default, as rdstreams'
	}
}

// consumerConfig assigns partitions by hand; confluent-kafka-go insists on a group.id,
// which is never joined. Prefetch is tuned as for rdstreams (harness.LibrdkafkaPrefetch).
func consumerConfig(cfg harness.Config) kafka.ConfigMap {
	m := kafka.ConfigMap{
		"bootstrap.servers":        cfg.Bootstrap,
		"group.id":                 fmt.Sprintf("bench-ckgo-%d", time.Now().UnixNano()),
		"enable.auto.commit":       false,
		"go.events.channel.enable": false,
	}
	for k, v := range harness.LibrdkafkaPrefetch {
		m[k] = v
	}
	return m
}

// settings lists every setting of the run and how the API is driven.
func settings(cfg harness.Config) map[string]any {
	asMap := func(m kafka.ConfigMap) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	cons := asMap(consumerConfig(cfg))
	cons["group.id"] = "bench-ckgo-<unix nanos> (never joined)"
	s := map[string]any{
		"library":  "github.com/confluentinc/confluent-kafka-go/v2 v2.11.1 (librdkafka 2.11.1)",
		"producer": asMap(producerConfig(cfg)),
		"consumer": cons,
	}
	switch cfg.Workload {
	case "produce":
		s["api"] = "Produce(&Message{…}, nil); delivery events drained from Events() on a goroutine; 1ms sleep on ErrQueueFull"
		s["warm_up"] = harness.WarmUpNote
	case "consume":
		s["api"] = "Assign(all partitions, OffsetBeginning); Poll(1000) per message"
	case "latency":
		s["api"] = "paced Produce, Events() drained on a goroutine; consumer Poll(100) on its own goroutine, assigned at OffsetEnd"
		s["rate"] = cfg.Rate
	}
	return s
}

// deliveries drains the producer's delivery events on a goroutine. It counts them and
// closes done with the time of the want'th (want 0: never); failures are counted apart.
type deliveries struct {
	count, failed atomic.Int64
	firstErr      atomic.Value
	last          time.Time
	done          chan struct{}
}

func drain(p *kafka.Producer, want int) *deliveries {
	d := &deliveries{done: make(chan struct{})}
	go func() {
		for ev := range p.Events() {
			m, ok := ev.(*kafka.Message)
			if !ok {
				continue // client-wide errors are logged by librdkafka
			}
			if m.TopicPartition.Error != nil {
				d.failed.Add(1)
				d.firstErr.CompareAndSwap(nil, m.TopicPartition.Error)
			}
			if d.count.Add(1) == int64(want) {
				d.last = time.Now()
				close(d.done)
			}
		}
	}()
	return d
}

func (d *deliveries) check() {
	if n := d.failed.Load(); n > 0 {
		harness.Fatalf("%d deliveries failed: %v", n, d.firstErr.Load())
	}
}

// produceOne queues m, sleeping briefly while the queue is full.
func produceOne(p *kafka.Producer, m *kafka.Message) {
	for {
		err := p.Produce(m, nil)
		var kerr kafka.Error
		if errors.As(err, &kerr) && kerr.Code() == kafka.ErrQueueFull {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			harness.Fatalf("produce: %v", err)
		}
		return
	}
}

// produce times N messages from the first Produce to the last delivery report, after
// a warm-up message.
func produce(cfg harness.Config) harness.Result {
	p, err := kafka.NewProducer(ptr(producerConfig(cfg)))
	if err != nil {
		harness.Fatalf("producer: %v", err)
	}
	value := harness.Payload(cfg.Size)
	topic := cfg.Topic
	// Warm-up: one message delivered before the clock starts (see harness.WarmUpNote).
	report := make(chan kafka.Event, 1)
	err = p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
		Value: value}, report)
	if err != nil {
		harness.Fatalf("warm-up produce: %v", err)
	}
	select {
	case ev := <-report:
		if m, ok := ev.(*kafka.Message); !ok || m.TopicPartition.Error != nil {
			harness.Fatalf("warm-up message not delivered: %v", ev)
		}
	case <-time.After(time.Minute):
		harness.Fatalf("warm-up message not delivered after a minute")
	}
	d := drain(p, cfg.Messages)

	start := time.Now()
	for i := 0; i < cfg.Messages; i++ {
		produceOne(p, &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Value:          value,
		})
	}
	select {
	case <-d.done:
	case <-time.After(5 * time.Minute):
		harness.Fatalf("%d of %d delivered after 5 minutes", d.count.Load(), cfg.Messages)
	}
	d.check()
	p.Close()
	return cfg.Throughput(cfg.Messages, d.last.Sub(start), settings(cfg))
}

// newConsumer is a consumer assigned every partition of the topic at offset.
func newConsumer(cfg harness.Config, offset kafka.Offset) (*kafka.Consumer, []int32) {
	c, err := kafka.NewConsumer(ptr(consumerConfig(cfg)))
	if err != nil {
		harness.Fatalf("consumer: %v", err)
	}
	md, err := c.GetMetadata(&cfg.Topic, false, 30_000)
	if err != nil {
		harness.Fatalf("metadata of %s: %v", cfg.Topic, err)
	}
	var ids []int32
	var tps []kafka.TopicPartition
	for _, p := range md.Topics[cfg.Topic].Partitions {
		ids = append(ids, p.ID)
		tps = append(tps, kafka.TopicPartition{Topic: &cfg.Topic, Partition: p.ID, Offset: offset})
	}
	if len(ids) == 0 {
		harness.Fatalf("topic %s has no partitions", cfg.Topic)
	}
	if err := c.Assign(tps); err != nil {
		harness.Fatalf("assign: %v", err)
	}
	return c, ids
}

// consume times N messages read from the beginning of a pre-filled topic, from the
// first message to the last.
func consume(cfg harness.Config) harness.Result {
	c, _ := newConsumer(cfg, kafka.OffsetBeginning)
	defer c.Close()
	var first time.Time
	idle := time.Now()
	for n := 0; n < cfg.Messages; {
		switch ev := c.Poll(1000).(type) {
		case nil:
			if time.Since(idle) > 30*time.Second {
				harness.Fatalf("no message for 30s after %d", n)
			}
		case *kafka.Message:
			if ev.TopicPartition.Error != nil {
				harness.Fatalf("consume: %v", ev.TopicPartition.Error)
			}
			if n == 0 {
				first = time.Now()
			}
			n++
			idle = time.Now()
		case kafka.Error:
			harness.Fatalf("consume: %v", ev)
		}
	}
	return cfg.Throughput(cfg.Messages, time.Since(first), settings(cfg))
}

// latency produces N stamped messages at a fixed rate while a consumer in the same
// process, reading from the end, records receive time − send time.
func latency(cfg harness.Config) harness.Result {
	c, ids := newConsumer(cfg, kafka.OffsetEnd)
	defer c.Close()
	p, err := kafka.NewProducer(ptr(producerConfig(cfg)))
	if err != nil {
		harness.Fatalf("producer: %v", err)
	}
	defer p.Close()
	d := drain(p, 0)                // failures only: latency waits for the consumer
	value := make([]byte, cfg.Size) // a zero stamp: warm-up
	warmUp(cfg, p, c, ids, value)

	hist := harness.NewLatency()
	received := make(chan struct{})
	var stop atomic.Bool
	go func() {
		defer close(received)
		for hist.Count < cfg.Messages && !stop.Load() {
			if m, ok := c.Poll(100).(*kafka.Message); ok && m.TopicPartition.Error == nil {
				hist.Record(harness.Stamped(m.Value), time.Now())
			}
		}
	}()

	pace := harness.NewPacer(cfg.Rate)
	topic := cfg.Topic
	start := time.Now()
	for i := 0; i < cfg.Messages; i++ {
		pace.Wait(i, nil)
		harness.Stamp(value, time.Now())
		produceOne(p, &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Value:          value,
		})
	}
	sent := time.Since(start)
	select {
	case <-received:
	case <-time.After(30*time.Second + time.Duration(cfg.LingerMs)*time.Millisecond):
		stop.Store(true)
		<-received
		harness.Fatalf("received %d of %d messages", hist.Count, cfg.Messages)
	}
	d.check()
	r := cfg.Throughput(cfg.Messages, sent, settings(cfg))
	hist.Fill(&r)
	return r
}

// warmUp sends unstamped messages to each partition until the consumer has read one
// from every partition: both clients are then connected and the consumer's end
// offsets are resolved, so no measured message can be missed.
func warmUp(cfg harness.Config, p *kafka.Producer, c *kafka.Consumer, ids []int32, value []byte) {
	seen := map[int32]bool{}
	deadline := time.Now().Add(time.Minute)
	for len(seen) < len(ids) {
		if time.Now().After(deadline) {
			harness.Fatalf("warm-up: consumer saw %d of %d partitions", len(seen), len(ids))
		}
		for _, id := range ids {
			if !seen[id] {
				produceOne(p, &kafka.Message{
					TopicPartition: kafka.TopicPartition{Topic: &cfg.Topic, Partition: id},
					Value:          value,
				})
			}
		}
		for until := time.Now().Add(200 * time.Millisecond); time.Now().Before(until); {
			if m, ok := c.Poll(50).(*kafka.Message); ok && m.TopicPartition.Error == nil {
				seen[m.TopicPartition.Partition] = true
			}
		}
	}
	for c.Poll(100) != nil {
	}
}

func ptr(m kafka.ConfigMap) *kafka.ConfigMap { return &m }
