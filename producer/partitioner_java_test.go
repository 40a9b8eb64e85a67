package producer_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// TestKeyedPlacementMatchesJavaClient proves that rdstreams' producer, with its default
// configuration, puts a keyed message on the same partition as Apache Kafka's own Java
// producer does (murmur2 of the key bytes, modulo the partition count). The Java side is
// the real kafka-console-producer of the broker's release, run with its default
// partitioner; the rdstreams side is whatever partition its delivery reports name.
func TestKeyedPlacementMatchesJavaClient(t *testing.T) {
	const partitions = 6
	bootstrap := testkafka.Bootstrap(t)
	libs := testkafka.Env(t, "KAFKA_LIBS")
	keys := placementKeys()

	// 1. The Java client writes every key to one topic; where it put them is read back.
	javaTopic := testkafka.Topic(t, partitions, nil)
	produceWithJavaConsoleProducer(t, libs, bootstrap, javaTopic, keys)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs, err := testkafka.ReadAll(ctx, bootstrap, javaTopic, len(keys))
	require.NoError(t, err, "reading back the Java-written topic")
	javaPlacement := make(map[string]int32, len(keys))
	for _, m := range msgs {
		k := string(m.Key())
		_, dup := javaPlacement[k]
		require.False(t, dup, "key %q read twice from the Java-written topic", k)
		javaPlacement[k] = m.Partition()
	}
	for _, k := range keys {
		require.Contains(t, javaPlacement, k, "key %q is missing from the Java-written topic "+
			"(did the console producer change its bytes?)", k)
	}

	// 2. rdstreams writes the same keys to a second topic of the same partition count.
	goTopic := testkafka.Topic(t, partitions, nil)
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap})
	require.NoError(t, err)
	defer func() { assert.NoError(t, p.Close()) }()

	// Delivery callbacks run inside Flush, on this goroutine: no locking needed.
	goPlacement := make(map[string]int32, len(keys))
	var deliveryErrs []error
	for _, k := range keys {
		err := p.Produce(goTopic, []byte("v"), producer.Key([]byte(k)),
			producer.OnDelivery(func(err error, m *message.Message) {
				if err != nil {
					deliveryErrs = append(deliveryErrs, fmt.Errorf("key %q: %w", k, err))
					return
				}
				goPlacement[k] = m.Partition()
			}))
		require.NoError(t, err, "producing key %q", k)
	}
	require.Zero(t, p.Flush(30*time.Second), "messages still undelivered after Flush")
	require.Empty(t, deliveryErrs, "failed deliveries")
	require.Len(t, goPlacement, len(keys), "delivery reports")

	// 3. Every key landed on the same partition with both clients.
	var mismatches []string
	for _, k := range keys {
		if javaPlacement[k] != goPlacement[k] {
			mismatches = append(mismatches, fmt.Sprintf("key %s: Java partition %d, rdstreams partition %d",
				shortKey(k), javaPlacement[k], goPlacement[k]))
		}
	}
	if len(mismatches) > 0 {
		t.Fatalf("%d of %d keys placed differently from the Java client, e.g.\n%s",
			len(mismatches), len(keys), strings.Join(mismatches[:min(10, len(mismatches))], "\n"))
	}

	// The keys spread over the partitions, so agreement is not agreement on a constant.
	used := map[int32]bool{}
	for _, part := range javaPlacement {
		used[part] = true
	}
	assert.Greater(t, len(used), 1, "all keys landed on one partition: the comparison proves nothing")
	assert.Len(t, used, partitions, "200 murmur2-hashed keys should cover every partition")
}

// placementKeys returns about 200 distinct keys covering short and long keys, every
// length modulo 4 (murmur2 hashes the tail bytes separately), printable punctuation,
// leading and trailing spaces, and multi-byte UTF-8 (bytes >= 0x80 catch sign errors).
// None holds a tab or a line break: the console producer reads "key<TAB>value" lines.
func placementKeys() []string {
	keys := []string{
		"a", "b", "z", "0", "1", "9", "A", "Z", "_", "~",
		"key", "user-1", "user-2", "order:42", "tenant/eu-west-1/customer/17",
		`!"#$%&'()*+,-./:;<=>?@[\]^_{|}~`, "`backtick`", "with space", " leading", "trailing ",
		"  two  spaces  ", "key=value", "a,b,c", "null", "NULL", "\\t-not-a-tab", "%s%d%n",
		"日本語", "ключ", "Ünïcödé", "ß", "é", "€", "🔑", "emoji 🎉🎉", "한국어 키", "עברית",
		"e\u0301 combining", "\u00a0nbsp\u00a0", "zero\u200bwidth", "\u00ff\u00fe\u00fd",
		strings.Repeat("x", 255), strings.Repeat("y", 256), strings.Repeat("long-key/", 150),
		strings.Repeat("ä", 333), strings.Repeat("🔑", 77), strings.Repeat("0123456789", 400),
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN" // 40 characters
	for n := 2; n <= len(alphabet); n++ {
		keys = append(keys, alphabet[:n])
	}
	for i := 0; len(keys) < 200; i++ {
		keys = append(keys, fmt.Sprintf("order-%04d", i*7919))
	}
	return keys
}

// shortKey quotes k for a failure message, cutting long keys after 30 characters.
func shortKey(k string) string {
	if r := []rune(k); len(r) > 40 {
		return fmt.Sprintf("%q…(%d bytes)", string(r[:30]), len(k))
	}
	return fmt.Sprintf("%q", k)
}

// produceWithJavaConsoleProducer writes one message per key (value "v") to topic with
// Kafka's console producer, whose Java client chooses each message's partition with its
// default partitioner: no partition and no partitioner are configured.
func produceWithJavaConsoleProducer(t *testing.T, libs, bootstrap, topic string, keys []string) {
	t.Helper()
	var stdin bytes.Buffer
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		require.False(t, seen[k], "duplicate key %q", k)
		seen[k] = true
		require.False(t, strings.ContainsAny(k, "\t\r\n"), "key %q holds a separator", k)
		stdin.WriteString(k + "\tv\n")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", "-cp", filepath.Join(libs, "*"),
		"org.apache.kafka.tools.ConsoleProducer",
		"--bootstrap-server", bootstrap,
		"--topic", topic,
		"--property", "parse.key=true",
		"--property", "key.separator=\t",
	)
	cmd.Stdin = &stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	require.NoError(t, err, "Java console producer failed\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
}
