package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

func main() {
	n := flag.Int("n", 1000, "messages to round-trip")
	partitions := flag.Int("partitions", 3, "partitions of the smoke topic")
	flag.Parse()
	if err := run(*n, *partitions); err != nil {
		fmt.Fprintln(os.Stderr, "smoke: FAIL:", err)
		os.Exit(1)
	}
}

// sent is what was produced, and where its delivery report says it went.
type sent struct {
	key, value []byte
	headers    []message.Header
	ts         time.Time
	partition  int32
	offset     int64
}

func run(n, partitions int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bootstrap := os.Getenv("KAFKA_BOOTSTRAP")
	topic := testkafka.UniqueName("smoke")
	where := "broker " + bootstrap
	if bootstrap == "" {
		mc, err := engine.StartMockCluster(1)
		if err != nil {
			return err
		}
		defer mc.Close()
		bootstrap = mc.Bootstrap()
		if err := mc.CreateTopic(topic, partitions, 1); err != nil {
			return err
		}
		where = "librdkafka's in-process mock cluster (KAFKA_BOOTSTRAP unset)"
	} else if err := testkafka.CreateTopic(ctx, bootstrap, topic, partitions, nil); err != nil {
		return err
	}
	fmt.Printf("smoke: %d messages through %s, topic %s\n", n, where, topic)

	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap, "acks": "all", "log_level": 3})
	if err != nil {
		return err
	}
	msgs := make([]*sent, n)
	var failed error
	for i := range msgs {
		m := sample(i)
		msgs[i] = m
		opts := []producer.ProduceOption{
			producer.Timestamp(m.ts),
			producer.OnDelivery(func(err error, dr *message.Message) {
				if err != nil {
					failed = errors.Join(failed, fmt.Errorf("message %d: %w", i, err))
					return
				}
				m.partition, m.offset = dr.Partition(), int64(dr.Offset())
			}),
		}
		if m.key != nil {
			opts = append(opts, producer.Key(m.key))
		}
		if m.headers != nil {
			opts = append(opts, producer.Headers(m.headers...))
		}
		if err := p.ProduceWait(ctx, topic, m.value, opts...); err != nil {
			return fmt.Errorf("produce %d: %w", i, err)
		}
		p.Poll(0)
	}
	if left := p.Flush(time.Minute); left != 0 {
		return fmt.Errorf("%d messages not delivered within a minute", left)
	}
	if err := p.Close(); err != nil {
		return err
	}
	if failed != nil {
		return failed
	}

	got, err := testkafka.ReadAll(ctx, bootstrap, topic, n)
	if err != nil {
		return err
	}
	byPos := map[[2]int64]*message.Message{}
	for _, m := range got {
		byPos[[2]int64{int64(m.Partition()), int64(m.Offset())}] = m
	}
	mismatches := 0
	for i, want := range msgs {
		m := byPos[[2]int64{int64(want.partition), want.offset}]
		if problem := compare(want, m); problem != "" {
			mismatches++
			if mismatches <= 10 {
				fmt.Fprintf(os.Stderr, "smoke: message %d (partition %d offset %d): %s\n", i, want.partition, want.offset, problem)
			}
		}
	}
	if mismatches > 0 || len(got) != n {
		return fmt.Errorf("%d of %d messages differ (read back %d)", mismatches, n, len(got))
	}
	fmt.Printf("smoke: OK: %d messages round-tripped byte for byte (keys, values, headers, timestamps)\n", n)
	return nil
}

// sample builds message i, cycling through the cases a client most easily gets wrong.
func sample(i int) *sent {
	m := &sent{ts: time.UnixMilli(1_700_000_000_000 + int64(i)).UTC()}
	switch i % 6 {
	case 0: // plain text
		m.key, m.value = []byte(fmt.Sprintf("key-%d", i)), []byte(fmt.Sprintf("value %d", i))
	case 1: // null value (tombstone), keyed
		m.key = []byte(fmt.Sprintf("key-%d", i))
	case 2: // empty value, empty key
		m.key, m.value = []byte{}, []byte{}
	case 3: // binary, every byte value, no key
		m.value = make([]byte, 256+i%100)
		for j := range m.value {
			m.value[j] = byte(j * 7)
		}
	case 4: // headers: text, null, empty, repeated key
		m.value = []byte("with headers")
		m.headers = []message.Header{{Key: "h1", Value: []byte("one")}, {Key: "null"}, {Key: "empty", Value: []byte{}}, {Key: "h1", Value: []byte{0, 1, 2}}}
	case 5: // larger payload
		m.key, m.value = []byte{0}, bytes.Repeat([]byte("rdstreams"), 1000+i%50)
	}
	return m
}

func compare(want *sent, m *message.Message) string {
	if m == nil {
		return "not read back"
	}
	if !sameBytes(want.key, m.Key()) {
		return fmt.Sprintf("key %q, want %q", m.Key(), want.key)
	}
	if !sameBytes(want.value, m.Value()) {
		return fmt.Sprintf("value differs (%d bytes, nil=%v; want %d bytes, nil=%v)", len(m.Value()), m.Value() == nil, len(want.value), want.value == nil)
	}
	h := m.Headers()
	if len(h) != len(want.headers) {
		return fmt.Sprintf("%d headers, want %d", len(h), len(want.headers))
	}
	for j := range h {
		if h[j].Key != want.headers[j].Key || !sameBytes(h[j].Value, want.headers[j].Value) {
			return fmt.Sprintf("header %d is %q=%q, want %q=%q", j, h[j].Key, h[j].Value, want.headers[j].Key, want.headers[j].Value)
		}
	}
	if typ, ts := m.Timestamp(); typ != message.TimestampCreateTime || !ts.Equal(want.ts) {
		return fmt.Sprintf("timestamp %v %v, want create-time %v", typ, ts, want.ts)
	}
	return ""
}

// sameBytes compares contents and also nil-ness: a null value is not an empty one.
func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}
