//go:build faults

package faults_test

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Scenario 1: the broker is SIGKILLed and restarted in the middle of an idempotent,
// keyed produce of 200,000 messages. Every message must get exactly one delivery
// report, a successful one; reading the topic back must show each message exactly once
// (nothing lost, nothing written twice by the producer's retries), every key on one
// partition, and each key's messages in the order they were produced.
//
// Message id i carries key i mod s01Keys and is that key's message number i div
// s01Keys, so a key's sequence is readable from the identity alone.
const (
	s01Messages   = 200_000
	s01Keys       = 1000
	s01Partitions = 6
	s01KillAt     = s01Messages * 2 / 5 // successful delivery reports before the kill
)

func TestScenario01BrokerKillMidProduce(t *testing.T) {
	s := begin(t, "broker-kill-mid-produce")
	b := testkafka.StartBroker(t)
	topic := disposableTopic(t, b.Bootstrap, s01Partitions, nil)

	ledger := faults.NewLedger()
	dl := newDeliveryLog(ledger)
	errs := newErrorCounter()
	p, err := producer.New(map[string]any{
		"bootstrap.servers":  b.Bootstrap,
		"enable.idempotence": true,
		"acks":               "all",
		// Outlasts the broker's absence many times over: nothing may time out.
		"message.timeout.ms": 240_000,
		// A queue well short of the whole run, so producing goes on across the restart.
		"queue.buffering.max.messages": 20_000,
		"linger.ms":                    5,
	}, producer.WithDeliveryReport(dl.report), producer.WithErrorCallback(errs.callback),
		producer.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()

	keys := make([][]byte, s01Keys)
	for k := range keys {
		keys[k] = []byte("key-" + strconv.Itoa(k))
	}
	type produced struct {
		sent    int
		err     error
		left    int
		elapsed time.Duration
	}
	var accepted atomic.Int64
	done := make(chan produced, 1)
	start := time.Now()
	go func() {
		pm := pump{topic: topic, n: s01Messages, size: 64, accepted: func(uint64) { accepted.Add(1) },
			opts: func(id uint64) []producer.ProduceOption {
				return []producer.ProduceOption{producer.Key(keys[id%s01Keys])}
			}}
		sent, err := pm.run(p)
		left := p.Flush(4 * time.Minute)
		done <- produced{sent: sent, err: err, left: left, elapsed: time.Since(start)}
	}()

	// Kill the broker once a good part is acknowledged, and bring it back at once.
	if !eventually(2*time.Minute, func() bool { return dl.Delivered() >= s01KillAt }) {
		t.Errorf("only %d of %d messages acknowledged within 2 minutes, before any fault", dl.Delivered(), s01KillAt)
	} else {
		killedAcked, killedSent := dl.Delivered(), accepted.Load()
		killed := time.Now()
		b.Kill(t)
		b.Restart(t)
		down := time.Since(killed)
		s.figure("killed at %d acked / %d produced, broker back after %.1fs", killedAcked, killedSent, down.Seconds())
	}
	res := <-done
	if res.err != nil {
		t.Errorf("producing: %v", res.err)
	}
	if res.left != 0 {
		t.Errorf("Flush left %d messages outstanding after 4 minutes", res.left)
	}
	s.figure("%d produced in %.1fs", res.sent, res.elapsed.Seconds())
	s.figure("client errors seen and retried %s", errs)
	if err := p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	if res.sent != s01Messages {
		t.Fatalf("produced %d of %d messages", res.sent, s01Messages)
	}
	dl.exactlyOnce(t, 0, s01Messages)
	if f := dl.Failed(); f > 0 {
		t.Errorf("%d delivery reports failed (%s), none may with message.timeout.ms outlasting the restart", f, dl.FailedByName())
	}

	// Read everything back from the beginning: the topic must hold each message once.
	readStart := time.Now()
	total, err := s01ReadBack(t, b.Bootstrap, topic, ledger)
	if err != nil {
		t.Error(err)
	}
	s.figure("read back %d records in %.1fs", total, time.Since(readStart).Seconds())
	c := s.account(ledger, 0)
	if total != c.Received {
		t.Errorf("the topic holds %d records, %d were read", total, c.Received)
	}
	if c.Unacked > 0 {
		t.Errorf("%d records in the topic were never acknowledged", c.Unacked)
	}
}

// s01ReadBack reads the whole topic (every partition from its beginning up to its high
// watermark) into ledger, checking that every key stays on one partition and that each
// key's sequence only increases within it. It returns the number of records the
// watermarks say the topic holds.
func s01ReadBack(t *testing.T, bootstrap, topic string, ledger *faults.Ledger) (int, error) {
	t.Helper()
	c, err := consumer.New(map[string]any{
		"bootstrap.servers":    bootstrap,
		"enable.partition.eof": false,
	}, consumer.WithLogger(quietLogger()))
	if err != nil {
		return 0, fmt.Errorf("read-back consumer: %w", err)
	}
	defer c.Close()
	var parts []topicpartition.TopicPartition
	total := 0
	for p := int32(0); p < s01Partitions; p++ {
		low, high, err := c.GetWatermarkOffsets(topicpartition.New(topic, p, 0), 30*time.Second, false)
		if err != nil {
			return 0, fmt.Errorf("watermarks of partition %d: %w", p, err)
		}
		total += int(high - low)
		parts = append(parts, topicpartition.New(topic, p, topicpartition.OffsetBeginning))
	}
	if err := c.Assign(parts); err != nil {
		return total, fmt.Errorf("assign: %w", err)
	}
	keyPart := make([]int32, s01Keys)
	lastSeq := make([]int64, s01Keys)
	for k := range keyPart {
		keyPart[k], lastSeq[k] = -1, -1
	}
	var orderErrs, keyErrs int
	received := 0
	err = consumeUntil(c, ledger, 2*time.Minute, func() bool { return received >= total },
		func(m *message.Message, id uint64) {
			received++
			k, seq := id%s01Keys, int64(id/s01Keys)
			if string(m.Key()) != "key-"+strconv.FormatUint(k, 10) {
				keyErrs++
				if keyErrs <= 5 {
					t.Errorf("message %d carries key %q", id, m.Key())
				}
			}
			switch {
			case keyPart[k] == -1:
				keyPart[k] = m.Partition()
			case keyPart[k] != m.Partition():
				keyErrs++
				if keyErrs <= 5 {
					t.Errorf("key %d on partitions %d and %d", k, keyPart[k], m.Partition())
				}
				return
			}
			if seq <= lastSeq[k] {
				orderErrs++
				if orderErrs <= 5 {
					t.Errorf("key %d: message %d (sequence %d) at offset %d after sequence %d",
						k, id, seq, m.Offset(), lastSeq[k])
				}
			}
			lastSeq[k] = seq
		}, nil)
	if orderErrs > 0 {
		t.Errorf("%d messages out of their key's order", orderErrs)
	}
	if keyErrs > 0 {
		t.Errorf("%d messages with a wrong key or on a second partition for their key", keyErrs)
	}
	return total, err
}
