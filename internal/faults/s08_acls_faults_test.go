//go:build faults

package faults_test

import (
	"context"
	"errors"
	"fmt"
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

// secACLMessages is how many messages admin writes for the readers in scenario 8, over
// secACLPartitions partitions.
const (
	secACLMessages   = 5000
	secACLPartitions = 3
)

// secAdminTopic has admin create a topic through the library's admin client and write
// secACLMessages messages to it, all over SASL_SSL; the ledger holds them as acknowledged.
func secAdminTopic(t *testing.T, s *scenario, sb *testkafka.SecureBroker, partitions int) (string, *faults.Ledger) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	topic := testkafka.UniqueName("acls")
	admin, err := cluster.New(sb.Config(sb.Admin), cluster.WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("admin client: %v", err)
	}
	err = admin.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: partitions, ReplicationFactor: 1})
	if cerr := admin.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("admin creating topic %s over SASL_SSL: %v", topic, err)
	}
	ledger := faults.NewLedger()
	t0 := time.Now()
	secProduceAll(t, sb.Config(sb.Admin), topic, ledger, 1, secACLMessages)
	s.figure("admin wrote %d messages in %.1fs", secACLMessages, time.Since(t0).Seconds())
	return topic, ledger
}

// TestScenario08ACLs: under the StandardAuthorizer (no ACL, no access), admin (a super
// user) creates a topic and writes messages to it, all over SASL_SSL. Bob may use his
// consumer group but has no ACL on the topic: he gets TOPIC_AUTHORIZATION_FAILED when he
// consumes — from Poll after Subscribe, and from a stream reader's iteration — and in
// the delivery report when he produces, and receives nothing; in a group he has no ACL
// for he gets GROUP_AUTHORIZATION_FAILED. He still gets the cluster's metadata, without
// the topic. Alice, granted READ on the topic and on her group, consumes every message
// admin wrote (the ledger: 0 lost, 0 duplicated); without WRITE she cannot produce
// (TOPIC_AUTHORIZATION_FAILED in the delivery report). Scenario 8b covers consumers
// without a group.
func TestScenario08ACLs(t *testing.T) {
	s := begin(t, "acls")
	sb := testkafka.StartSecureBroker(t)
	topic, ledger := secAdminTopic(t, s, sb, secACLPartitions)

	// Bob: READ on his group, nothing on the topic.
	bobGroup, strangerGroup := testkafka.UniqueName("bob-group"), testkafka.UniqueName("not-bobs-group")
	sb.Grant(t, testkafka.ACL{User: sb.Bob.Name, Resource: "group", Name: bobGroup, Operation: "read"})
	bob := sb.Config(sb.Bob)
	clients := []*secClient{newSecClient("bob-subscribe"), newSecClient("bob-stream-reader"),
		newSecClient("bob-producer"), newSecClient("bob-other-group")}
	secRun(clients, func(c *secClient) error {
		switch c.name {
		case "bob-subscribe":
			return secDeniedConsumer(c, bob, topic, bobGroup, kafkaerror.TopicAuthorizationFailed)
		case "bob-other-group":
			return secDeniedConsumer(c, bob, topic, strangerGroup, kafkaerror.GroupAuthorizationFailed)
		case "bob-stream-reader":
			url := fmt.Sprintf("kafka://%s@%s/%s", sb.Bob.Name, sb.SSLBootstrap, topic)
			return c.secOpenDenied(func() (*stream.Stream, error) {
				return stream.Open(url, stream.Read, stream.WithCredential(stream.Credential{
					Username: sb.Bob.Name, Password: sb.Bob.Password, SSLCALocation: sb.CAFile,
				}), stream.Group(bobGroup), stream.StartAt(stream.Earliest), stream.Persist(), stream.WithLogger(c.log.logger()))
			}, secDeniedWait, kafkaerror.TopicAuthorizationFailed, "bob read a message")
		default:
			return secDeniedProducer(c, bob, topic)
		}
	})
	for _, c := range clients {
		want := kafkaerror.TopicAuthorizationFailed
		if c.name == "bob-other-group" {
			want = kafkaerror.GroupAuthorizationFailed
		}
		secCheckDenied(t, s, c, want)
	}

	// Cluster metadata needs no ACL (kafka.sh's readiness check relies on it): Bob gets
	// it, without the topic he may not describe.
	md, err := secMetadata(bob)
	switch {
	case err != nil:
		t.Errorf("bob's cluster metadata: %v", err)
	case len(md.Brokers) != 1 || md.Topic(topic) != nil:
		t.Errorf("bob's cluster metadata lists %d brokers and the topic: %v, want 1 broker and no topic", len(md.Brokers), md.Topic(topic) != nil)
	}

	// Alice may read the topic with her group, not write it.
	aliceGroup := testkafka.UniqueName("alice-group")
	sb.Grant(t,
		testkafka.ACL{User: sb.Alice.Name, Resource: "topic", Name: topic, Operation: "read"},
		testkafka.ACL{User: sb.Alice.Name, Resource: "group", Name: aliceGroup, Operation: "read"})
	t0 := time.Now()
	secConsumeAll(t, sb.Config(sb.Alice), topic, aliceGroup, ledger, secACLMessages)
	s.figure("alice (READ) read them in %.1fs", time.Since(t0).Seconds())
	alice := newSecClient("alice-producer")
	secRun([]*secClient{alice}, func(c *secClient) error { return secDeniedProducer(c, sb.Config(sb.Alice), topic) })
	secCheckDenied(t, s, alice, kafkaerror.TopicAuthorizationFailed)
	s.account(ledger, 0)
}

// secDeniedWait is how long a client of scenario 8 that should be refused is given to
// be told so.
const secDeniedWait = 20 * time.Second

// secDeniedConsumer reads topic with conf's user — subscribed in group, or, with group
// "", assigned partitions 0..partitions[0]-1 from the beginning — and polls until the
// error want comes (secDeniedWait at most), recording every error and every message
// (which it should never get) in c.
func secDeniedConsumer(c *secClient, conf map[string]any, topic, group string, want kafkaerror.Code, partitions ...int) error {
	conf = secCopyConf(conf)
	if group != "" {
		conf["group.id"] = group
	}
	conf["auto.offset.reset"] = "earliest"
	cons, err := consumer.New(conf, consumer.WithLogger(c.log.logger()))
	if err != nil {
		return err
	}
	if group != "" {
		err = cons.Subscribe([]string{topic})
	} else {
		var parts []topicpartition.TopicPartition
		for p := range partitions[0] {
			parts = append(parts, topicpartition.New(topic, int32(p), topicpartition.OffsetBeginning))
		}
		err = cons.Assign(parts)
	}
	if err != nil {
		c.errs.add(err) // refused at once is as good as refused later
	}
	for deadline := time.Now().Add(secDeniedWait); err == nil && time.Now().Before(deadline); {
		m := cons.Poll(200 * time.Millisecond)
		if m == nil {
			continue
		}
		if m.Err() == nil {
			c.errs.add(fmt.Errorf("consumed %s/%d at offset %d without READ", m.Topic(), m.Partition(), m.Offset()))
			continue
		}
		c.errs.add(m.Err())
		if errors.Is(m.Err(), want) {
			break
		}
	}
	return c.secTimeClose(cons.Close)
}

// secDeniedProducer produces one message with conf to topic and waits for its delivery
// report (secDeniedWait at most), recording it, and the errors the producer reports, in c.
func secDeniedProducer(c *secClient, conf map[string]any, topic string) error {
	reported := make(chan struct{})
	p, err := producer.New(secCopyConf(conf), producer.WithLogger(c.log.logger()),
		producer.WithErrorCallback(c.errs.callback), producer.WithCloseTimeout(5*time.Second),
		producer.WithDeliveryReport(func(err error, m *message.Message) { // one message, one report
			if err == nil {
				err = fmt.Errorf("delivered to %s/%d at offset %d without WRITE", m.Topic(), m.Partition(), m.Offset())
			}
			c.errs.add(err)
			close(reported)
		}))
	if err != nil {
		return err
	}
	if err := p.Produce(topic, faults.Payload(1<<40, 64)); err != nil {
		c.errs.add(err) // refused at once is as good as refused in the report
		return c.secTimeClose(p.Close)
	}
	for deadline := time.Now().Add(secDeniedWait); time.Now().Before(deadline); {
		p.Poll(100 * time.Millisecond)
		select {
		case <-reported:
			return c.secTimeClose(p.Close)
		default:
		}
	}
	return c.secTimeClose(p.Close)
}

// secCheckDenied checks that client c was told want (within secDeniedWait of its start)
// and received or delivered nothing, and adds the figure.
func secCheckDenied(t *testing.T, s *scenario, c *secClient, want kafkaerror.Code) {
	t.Helper()
	if c.err != nil {
		t.Errorf("%s: %v", c.name, c.err)
	}
	if _, text, n := c.errs.seen(kafkaerror.Unknown); n > 0 {
		t.Errorf("%s: %d unexpected outcomes, first: %s", c.name, n, text)
	}
	at, text, n := c.errs.seen(want)
	switch {
	case n == 0:
		t.Errorf("%s: no %s (errors: %s)\n%s", c.name, want.Name(), c.errs, c.log.tail(20))
		s.figure("%s: no %s in %v (%s)", c.name, want.Name(), secDeniedWait, c.errs)
		return
	case at > secDeniedWait:
		t.Errorf("%s: %s came after %v", c.name, want.Name(), at)
	}
	s.figure("%s: %s after %.2fs", c.name, want.Name(), at.Seconds())
	t.Logf("%s: %s; first %s: %s", c.name, c.errs, want.Name(), secShort(text))
}

// TestScenario08bAssignWithoutGroup: a consumer without group.id reads the partitions it
// Assigns (consumer.New's documentation), so on a secured broker it must need no ACL on
// any group. Alice, with READ on the topic and no group ACL, assigns every partition
// without a group.id: she must read every message admin wrote (the ledger: 0 lost,
// 0 duplicated) and Poll must return no error at all — in particular none about a
// consumer group, since she named none. Bob, without READ, assigning the same way, must
// be told TOPIC_AUTHORIZATION_FAILED within 20 s, as a subscribed consumer is.
func TestScenario08bAssignWithoutGroup(t *testing.T) {
	s := begin(t, "acl-assign-no-group")
	sb := testkafka.StartSecureBroker(t)
	topic, ledger := secAdminTopic(t, s, sb, secACLPartitions)
	sb.Grant(t, testkafka.ACL{User: sb.Alice.Name, Resource: "topic", Name: topic, Operation: "read"})

	alice, bob := newSecClient("alice-assign"), newSecClient("bob-assign")
	got := 0
	secRun([]*secClient{alice, bob}, func(c *secClient) error {
		if c == bob {
			return secDeniedConsumer(c, sb.Config(sb.Bob), topic, "", kafkaerror.TopicAuthorizationFailed, secACLPartitions)
		}
		cons, err := consumer.New(sb.Config(sb.Alice), consumer.WithLogger(c.log.logger()))
		if err != nil {
			return err
		}
		var parts []topicpartition.TopicPartition
		for p := range secACLPartitions {
			parts = append(parts, topicpartition.New(topic, int32(p), topicpartition.OffsetBeginning))
		}
		if err := cons.Assign(parts); err != nil {
			_ = cons.Close()
			return err
		}
		for deadline := time.Now().Add(60 * time.Second); got < secACLMessages && time.Now().Before(deadline); {
			m := cons.Poll(200 * time.Millisecond)
			if m == nil {
				continue
			}
			if m.Err() != nil {
				c.errs.add(m.Err())
				continue
			}
			id, err := faults.ID(m.Value())
			if err != nil {
				c.errs.add(err)
				continue
			}
			ledger.Seen(id)
			got++
		}
		// Errors that come after the last message count too.
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
			if m := cons.Poll(200 * time.Millisecond); m != nil && m.Err() != nil {
				c.errs.add(m.Err())
			}
		}
		return c.secTimeClose(cons.Close)
	})
	if alice.err != nil {
		t.Errorf("alice: %v", alice.err)
	}
	if got < secACLMessages {
		t.Errorf("alice read %d of %d messages in 60 s", got, secACLMessages)
	}
	if alice.errs.String() != "no errors" {
		t.Errorf("alice (READ on the topic, no group.id) got errors from Poll: %s; first group error: %q",
			alice.errs, secText(alice.errs, kafkaerror.GroupAuthorizationFailed))
	}
	s.figure("alice (READ, no group): %d messages, errors: %s", got, alice.errs)
	secCheckDenied(t, s, bob, kafkaerror.TopicAuthorizationFailed)
	s.account(ledger, 0)
}

// secText is the text of the first error of code e recorded, or "".
func secText(e *secErrors, code kafkaerror.Code) string {
	_, text, _ := e.seen(code)
	return text
}
