//go:build faults

package faults_test

// Scenario 5: a consume-transform-produce loop with transactions (consumer offsets sent
// to the producer's transaction) is killed with SIGKILL in the middle of a transaction,
// after that transaction's messages reached the output topic. A restart with the same
// transactional.id fences the dead instance and aborts its open transaction, then
// finishes the input. The output topic, read committed, must hold each input exactly
// once.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func init() { children["s05-txn"] = s05Child }

func TestScenario05TransactionKill(t *testing.T) {
	s := begin(t, "transaction-kill")
	const (
		total      = 5000
		partitions = 3
		size       = 64
		batch      = 100
	)
	bootstrap := testkafka.Bootstrap(t)
	in := testkafka.Topic(t, partitions, nil)
	out := testkafka.Topic(t, partitions, nil)
	ledger := faults.NewLedger()
	cgPrefill(t, bootstrap, in, partitions, total, size, ledger)
	env := []string{
		"S05_BOOTSTRAP=" + bootstrap, "S05_IN=" + in, "S05_OUT=" + out,
		"S05_GROUP=" + testkafka.UniqueName("s05-group"),
		"S05_TXID=" + testkafka.UniqueName("s05-txn"),
		"S05_BATCH=" + strconv.Itoa(batch),
	}

	// Child 1 lingers 500 ms inside each transaction, after its messages are delivered
	// and before it sends the offsets and commits: the kill comes in that window, right
	// after it says "flushed" for the batch following killAfter committed ones.
	killAfter := 5 + rand.IntN(16) // 5 … 20 committed batches
	start := time.Now()
	c1 := cgStart(t, "s05-txn", append(env, "S05_LINGER=500ms")...)
	committed1, committedMsgs1 := 0, 0
	killedIn, killedFlushed := 0, 0
	var killedAt time.Time
	c1.read(t, 2*time.Minute, func(line string) {
		f := strings.Fields(line)
		switch f[0] {
		case "init", "begun":
		case "flushed":
			b := s05Field(t, f, 1)
			if killedIn == 0 && committed1 == killAfter {
				c1.kill(t)
				killedAt = time.Now()
				killedIn, killedFlushed = b, s05Field(t, f, 2)
			}
		case "committed":
			b := s05Field(t, f, 1)
			if killedIn != 0 && b >= killedIn {
				t.Errorf("child 1 committed batch %d after the kill: the kill missed the transaction", b)
			}
			committed1++
			committedMsgs1 += s05Field(t, f, 2)
		default:
			t.Errorf("child 1: unexpected line %q", line)
		}
	})
	require.NotZero(t, killedIn, "child 1 ended by itself after %d committed batches, before the kill after %d", committed1, killAfter)
	c1.wantKilled(t)

	// Child 2: same transactional.id and group; it finishes the input.
	t2 := time.Now()
	c2 := cgStart(t, "s05-txn", append(env, "S05_LINGER=0s")...)
	committed2, committedMsgs2 := 0, 0
	var initTook time.Duration
	ended := false
	c2.read(t, 2*time.Minute, func(line string) {
		f := strings.Fields(line)
		switch f[0] {
		case "init":
			initTook = time.Since(t2)
		case "begun", "flushed":
		case "committed":
			committed2++
			committedMsgs2 += s05Field(t, f, 2)
		case "end":
			ended = true
		default:
			t.Errorf("child 2: unexpected line %q", line)
		}
	})
	require.NoError(t, c2.finish(), "child 2")
	require.True(t, ended, "child 2 did not reach the end of the input")

	// The output, read committed: each input exactly once.
	readCommitted := s05ReadOutput(t, bootstrap, out, partitions, "read_committed")
	for _, id := range readCommitted {
		ledger.Seen(id)
	}
	// Read uncommitted, the aborted transaction's messages are there too: the check
	// above had something to filter out.
	readUncommitted := s05ReadOutput(t, bootstrap, out, partitions, "read_uncommitted")
	if len(readUncommitted) < total+killedFlushed {
		t.Errorf("output read uncommitted holds %d messages, want at least %d (%d committed + the %d of the killed transaction)",
			len(readUncommitted), total+killedFlushed, total, killedFlushed)
	}
	if committedMsgs1+committedMsgs2 != total {
		t.Errorf("the two runs committed %d + %d messages, want %d in all", committedMsgs1, committedMsgs2, total)
	}

	s.figure("%d inputs in batches of %d", total, batch)
	s.figure("killed inside batch %d (its %d messages delivered, uncommitted) after %d committed batches (%d messages), %.1fs in",
		killedIn, killedFlushed, committed1, committedMsgs1, killedAt.Sub(start).Seconds())
	s.figure("restart: InitTransactions (fencing) %.1fs, %d batches (%d messages) committed", initTook.Seconds(), committed2, committedMsgs2)
	s.figure("output %d read committed, %d read uncommitted", len(readCommitted), len(readUncommitted))
	s.figure("total %.1fs", time.Since(start).Seconds())
	s.account(ledger, 0)
}

func s05Field(t *testing.T, f []string, i int) int {
	t.Helper()
	return int(cgParseID(t, f, i))
}

// s05ReadOutput reads every partition of topic from the beginning to its end (the last
// stable offset with read_committed), without a group, and returns the identities.
func s05ReadOutput(t *testing.T, bootstrap, topic string, partitions int, isolation string) []uint64 {
	t.Helper()
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": bootstrap, "isolation.level": isolation, "enable.partition.eof": true,
	}, consumer.WithLogger(cgQuietLogger()))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	var parts []topicpartition.TopicPartition
	for p := range partitions {
		parts = append(parts, topicpartition.New(topic, int32(p), topicpartition.OffsetBeginning))
	}
	require.NoError(t, c.Assign(parts))
	var ids []uint64
	atEnd := map[int32]bool{}
	deadline := time.Now().Add(time.Minute)
	for len(atEnd) < partitions {
		require.True(t, time.Now().Before(deadline), "reading %s (%s): %d partitions at their end after a minute", topic, isolation, len(atEnd))
		m := c.Poll(100 * time.Millisecond)
		if m == nil {
			continue
		}
		if err := m.Err(); err != nil {
			if errors.Is(err, kafkaerror.PartitionEOF) {
				atEnd[m.Partition()] = true
				continue
			}
			t.Fatalf("reading %s (%s): %v", topic, isolation, err)
		}
		id, err := faults.ID(m.Value())
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}

// s05Child copies the input topic to the output topic in transactions of S05_BATCH
// messages, committing the consumed offsets with each. It prints "init" once
// InitTransactions returned, then per batch "begun <n> <size>", "flushed <n> <size>"
// once its messages are delivered, and "committed <n> <size>"; "end <batches>" when the
// input is exhausted. S05_LINGER is a pause inside each transaction, before committing.
func s05Child() error {
	bootstrap, in, out := os.Getenv("S05_BOOTSTRAP"), os.Getenv("S05_IN"), os.Getenv("S05_OUT")
	batchSize, err := strconv.Atoi(os.Getenv("S05_BATCH"))
	if err != nil {
		return err
	}
	linger, err := time.ParseDuration(os.Getenv("S05_LINGER"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()

	var deliveryErr error
	p, err := producer.New(map[string]any{
		"bootstrap.servers": bootstrap, "transactional.id": os.Getenv("S05_TXID"), "linger.ms": 5,
	}, producer.WithDeliveryReport(func(err error, _ *message.Message) {
		if err != nil && deliveryErr == nil {
			deliveryErr = err
		}
	}))
	if err != nil {
		return err
	}
	defer p.Close()
	// First, so that a restart fences the dead instance and aborts its transaction
	// before the consumer asks for the group's (then stable) committed offsets.
	if err := p.InitTransactions(ctx); err != nil {
		return fmt.Errorf("InitTransactions: %w", err)
	}

	atEnd := map[int32]bool{}
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": bootstrap, "group.id": os.Getenv("S05_GROUP"),
		"enable.auto.commit": false, "auto.offset.reset": "earliest", "enable.partition.eof": true,
		"isolation.level": "read_committed",
		// The killed member leaves the group only when its session expires.
		"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
	})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Subscribe([]string{in}, consumer.OnAssign(func(*consumer.Consumer, []topicpartition.TopicPartition) {
		clear(atEnd)
	})); err != nil {
		return err
	}
	fmt.Println("init")

	for n := 1; ; n++ {
		// A batch: up to batchSize messages, fewer at the end of the input.
		var msgs []*message.Message
		for len(msgs) < batchSize {
			if ctx.Err() != nil {
				return fmt.Errorf("input not finished in time: %w", ctx.Err())
			}
			m := c.Poll(100 * time.Millisecond)
			if m == nil {
				if s05AllAtEnd(c, atEnd) {
					break
				}
				continue
			}
			if err := m.Err(); err != nil {
				if !errors.Is(err, kafkaerror.PartitionEOF) {
					return fmt.Errorf("consuming: %w", err)
				}
				atEnd[m.Partition()] = true
				if s05AllAtEnd(c, atEnd) {
					break
				}
				continue
			}
			delete(atEnd, m.Partition())
			msgs = append(msgs, m)
		}
		if len(msgs) == 0 {
			fmt.Printf("end %d\n", n-1)
			return c.Close()
		}

		if err := p.BeginTransaction(); err != nil {
			return fmt.Errorf("BeginTransaction: %w", err)
		}
		fmt.Printf("begun %d %d\n", n, len(msgs))
		next := map[int32]topicpartition.Offset{}
		for _, m := range msgs {
			if _, err := faults.ID(m.Value()); err != nil {
				return err
			}
			if err := p.Produce(out, m.Value()); err != nil {
				return fmt.Errorf("producing: %w", err)
			}
			next[m.Partition()] = m.Offset() + 1
		}
		if left := p.Flush(30 * time.Second); left != 0 || deliveryErr != nil {
			return fmt.Errorf("batch %d: %d messages undelivered, delivery error %v", n, left, deliveryErr)
		}
		fmt.Printf("flushed %d %d\n", n, len(msgs))
		time.Sleep(linger) // "processing": the window the kill is aimed at
		var offsets []topicpartition.TopicPartition
		for part, off := range next {
			offsets = append(offsets, topicpartition.New(in, part, off))
		}
		md, err := c.GroupMetadata()
		if err != nil {
			return fmt.Errorf("GroupMetadata: %w", err)
		}
		if err := p.SendOffsetsToTransaction(ctx, offsets, md); err != nil {
			return fmt.Errorf("SendOffsetsToTransaction: %w", err)
		}
		if err := p.CommitTransaction(ctx); err != nil {
			return fmt.Errorf("CommitTransaction: %w", err)
		}
		fmt.Printf("committed %d %d\n", n, len(msgs))
	}
}

// s05AllAtEnd reports whether every assigned partition has reached its end.
func s05AllAtEnd(c *consumer.Consumer, atEnd map[int32]bool) bool {
	assigned, err := c.Assignment()
	if err != nil || len(assigned) == 0 {
		return false
	}
	for _, tp := range assigned {
		if !atEnd[tp.Partition] {
			return false
		}
	}
	return true
}
