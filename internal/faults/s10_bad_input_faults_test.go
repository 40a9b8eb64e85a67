//go:build faults

package faults_test

// Scenario 10, bad input: a table of wrong calls — configuration properties, kafka://
// URLs, auth files, produce and commit arguments, calls on closed clients, oversized
// messages, unknown topics with auto-creation off, unsupported stream values, cluster
// calls — each run against the real library on the shared broker. Each must return the
// error kind the package documents (its kafkaerror code, through errors.Is) with a text
// naming what was wrong, and must not panic. Around the table, a producer and a
// consumer that also take many of the bad calls carry a ledger of messages: a batch
// acknowledged before the bad calls and one produced after them must all be read back.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// badCase is one wrong call and what it must return.
type badCase struct {
	group string
	name  string
	call  func() error
	code  kafkaerror.Code // the documented kind: errors.Is(err, code)
	want  []string        // the error text must contain each (what was wrong)
	not   []string        // and none of these (a password)
}

// badDelivery is a failed delivery report: the error with the message it came with,
// which is how a producer names what failed (DeliveryFunc(err, msg)).
type badDelivery struct {
	err error
	msg *message.Message
}

func (d *badDelivery) Error() string {
	return fmt.Sprintf("delivery report for %s[%d]: %v", d.msg.Topic(), d.msg.Partition(), d.err)
}
func (d *badDelivery) Unwrap() error { return d.err }

// badRun runs a case's call, turning a panic into a failure of the case.
func badRun(c badCase) (panicked any, err error) {
	defer func() { panicked = recover() }()
	return nil, c.call()
}

// badPollErr is the error of what Poll returns: a closed consumer's Poll returns a
// message whose Err is set.
func badPollErr(c *consumer.Consumer) error {
	m := c.Poll(0)
	if m == nil {
		return errors.New("Poll returned nil, not a message carrying the error")
	}
	if m.Err() == nil {
		return fmt.Errorf("Poll returned message %v without an error", m)
	}
	return m.Err()
}

const (
	badBatch     = 1000 // messages per ledger batch
	badValueSize = 100
	badSmallMax  = 2048 // max.message.bytes of the small topic
)

func TestScenario10BadInput(t *testing.T) {
	s := begin(t, "bad-input-table")
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 2, nil)
	small := testkafka.Topic(t, 1, map[string]string{"max.message.bytes": fmt.Sprint(badSmallMax)})
	missing := testkafka.UniqueName("faults-never-created") // no one creates it: auto-creation is off where it is used
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	ledger := faults.NewLedger()

	// The working producer: the ledger's messages, and many of the bad produce calls.
	var reportFailures []error
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap, "message.timeout.ms": 60_000},
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			if err != nil {
				reportFailures = append(reportFailures, fmt.Errorf("%v: %w", m, err))
				return
			}
			if id, err := faults.ID(m.Value()); err == nil {
				ledger.Acked(id)
			}
		}))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	produceBatch := func(first uint64) {
		t.Helper()
		for id := first; id < first+badBatch; id++ {
			if err := p.ProduceWait(ctx, topic, faults.Payload(id, badValueSize)); err != nil {
				t.Fatalf("produce %d: %v", id, err)
			}
		}
		if left := p.Flush(time.Minute); left != 0 {
			t.Fatalf("%d messages not delivered", left)
		}
	}
	produceBatch(0)
	if c := ledger.Counts(); c.Acked != badBatch || len(reportFailures) > 0 {
		t.Fatalf("before the bad calls: %d of %d acknowledged, failures %v", c.Acked, badBatch, reportFailures)
	}

	// The working consumer: it reads one message now (for the commit cases), takes bad
	// calls, and reads everything back at the end.
	groupID := testkafka.UniqueName("faults-bad-input")
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": bootstrap, "group.id": groupID, "enable.auto.commit": false,
		"enable.partition.eof": true,
	})
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fromStart := []topicpartition.TopicPartition{
		topicpartition.New(topic, 0, topicpartition.OffsetBeginning),
		topicpartition.New(topic, 1, topicpartition.OffsetBeginning),
	}
	if err := c.Assign(fromStart); err != nil {
		t.Fatalf("assign: %v", err)
	}
	var consumed, eof *message.Message
	for consumed == nil || eof == nil {
		if ctx.Err() != nil {
			t.Fatalf("no message and partition end from %s: %v", topic, ctx.Err())
		}
		m := c.Poll(100 * time.Millisecond)
		switch {
		case m == nil:
		case m.Err() == nil:
			if consumed == nil {
				consumed = m
			}
		case errors.Is(m.Err(), kafkaerror.PartitionEOF):
			eof = m
		default:
			t.Logf("consumer event: %v", m.Err())
		}
	}

	// Consumers for the group and auto-creation cases.
	noGroup, err := consumer.New(map[string]any{"bootstrap.servers": bootstrap})
	if err != nil {
		t.Fatalf("consumer without group: %v", err)
	}
	t.Cleanup(func() { _ = noGroup.Close() })
	idle, err := consumer.New(map[string]any{"bootstrap.servers": bootstrap, "group.id": testkafka.UniqueName("faults-idle")})
	if err != nil {
		t.Fatalf("idle consumer: %v", err)
	}
	t.Cleanup(func() { _ = idle.Close() })
	admin, err := cluster.New(map[string]any{"bootstrap.servers": bootstrap})
	if err != nil {
		t.Fatalf("cluster client: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })

	// Closed clients.
	closedP, err := producer.New(map[string]any{"bootstrap.servers": bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	closedC, err := consumer.New(map[string]any{"bootstrap.servers": bootstrap, "group.id": testkafka.UniqueName("faults-closed")})
	if err != nil {
		t.Fatal(err)
	}
	closedK, err := cluster.New(map[string]any{"bootstrap.servers": bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	closedW, err := stream.Open("kafka://"+bootstrap+"/"+topic, stream.Write, stream.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	closedR, err := stream.Open("kafka://"+bootstrap+"/"+topic, stream.Read, stream.NoAuth(), stream.Persist(),
		stream.StartAt(stream.Earliest), stream.AutoCommit(false))
	if err != nil {
		t.Fatal(err)
	}
	var readMD stream.Metadata
	for m, err := range closedR.Messages(ctx) {
		if err != nil {
			t.Fatalf("stream read: %v", err)
		}
		readMD = m.Metadata
		break
	}
	if readMD.Topic != topic {
		t.Fatalf("the stream reader read nothing from %s", topic)
	}
	for name, closeFn := range map[string]func() error{
		"producer": closedP.Close, "consumer": closedC.Close, "cluster": closedK.Close,
		"stream writer": closedW.Close, "stream reader": closedR.Close,
	} {
		if err := closeFn(); err != nil {
			t.Fatalf("closing the %s: %v", name, err)
		}
	}

	// A stream writer whose URL names two topics, for the write cases.
	w2, err := stream.Open("kafka://"+bootstrap+"/"+topic+","+small, stream.Write, stream.NoAuth())
	if err != nil {
		t.Fatalf("stream writer: %v", err)
	}
	t.Cleanup(func() { _ = w2.Close() })
	reader, err := stream.Open("kafka://"+bootstrap+"/"+topic, stream.Read, stream.NoAuth(), stream.Persist())
	if err != nil {
		t.Fatalf("stream reader: %v", err)
	}
	t.Cleanup(func() { _ = reader.Close() })

	// Auth files.
	writeFile := func(name, content string, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // whatever the umask
			t.Fatal(err)
		}
		return path
	}
	const goodAuth = "[[auth]]\nusername = \"alice\"\npassword = \"alice-secret\"\nprotocol = \"SASL_PLAINTEXT\"\n"
	open644 := writeFile("open644.toml", goodAuth, 0o644)
	group640 := writeFile("group640.toml", goodAuth, 0o640)
	others604 := writeFile("others604.toml", goodAuth, 0o604)
	private := writeFile("private.toml", goodAuth, 0o600)
	garbled := writeFile("garbled.toml", "[[auth]\nusername = ", 0o600)
	twoUsers := writeFile("two.toml", goodAuth+"[[auth]]\nusername = \"bob\"\npassword = \"bob-secret\"\n", 0o600)
	absent := filepath.Join(dir, "absent.toml")
	creds, err := stream.ParseAuth([]byte(goodAuth + "[[auth]]\nusername = \"bob\"\npassword = \"bob-secret\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	mustURL := func(raw string) *stream.URL {
		u, err := stream.ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	newProducer := func(config map[string]any) func() error {
		return func() error {
			pr, err := producer.New(config)
			if err == nil {
				_ = pr.Close()
			}
			return err
		}
	}
	newConsumer := func(config map[string]any) func() error {
		return func() error {
			co, err := consumer.New(config)
			if err == nil {
				_ = co.Close()
			}
			return err
		}
	}
	withBootstrap := func(kv ...any) map[string]any {
		m := map[string]any{"bootstrap.servers": bootstrap}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	parseURL := func(raw string) func() error {
		return func() error { _, err := stream.ParseURL(raw); return err }
	}
	parseAuth := func(data string) func() error {
		return func() error { _, err := stream.ParseAuth([]byte(data)); return err }
	}
	loadAuth := func(path string) func() error {
		return func() error { _, err := stream.LoadAuth(path); return err }
	}
	openStream := func(raw string, mode stream.Mode, opts ...stream.Option) func() error {
		return func() error {
			st, err := stream.Open(raw, mode, opts...)
			if err == nil {
				_ = st.Close()
			}
			return err
		}
	}
	// deliveryError produces one message with pr and waits for its delivery report.
	deliveryError := func(pr *producer.Producer, topic string, value []byte) func() error {
		return func() error {
			done := make(chan error, 1)
			err := pr.Produce(topic, value, producer.OnDelivery(func(err error, m *message.Message) {
				if err != nil {
					err = &badDelivery{err: err, msg: m}
				}
				done <- err
			}))
			if err != nil { // not wrapped: the case wants the delivery report's error
				return fmt.Errorf("refused at Produce instead of in the delivery report: %v", err)
			}
			if left := pr.Flush(45 * time.Second); left != 0 {
				return fmt.Errorf("no delivery report within 45s (%d outstanding)", left)
			}
			select {
			case err := <-done:
				return err
			default:
				return errors.New("Flush returned 0 but the delivery callback did not run")
			}
		}
	}
	bigValue := make([]byte, 1_100_000) // beyond message.max.bytes (1000000)
	tp := func(topic string, partition int32, offset topicpartition.Offset) topicpartition.TopicPartition {
		return topicpartition.New(topic, partition, offset)
	}
	at := func(offset topicpartition.Offset) []topicpartition.TopicPartition {
		return []topicpartition.TopicPartition{tp(topic, 0, offset)}
	}

	// A producer that may not create topics, for the unknown-topic case; it gives up on
	// a topic missing from the metadata after 2s instead of the default 30s.
	noCreateP, err := producer.New(map[string]any{
		"bootstrap.servers": bootstrap, "allow.auto.create.topics": false,
		"topic.metadata.propagation.max.ms": 2000, "message.timeout.ms": 40_000,
	})
	if err != nil {
		t.Fatalf("producer without auto-creation: %v", err)
	}
	t.Cleanup(func() { _ = noCreateP.Close() })

	const (
		cfg     = "config"
		url     = "url"
		auth    = "auth"
		produce = "produce"
		commit  = "commit"
		consum  = "consumer"
		closed  = "closed"
		unknown = "unknown-topic"
		write   = "stream"
		adm     = "cluster"
	)
	// Where rdstreams documents no code of its own (Seek of a partition not assigned, a
	// topic name the broker refuses, a commit the broker refuses), a case expects
	// librdkafka's, as the Python client raises it.
	closedWord := []string{"closed"}
	cases := []badCase{
		// Configuration: an error at New naming the property.
		{cfg, "producer unknown property", newProducer(withBootstrap("no.such.property", 1)), kafkaerror.InvalidArg, []string{"no.such.property"}, nil},
		{cfg, "producer invalid enum value", newProducer(withBootstrap("acks", "maybe")), kafkaerror.InvalidArg, []string{`"acks"`}, nil},
		{cfg, "producer default.topic.config not a map", newProducer(withBootstrap("default.topic.config", "acks=all")), kafkaerror.InvalidArg, []string{`"default.topic.config"`, "string"}, nil},
		{cfg, "producer value out of range", newProducer(withBootstrap("linger.ms", -5)), kafkaerror.InvalidArg, []string{"linger.ms", "-5"}, nil},
		{cfg, "producer invalid codec", newProducer(withBootstrap("compression.type", "zip")), kafkaerror.InvalidArg, []string{"compression.type", "zip"}, nil},
		{cfg, "producer message.max.bytes too small", newProducer(withBootstrap("message.max.bytes", 10)), kafkaerror.InvalidArg, []string{"message.max.bytes", "10"}, nil},
		{cfg, "producer invalid boolean", newProducer(withBootstrap("enable.idempotence", "yes please")), kafkaerror.InvalidArg, []string{"enable.idempotence"}, nil},
		{cfg, "producer wrong value type", newProducer(withBootstrap("linger.ms", []int{5})), kafkaerror.InvalidArg, []string{"linger.ms", "[]int"}, nil},
		{cfg, "producer nil value", newProducer(withBootstrap("client.id", nil)), kafkaerror.InvalidArg, []string{"client.id"}, nil},
		{cfg, "producer go.* property refused", newProducer(withBootstrap("go.delivery.reports", false)), kafkaerror.InvalidArg, []string{"go.delivery.reports"}, nil},
		{cfg, "producer transactional.id without idempotence", newProducer(withBootstrap("transactional.id", "t1", "enable.idempotence", false)), kafkaerror.InvalidArg, []string{"enable.idempotence"}, nil},
		{cfg, "producer invalid partitioner", newProducer(withBootstrap("partitioner", "roulette")), kafkaerror.InvalidArg, []string{"partitioner", "roulette"}, nil},
		{cfg, "consumer unknown property", newConsumer(withBootstrap("group.id", "g", "no.such.consumer.property", "x")), kafkaerror.InvalidArg, []string{"no.such.consumer.property"}, nil},
		{cfg, "consumer invalid auto.offset.reset", newConsumer(withBootstrap("group.id", "g", "auto.offset.reset", "sometimes")), kafkaerror.InvalidArg, []string{"auto.offset.reset", "sometimes"}, nil},
		{cfg, "consumer invalid enable.auto.commit", newConsumer(withBootstrap("group.id", "g", "enable.auto.commit", "perhaps")), kafkaerror.InvalidArg, []string{"enable.auto.commit", "perhaps"}, nil},
		{cfg, "consumer numeric enable.auto.offset.store", newConsumer(withBootstrap("group.id", "g", "enable.auto.offset.store", 7)), kafkaerror.InvalidArg, []string{"enable.auto.offset.store"}, nil},
		{cfg, "consumer invalid isolation.level", newConsumer(withBootstrap("isolation.level", "dirty")), kafkaerror.InvalidArg, []string{"isolation.level", "dirty"}, nil},
		{cfg, "consumer wrong value type", newConsumer(withBootstrap("session.timeout.ms", struct{}{})), kafkaerror.InvalidArg, []string{"session.timeout.ms", "struct"}, nil},
		{cfg, "consumer go.* property refused", newConsumer(withBootstrap("go.application.rebalance.enable", true)), kafkaerror.InvalidArg, []string{"go.application.rebalance.enable"}, nil},
		{cfg, "consumer max.poll.interval.ms out of range", newConsumer(withBootstrap("group.id", "g", "max.poll.interval.ms", 0)), kafkaerror.InvalidArg, []string{"max.poll.interval.ms"}, nil},
		{cfg, "consumer invalid group.protocol", newConsumer(withBootstrap("group.id", "g", "group.protocol", "bogus")), kafkaerror.InvalidArg, []string{"group.protocol", "bogus"}, nil},
		{cfg, "cluster unknown property", func() error {
			k, err := cluster.New(withBootstrap("no.such.admin.property", "1"))
			if err == nil {
				_ = k.Close()
			}
			return err
		}, kafkaerror.InvalidArg, []string{"no.such.admin.property"}, nil},
		{cfg, "cluster go.* property refused", func() error {
			k, err := cluster.New(withBootstrap("go.events.channel.size", 5))
			if err == nil {
				_ = k.Close()
			}
			return err
		}, kafkaerror.InvalidArg, []string{"go.events.channel.size"}, nil},
		{cfg, "stream Open with an unknown property", openStream("kafka://"+bootstrap+"/"+topic, stream.Write, stream.NoAuth(),
			stream.Config(map[string]any{"no.such.stream.property": true})), kafkaerror.InvalidArg, []string{"no.such.stream.property"}, nil},

		// kafka:// URLs: InvalidArg quoting the URL.
		{url, "empty URL", parseURL(""), kafkaerror.InvalidArg, []string{`""`, "empty URL"}, nil},
		{url, "other scheme", parseURL("http://host/topic"), kafkaerror.InvalidArg, []string{`"http://host/topic"`, `"http"`}, nil},
		{url, "missing //", parseURL("kafka:host/topic"), kafkaerror.InvalidArg, []string{`"kafka:host/topic"`, "//"}, nil},
		{url, "empty host", parseURL("kafka:///topic"), kafkaerror.InvalidArg, []string{`"kafka:///topic"`, "host"}, nil},
		{url, "empty host in list", parseURL("kafka://h1,,h2/topic"), kafkaerror.InvalidArg, []string{`"kafka://h1,,h2/topic"`, "broker 2", "empty host"}, nil},
		{url, "port out of range", parseURL("kafka://host:99999/topic"), kafkaerror.InvalidArg, []string{"99999", "range"}, nil},
		{url, "port zero", parseURL("kafka://host:0/topic"), kafkaerror.InvalidArg, []string{"port 0"}, nil},
		{url, "port not a number", parseURL("kafka://host:abc/topic"), kafkaerror.InvalidArg, []string{`"abc"`, "not a number"}, nil},
		{url, "empty port", parseURL("kafka://host:/topic"), kafkaerror.InvalidArg, []string{"empty port"}, nil},
		{url, "password in URL", parseURL("kafka://alice:s3cr3t-pw@host/topic"), kafkaerror.InvalidArg, []string{"password", "kafka://alice@host"}, []string{"s3cr3t-pw"}},
		{url, "empty topic in list", parseURL("kafka://host/a,,b"), kafkaerror.InvalidArg, []string{"topic 2", "empty topic"}, nil},
		{url, "topic with a bad character", parseURL("kafka://host/orders$"), kafkaerror.InvalidArg, []string{`"orders$"`, `'$'`}, nil},
		{url, "topic ..", parseURL("kafka://host/.."), kafkaerror.InvalidArg, []string{`".."`}, nil},
		{url, "topic too long", parseURL("kafka://host/" + strings.Repeat("t", 250)), kafkaerror.InvalidArg, []string{"250", "249"}, nil},
		{url, "whitespace", parseURL("kafka://host/my topic"), kafkaerror.InvalidArg, []string{"whitespace"}, nil},
		{url, "query string", parseURL("kafka://host/topic?acks=all"), kafkaerror.InvalidArg, []string{`"?acks=all"`}, nil},
		{url, "IPv6 without ]", parseURL("kafka://[::1/topic"), kafkaerror.InvalidArg, []string{"']'"}, nil},
		{url, "two colons", parseURL("kafka://a:1:2/topic"), kafkaerror.InvalidArg, []string{"more than one ':'"}, nil},
		{url, "Open for reading without topic", openStream("kafka://"+bootstrap, stream.Read, stream.NoAuth()), kafkaerror.InvalidArg, []string{"no topic", bootstrap}, nil},
		{url, "Open with a bad port", openStream("kafka://127.0.0.1:70000/"+topic, stream.Write, stream.NoAuth()), kafkaerror.InvalidArg, []string{"70000"}, nil},
		{url, "Open with a password", openStream("kafka://alice:s3cr3t-pw@"+bootstrap+"/"+topic, stream.Read, stream.NoAuth()), kafkaerror.InvalidArg, []string{"password"}, []string{"s3cr3t-pw"}},
		{url, "Open with mode 0", openStream("kafka://"+bootstrap+"/"+topic, stream.Mode(0), stream.NoAuth()), kafkaerror.InvalidArg, []string{"mode 0"}, nil},
		{url, "ParseMode", func() error { _, err := stream.ParseMode("rw"); return err }, kafkaerror.InvalidArg, []string{`"rw"`}, nil},
		{url, "Last without topic", func() error {
			_, err := stream.Last(ctx, "kafka://"+bootstrap, 5, stream.NoAuth())
			return err
		}, kafkaerror.InvalidArg, []string{"no topic"}, nil},
		{url, "Last of 0 messages", func() error {
			_, err := stream.Last(ctx, "kafka://"+bootstrap+"/"+topic, 0, stream.NoAuth())
			return err
		}, kafkaerror.InvalidArg, []string{"got 0"}, nil},

		// Auth data and files: InvalidArg saying what to fix.
		{auth, "empty auth data", parseAuth(""), kafkaerror.InvalidArg, []string{"no [[auth]] entries"}, nil},
		{auth, "not TOML", parseAuth("[[auth]\nusername ="), kafkaerror.InvalidArg, []string{"not valid TOML"}, nil},
		{auth, "missing password", parseAuth("[[auth]]\nusername = \"alice\"\n"), kafkaerror.InvalidArg, []string{"entry 1", "missing password", `"alice"`}, nil},
		{auth, "missing username", parseAuth("[[auth]]\nusername = \"a\"\npassword = \"p\"\n[[auth]]\npassword = \"p2\"\n"), kafkaerror.InvalidArg, []string{"entry 2", "missing username"}, []string{"p2"}},
		{auth, "username of the wrong type", parseAuth("[[auth]]\nusername = 42\npassword = \"p\"\n"), kafkaerror.InvalidArg, []string{"username", "integer"}, nil},
		{auth, "unknown mechanism", parseAuth("[[auth]]\nusername = \"a\"\npassword = \"p\"\nmechanism = \"SCRAM-SHA-1\"\n"), kafkaerror.InvalidArg, []string{`"SCRAM-SHA-1"`}, nil},
		{auth, "OAUTHBEARER mechanism without token_endpoint", parseAuth("[[auth]]\nusername = \"a\"\npassword = \"p\"\nmechanism = \"OAUTHBEARER\"\n"), kafkaerror.InvalidArg, []string{`"OAUTHBEARER"`, "not supported", "token_endpoint"}, nil},
		{auth, "token_command", parseAuth("[[auth]]\nusername = \"a\"\npassword = \"p\"\ntoken_command = \"get-token\"\n"), kafkaerror.InvalidArg, []string{"token_command", "not supported"}, nil},
		{auth, "unknown protocol", parseAuth("[[auth]]\nusername = \"a\"\npassword = \"p\"\nprotocol = \"PLAINTEXT\"\n"), kafkaerror.InvalidArg, []string{`"PLAINTEXT"`}, nil},
		{auth, "malformed hostname", parseAuth("[[auth]]\nusername = \"a\"\npassword = \"p\"\nhostname = \"kafka:port\"\n"), kafkaerror.InvalidArg, []string{`"kafka:port"`}, nil},
		{auth, "file readable by all", loadAuth(open644), kafkaerror.InvalidArg, []string{open644, "0644", "chmod 600"}, []string{"alice-secret"}},
		{auth, "file readable by group", loadAuth(group640), kafkaerror.InvalidArg, []string{group640, "chmod 600"}, nil},
		{auth, "file readable by others", loadAuth(others604), kafkaerror.InvalidArg, []string{others604, "chmod 600"}, nil},
		{auth, "Open with an unsafe auth file", openStream("kafka://"+bootstrap+"/"+topic, stream.Write, stream.AuthFile(open644)), kafkaerror.InvalidArg, []string{open644, "chmod 600"}, nil},
		{auth, "no auth file", loadAuth(absent), kafkaerror.InvalidArg, []string{absent, "chmod 600"}, nil},
		{auth, "auth file is a directory", loadAuth(dir), kafkaerror.InvalidArg, []string{dir, "directory"}, nil},
		{auth, "garbled auth file", loadAuth(garbled), kafkaerror.InvalidArg, []string{garbled, "TOML"}, nil},
		{auth, "Open with a user the file lacks", openStream("kafka://carol@"+bootstrap+"/"+topic, stream.Write, stream.AuthFile(private)), kafkaerror.InvalidArg, []string{`"carol"`, "add an [[auth]] entry"}, []string{"alice-secret"}},
		{auth, "Open with two matching users", openStream("kafka://"+bootstrap+"/"+topic, stream.Write, stream.AuthFile(twoUsers)), kafkaerror.InvalidArg, []string{"alice, bob", "kafka://alice@"}, []string{"secret"}},
		{auth, "SelectCredential without a match", func() error {
			_, err := stream.SelectCredential(creds, mustURL("kafka://dave@kafka.example.org/t"))
			return err
		}, kafkaerror.InvalidArg, []string{`"dave"`, "kafka.example.org"}, nil},

		// Produce arguments, on the working producer.
		{produce, "empty topic", func() error { return p.Produce("", []byte("x")) }, kafkaerror.InvalidArg, []string{"topic"}, nil},
		{produce, "partition beyond the topic", func() error { return p.Produce(topic, []byte("x"), producer.Partition(7)) }, kafkaerror.UnknownPartition, []string{"partition"}, nil},
		{produce, "negative partition", func() error { return p.Produce(topic, []byte("x"), producer.Partition(-7)) }, kafkaerror.UnknownPartition, []string{"partition"}, nil},
		{produce, "value beyond message.max.bytes", func() error { return p.Produce(topic, bigValue) }, kafkaerror.MsgSizeTooLarge, []string{"too large"}, nil},
		{produce, "key beyond message.max.bytes", func() error { return p.Produce(topic, []byte("v"), producer.Key(bigValue)) }, kafkaerror.MsgSizeTooLarge, []string{"too large"}, nil},
		{produce, "ProduceWait with an empty topic", func() error { return p.ProduceWait(ctx, "", []byte("x")) }, kafkaerror.InvalidArg, []string{"topic"}, nil},
		{produce, "broker refuses a message beyond max.message.bytes", deliveryError(p, small, make([]byte, 4*badSmallMax)), kafkaerror.MsgSizeTooLarge, []string{small, "too large"}, nil},
		{produce, "transaction on a non-transactional producer", func() error { return p.BeginTransaction() }, kafkaerror.NotConfigured, []string{"transactional.id"}, nil},
		{produce, "InitTransactions on a non-transactional producer", func() error { return p.InitTransactions(ctx) }, kafkaerror.NotConfigured, []string{"transactional.id"}, nil},
		{produce, "topic name Kafka refuses", deliveryError(p, "bad topic!", []byte("x")), kafkaerror.TopicException, []string{"bad topic!"}, nil},
		{produce, "topic name Kafka refuses, auto-creation off", deliveryError(noCreateP, "bad topic!!", []byte("x")), kafkaerror.TopicException, []string{"bad topic!!"}, nil},
		{produce, "topic name of 300 characters", deliveryError(p, strings.Repeat("x", 300), []byte("x")), kafkaerror.TopicException, []string{strings.Repeat("x", 300)}, nil},

		// Commit arguments, on the working consumer.
		{commit, "message and offsets", func() error {
			_, err := c.Commit(consumer.CommitMessage(consumed), consumer.CommitOffsets(at(1)...))
			return err
		}, kafkaerror.InvalidArg, []string{"not both"}, nil},
		{commit, "nil message", func() error { _, err := c.Commit(consumer.CommitMessage(nil)); return err }, kafkaerror.InvalidArg, []string{"nil message"}, nil},
		{commit, "message carrying an error", func() error { _, err := c.Commit(consumer.CommitMessage(eof)); return err }, kafkaerror.InvalidArg, []string{"carries an error"}, nil},
		{commit, "empty offset list", func() error { _, err := c.Commit(consumer.CommitOffsets()); return err }, kafkaerror.InvalidArg, []string{"empty"}, nil},
		{commit, "nothing to commit", func() error { _, err := idle.Commit(); return err }, kafkaerror.NoOffset, []string{"offset"}, nil},
		{commit, "no group.id: Commit", func() error { _, err := noGroup.Commit(); return err }, kafkaerror.InvalidArg, []string{"Commit", "group.id"}, nil},
		{commit, "no group.id: Committed", func() error { _, err := noGroup.Committed(at(0), 5*time.Second); return err }, kafkaerror.InvalidArg, []string{"Committed", "group.id"}, nil},
		{consum, "no group.id: Subscribe", func() error { return noGroup.Subscribe([]string{topic}) }, kafkaerror.InvalidArg, []string{"Subscribe", "group.id"}, nil},
		{commit, "no group.id: StoreOffsets", func() error { _, err := noGroup.StoreOffsets(at(1)); return err }, kafkaerror.InvalidArg, []string{"group.id"}, nil},
		{commit, "StoreMessage of nil", func() error { _, err := c.StoreMessage(nil); return err }, kafkaerror.InvalidArg, []string{"nil message"}, nil},
		{consum, "Subscribe to no topics", func() error { return idle.Subscribe(nil) }, kafkaerror.InvalidArg, []string{"no topics"}, nil},
		{consum, "Subscribe while manually assigned", func() error { return c.Subscribe([]string{topic}) }, kafkaerror.Conflict, []string{"Unassign"}, nil},
		{commit, "commit a partition beyond the topic", func() error {
			_, err := c.Commit(consumer.CommitOffsets(tp(topic, 9, 5)))
			return err
		}, kafkaerror.UnknownTopicOrPart, []string{"Unknown topic or partition"}, nil},
		{commit, "commit an empty topic name", func() error {
			_, err := c.Commit(consumer.CommitOffsets(tp("", 0, 5)))
			return err
		}, kafkaerror.InvalidArg, []string{"offsets[0]", "no topic name"}, nil},
		// _STATE, as confluent-kafka-python's seek (librdkafka's partition-list seek) says
		// for a partition the consumer does not fetch (issue 12; was _UNKNOWN_PARTITION
		// through rd_kafka_seek).
		{consum, "Seek a partition not assigned", func() error { return c.Seek(tp(topic, 9, 0)) }, kafkaerror.State, []string{"partition 9"}, nil},
		{consum, "watermarks of a partition beyond the topic", func() error {
			_, _, err := c.GetWatermarkOffsets(tp(topic, 9, 0), 10*time.Second, false)
			return err
		}, kafkaerror.UnknownPartition, []string{"partition"}, nil},
		{consum, "assign a partition beyond the topic", func() error {
			co, err := consumer.New(map[string]any{"bootstrap.servers": bootstrap})
			if err != nil {
				return fmt.Errorf("consumer: %v", err)
			}
			defer co.Close()
			if err := co.Assign([]topicpartition.TopicPartition{tp(topic, 9, 0)}); err != nil {
				return err
			}
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				if m := co.Poll(100 * time.Millisecond); m != nil {
					return m.Err() // the first thing Poll returns must be the error
				}
			}
			return errors.New("no error within 30s")
		}, kafkaerror.UnknownPartition, []string{topic + " [9]"}, nil},
		{consum, "Consume -1", func() error { _, err := c.Consume(-1, time.Millisecond); return err }, kafkaerror.InvalidArg, []string{"got -1"}, nil},
		{consum, "Consume 1000001", func() error { _, err := c.Consume(1_000_001, time.Millisecond); return err }, kafkaerror.InvalidArg, []string{"got 1000001"}, nil},

		// Calls on closed clients: ErrClosed (_DESTROY).
		{closed, "producer Produce", func() error { return closedP.Produce(topic, []byte("x")) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "producer ProduceWait", func() error { return closedP.ProduceWait(ctx, topic, []byte("x")) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "producer InitTransactions", func() error { return closedP.InitTransactions(ctx) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "producer BeginTransaction", closedP.BeginTransaction, kafkaerror.Destroy, closedWord, nil},
		{closed, "producer CommitTransaction", func() error { return closedP.CommitTransaction(ctx) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "producer AbortTransaction", func() error { return closedP.AbortTransaction(ctx) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Poll", func() error { return badPollErr(closedC) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Consume", func() error { _, err := closedC.Consume(10, time.Millisecond); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Messages", func() error {
			for _, err := range closedC.Messages(ctx) {
				return err
			}
			return errors.New("Messages yielded nothing")
		}, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Subscribe", func() error { return closedC.Subscribe([]string{topic}) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Unsubscribe", closedC.Unsubscribe, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Subscription", func() error { _, err := closedC.Subscription(); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Assign", func() error { return closedC.Assign(at(0)) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Unassign", closedC.Unassign, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer IncrementalAssign", func() error { return closedC.IncrementalAssign(at(0)) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Assignment", func() error { _, err := closedC.Assignment(); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Commit", func() error { _, err := closedC.Commit(); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Commit of a message", func() error { _, err := closedC.Commit(consumer.CommitMessage(consumed)); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Committed", func() error { _, err := closedC.Committed(at(0), time.Second); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer StoreOffsets", func() error { _, err := closedC.StoreOffsets(at(1)); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Position", func() error { _, err := closedC.Position(at(0)); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer GetWatermarkOffsets", func() error {
			_, _, err := closedC.GetWatermarkOffsets(tp(topic, 0, 0), time.Second, false)
			return err
		}, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Seek", func() error { return closedC.Seek(tp(topic, 0, 0)) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Pause", func() error { return closedC.Pause(at(0)) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer Resume", func() error { return closedC.Resume(at(0)) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer OffsetsForTimes", func() error { _, err := closedC.OffsetsForTimes(at(0), time.Second); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "consumer GroupMetadata", func() error { _, err := closedC.GroupMetadata(); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster Metadata", func() error { _, err := closedK.Metadata(ctx); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster TopicMetadata", func() error { _, err := closedK.TopicMetadata(ctx, topic); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster CreateTopics", func() error {
			return closedK.CreateTopics(ctx, cluster.TopicSpec{Name: testkafka.UniqueName("faults-closed"), Partitions: 1})
		}, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster DeleteTopics", func() error { return closedK.DeleteTopics(ctx, topic) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster TopicConfig", func() error { _, err := closedK.TopicConfig(ctx, topic); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster ConsumerGroups", func() error { _, err := closedK.ConsumerGroups(ctx); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster GroupLag", func() error { _, err := closedK.GroupLag(ctx, groupID); return err }, kafkaerror.Destroy, closedWord, nil},
		{closed, "cluster PublishBatch", func() error {
			_, err := closedK.PublishBatch(ctx, topic, 0, [][]byte{[]byte("x")})
			return err
		}, kafkaerror.Destroy, closedWord, nil},
		{closed, "stream Write", func() error { return closedW.Write("x") }, kafkaerror.Destroy, closedWord, nil},
		{closed, "stream Flush", func() error { return closedW.Flush(ctx) }, kafkaerror.Destroy, closedWord, nil},
		{closed, "stream MarkDone", func() error { return closedR.MarkDone(readMD) }, kafkaerror.Destroy, closedWord, nil},

		// Unknown topics with auto-creation off.
		{unknown, "producer without auto-creation", deliveryError(noCreateP, missing, []byte("x")), kafkaerror.UnknownTopicOrPart, []string{missing}, nil},
		{unknown, "consumer subscribed without auto-creation", func() error {
			co, err := consumer.New(map[string]any{"bootstrap.servers": bootstrap, "group.id": testkafka.UniqueName("faults-unknown"),
				"allow.auto.create.topics": false})
			if err != nil {
				return fmt.Errorf("consumer: %v", err)
			}
			defer co.Close()
			if err := co.Subscribe([]string{missing}); err != nil {
				return fmt.Errorf("subscribe: %v", err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				if m := co.Poll(100 * time.Millisecond); m != nil {
					return m.Err() // the first thing Poll returns must be the error
				}
			}
			return errors.New("no error within 30s")
		}, kafkaerror.UnknownTopicOrPart, []string{missing}, nil},
		{unknown, "stream reader without auto-creation", func() error {
			r, err := stream.Open("kafka://"+bootstrap+"/"+missing, stream.Read, stream.NoAuth(),
				stream.Config(map[string]any{"allow.auto.create.topics": false}))
			if err != nil {
				return err // a reader asks about its topics at Open, as hop's does
			}
			defer r.Close()
			rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
			defer rcancel()
			for m, err := range r.Messages(rctx) {
				if err != nil {
					return err
				}
				return fmt.Errorf("message %v from a topic that does not exist", m.Metadata)
			}
			return errors.New("the reader ended without an error")
		}, kafkaerror.UnknownTopicOrPart, []string{missing}, nil},
		{unknown, "cluster TopicMetadata", func() error { _, err := admin.TopicMetadata(ctx, missing); return err }, kafkaerror.UnknownTopicOrPart, []string{missing}, nil},
		{unknown, "cluster DeleteTopics", func() error { return admin.DeleteTopics(ctx, missing) }, kafkaerror.UnknownTopicOrPart, []string{missing}, nil},
		{unknown, "cluster TopicConfig", func() error { _, err := admin.TopicConfig(ctx, missing); return err }, kafkaerror.UnknownTopicOrPart, []string{missing}, nil},
		{unknown, "cluster GroupLag of an unknown group", func() error {
			_, err := admin.GroupLag(ctx, missing)
			return err
		}, kafkaerror.GroupIDNotFound, []string{missing}, nil},

		// stream.Write of what it cannot write, and calls a stream's mode does not allow.
		{write, "Write an int", func() error { return w2.Write(42, stream.Topic(topic)) }, kafkaerror.InvalidArg, []string{"int"}, nil},
		{write, "Write a struct", func() error { return w2.Write(struct{ A int }{1}, stream.Topic(topic)) }, kafkaerror.InvalidArg, []string{"struct"}, nil},
		{write, "Write a map without JSON", func() error { return w2.Write(map[string]int{"a": 1}, stream.Topic(topic)) }, kafkaerror.InvalidArg, []string{"map[string]int", "stream.JSON"}, nil},
		{write, "Write JSON of a channel", func() error { return w2.Write(stream.JSON(make(chan int)), stream.Topic(topic)) }, kafkaerror.InvalidArg, []string{"JSON", "chan int"}, nil},
		{write, "Write without topic to a two-topic URL", func() error { return w2.Write("x") }, kafkaerror.InvalidArg, []string{"2 topics", "stream.Topic"}, nil},
		{write, "Write to a URL without topic", func() error {
			w0, err := stream.Open("kafka://"+bootstrap, stream.Write, stream.NoAuth())
			if err != nil {
				return fmt.Errorf("open: %v", err)
			}
			defer w0.Close()
			return w0.Write("x")
		}, kafkaerror.InvalidArg, []string{"0 topics", "stream.Topic"}, nil},
		{write, "Write a value beyond message.max.bytes", func() error { return w2.Write(bigValue, stream.Topic(topic)) }, kafkaerror.MsgSizeTooLarge, []string{"too large"}, nil},
		{write, "Write on a reader", func() error { return reader.Write("x") }, kafkaerror.InvalidArg, []string{"reading"}, nil},
		{write, "Messages on a writer", func() error {
			for _, err := range w2.Messages(ctx) {
				return err
			}
			return errors.New("Messages yielded nothing")
		}, kafkaerror.InvalidArg, []string{"writing"}, nil},
		{write, "MarkDone on a writer", func() error { return w2.MarkDone(readMD) }, kafkaerror.InvalidArg, []string{"writing"}, nil},
		{write, "MarkDoneAsync on a writer", func() error { return w2.MarkDoneAsync(readMD) }, kafkaerror.InvalidArg, []string{"writing"}, nil},
		{write, "Write a string that is not UTF-8", func() error { return w2.Write("\xff\xfe", stream.Topic(topic)) }, kafkaerror.InvalidArg, []string{"UTF-8", "[]byte"}, nil},
		{write, "MarkDone of made-up metadata", func() error { return reader.MarkDone(stream.Metadata{Topic: topic}) }, kafkaerror.InvalidArg, []string{"Metadata"}, nil},

		// Cluster calls with bad input.
		{adm, "create a topic without name", func() error { return admin.CreateTopics(ctx, cluster.TopicSpec{Partitions: 1}) }, kafkaerror.InvalidArg, []string{"empty"}, nil},
		{adm, "create a topic with a bad name", func() error { return admin.CreateTopics(ctx, cluster.TopicSpec{Name: "bad name!", Partitions: 1}) }, kafkaerror.InvalidArg, []string{`"bad name!"`, "' '"}, nil},
		{adm, "create a topic with 0 partitions", func() error {
			return admin.CreateTopics(ctx, cluster.TopicSpec{Name: testkafka.UniqueName("faults-zero"), Partitions: 0})
		}, kafkaerror.InvalidArg, []string{"0 partitions"}, nil},
		{adm, "create a topic with a negative replication factor", func() error {
			return admin.CreateTopics(ctx, cluster.TopicSpec{Name: testkafka.UniqueName("faults-neg"), Partitions: 1, ReplicationFactor: -2})
		}, kafkaerror.InvalidArg, []string{"replication factor -2"}, nil},
		{adm, "create the same topic twice in one call", func() error {
			return admin.CreateTopics(ctx, cluster.TopicSpec{Name: "faults-twice", Partitions: 1}, cluster.TopicSpec{Name: "faults-twice", Partitions: 1})
		}, kafkaerror.InvalidArg, []string{`"faults-twice"`, "twice"}, nil},
		{adm, "create a topic that exists", func() error { return admin.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: 2}) }, kafkaerror.TopicAlreadyExists, []string{topic}, nil},
		{adm, "create a topic with an invalid config", func() error {
			name := testkafka.UniqueName("faults-badcfg")
			return admin.CreateTopics(ctx, cluster.TopicSpec{Name: name, Partitions: 1, Configs: map[string]string{"cleanup.policy": "shred"}})
		}, kafkaerror.InvalidConfig, []string{"shred"}, nil},
		{adm, "create a topic with more replicas than brokers", func() error {
			name := testkafka.UniqueName("faults-rf")
			return admin.CreateTopics(ctx, cluster.TopicSpec{Name: name, Partitions: 1, ReplicationFactor: 3})
		}, kafkaerror.InvalidReplicationFactor, []string{"faults-rf"}, nil},
		{adm, "TopicMetadata of an empty name", func() error { _, err := admin.TopicMetadata(ctx, ""); return err }, kafkaerror.InvalidArg, []string{"empty"}, nil},
		{adm, "PublishBatch to a negative partition", func() error {
			_, err := admin.PublishBatch(ctx, topic, -1, [][]byte{[]byte("x")})
			return err
		}, kafkaerror.InvalidArg, []string{"partition -1"}, nil},
		{adm, "PublishBatch to a partition beyond the topic", func() error {
			pctx, pcancel := context.WithTimeout(ctx, 60*time.Second)
			defer pcancel()
			_, err := admin.PublishBatch(pctx, topic, 9, [][]byte{[]byte("x")})
			return err
		}, kafkaerror.UnknownPartition, []string{"partition"}, nil},
		{adm, "GroupLag of an empty group id", func() error { _, err := admin.GroupLag(ctx, ""); return err }, kafkaerror.InvalidArg, []string{"empty group"}, nil},
	}

	// Run the table.
	failedCases := 0
	for _, bc := range cases {
		t.Run(bc.group+"/"+bc.name, func(t *testing.T) {
			start := time.Now()
			panicked, err := badRun(bc)
			took := time.Since(start)
			defer func() {
				if t.Failed() {
					failedCases++
				}
			}()
			if panicked != nil {
				t.Fatalf("panicked: %v", panicked)
			}
			if err == nil {
				t.Fatalf("no error (want %s)", bc.code.Name())
			}
			got := "not a *kafkaerror.Error"
			var kerr *kafkaerror.Error
			if errors.As(err, &kerr) {
				got = kerr.Name()
			}
			t.Logf("%s in %v: %s", got, took.Round(time.Millisecond), err)
			if !errors.Is(err, bc.code) {
				t.Errorf("error %q is %s, want %s", err, got, bc.code.Name())
			}
			for _, w := range bc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			for _, n := range bc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q gives away %q", err, n)
				}
			}
		})
	}
	perGroup := map[string]int{}
	var groups []string
	for _, bc := range cases {
		if perGroup[bc.group] == 0 {
			groups = append(groups, bc.group)
		}
		perGroup[bc.group]++
	}
	var counts []string
	for _, g := range groups {
		counts = append(counts, fmt.Sprintf("%s %d", g, perGroup[g]))
	}
	s.figure("%d cases (%s)", len(cases), strings.Join(counts, ", "))
	if failedCases > 0 {
		s.figure("%d failed", failedCases)
	}

	// The clients that took the bad calls still work: a second batch goes through the
	// same producer, the consumer reads both back from the start, and commits.
	produceBatch(badBatch)
	if len(reportFailures) > 0 {
		t.Errorf("delivery failures on the working producer: %v", reportFailures)
	}
	if err := c.Assign(fromStart); err != nil {
		t.Fatalf("re-assign: %v", err)
	}
	var last *message.Message
	for distinct := 0; distinct < 2*badBatch; {
		if ctx.Err() != nil {
			t.Errorf("reading back: %d of %d messages before the deadline", distinct, 2*badBatch)
			break
		}
		m := c.Poll(100 * time.Millisecond)
		if m == nil || m.Err() != nil {
			continue
		}
		id, err := faults.ID(m.Value())
		if err != nil {
			t.Errorf("foreign message %v: %v", m, err)
			continue
		}
		if ledger.Seen(id) {
			distinct++
		}
		last = m
	}
	if last != nil {
		parts, err := c.Commit(consumer.CommitMessage(last))
		if err != nil || len(parts) != 1 || parts[0].Err != nil {
			t.Errorf("commit after the bad calls: %v %v", parts, err)
		}
	}
	s.account(ledger, 0)
}
