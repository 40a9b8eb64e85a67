//go:build faults

package faults_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
)

// secTLSWait is how long a client of scenario 9 that should fail is given to say so.
const secTLSWait = 15 * time.Second

// TestScenario09TLS: the broker's certificate, signed by the test's CA, names the IP
// address 127.0.0.1 only. Verified against that CA, at 127.0.0.1, a round trip works
// (the ledger: 0 lost). Verified against an unrelated CA, a consumer, a producer and a
// stream reader each get a clear TLS error (_SSL, "certificate verify failed", and
// rdstreams' note that the certificate may not name the host) within
// 10 s; so do a consumer and a producer that bootstrap through "localhost" with the
// right CA and host-name verification on (ssl.endpoint.identification.algorithm=https),
// while the same address without host-name verification connects, which shows that
// the host name alone is what failed. Every Close returns within its bound.
func TestScenario09TLS(t *testing.T) {
	s := begin(t, "tls")
	sb := testkafka.StartSecureBroker(t)
	topic := secTopic(t, sb, 1)

	// The right CA, the right address.
	ledger := faults.NewLedger()
	t0 := time.Now()
	secProduceAll(t, sb.Config(sb.Admin), topic, ledger, 1, 10)
	secConsumeAll(t, sb.Config(sb.Admin), topic, testkafka.UniqueName("tls-group"), ledger, 10)
	s.figure("right CA at 127.0.0.1: round trip of 10 in %.1fs", time.Since(t0).Seconds())

	wrongCA := sb.Config(sb.Admin)
	wrongCA["ssl.ca.location"] = sb.WrongCAFile
	byName := sb.Config(sb.Admin)
	byName["bootstrap.servers"] = sb.SSLBootstrapByName
	byName["ssl.endpoint.identification.algorithm"] = "https"
	clients := []*secClient{
		newSecClient("wrong-CA consumer"), newSecClient("wrong-CA producer"), newSecClient("wrong-CA stream-reader"),
		newSecClient("localhost consumer"), newSecClient("localhost producer"),
	}
	secRun(clients, func(c *secClient) error {
		conf := wrongCA
		if strings.HasPrefix(c.name, "localhost") {
			conf = byName
		}
		switch {
		case strings.HasSuffix(c.name, "stream-reader"):
			url := fmt.Sprintf("kafka://%s@%s/%s", sb.Admin.Name, sb.SSLBootstrap, topic)
			return c.secOpenDenied(func() (*stream.Stream, error) {
				return stream.Open(url, stream.Read, stream.WithCredential(stream.Credential{
					Username: sb.Admin.Name, Password: sb.Admin.Password, SSLCALocation: sb.WrongCAFile,
				}), stream.StartAt(stream.Earliest), stream.Persist(), stream.WithLogger(c.log.logger()))
			}, secTLSWait, kafkaerror.SSL, "read a message through an unverified connection")
		case strings.HasSuffix(c.name, "consumer"):
			cc := secCopyConf(conf)
			cc["group.id"] = testkafka.UniqueName("tls-group")
			cc["auto.offset.reset"] = "earliest"
			cons, err := consumer.New(cc, consumer.WithLogger(c.log.logger()))
			if err != nil {
				return err
			}
			if err := cons.Subscribe([]string{topic}); err != nil {
				c.errs.add(err)
			}
			for deadline := time.Now().Add(secTLSWait); time.Now().Before(deadline); {
				m := cons.Poll(200 * time.Millisecond)
				if m == nil {
					continue
				}
				if m.Err() == nil {
					c.errs.add(fmt.Errorf("consumed offset %d through an unverified connection", m.Offset()))
					continue
				}
				c.errs.add(m.Err())
				if errors.Is(m.Err(), kafkaerror.SSL) {
					break
				}
			}
			return c.secTimeClose(cons.Close)
		default: // producer
			p, err := producer.New(secCopyConf(conf), producer.WithLogger(c.log.logger()),
				producer.WithErrorCallback(c.errs.callback), producer.WithCloseTimeout(5*time.Second))
			if err != nil {
				return err
			}
			if err := p.Produce(topic, faults.Payload(1<<40, 64)); err != nil {
				_ = p.Close()
				return err
			}
			for deadline := time.Now().Add(secTLSWait); time.Now().Before(deadline); {
				p.Poll(200 * time.Millisecond)
				if _, _, n := c.errs.seen(kafkaerror.SSL); n > 0 {
					break
				}
			}
			if err := c.secTimeClose(p.Close); err == nil {
				return errors.New("producer Close reported no undelivered message")
			}
			return nil
		}
	})
	for _, c := range clients {
		if c.err != nil {
			t.Errorf("%s: %v", c.name, c.err)
		}
		if _, text, n := c.errs.seen(kafkaerror.Unknown); n > 0 {
			t.Errorf("%s: %d unexpected outcomes, first: %s", c.name, n, text)
		}
		at, text, n := c.errs.seen(kafkaerror.SSL)
		switch {
		case n == 0:
			t.Errorf("%s: no %s error in %v (errors: %s)\n%s", c.name, kafkaerror.SSL.Name(), secTLSWait, c.errs, c.log.tail(20))
		case at > 10*time.Second:
			t.Errorf("%s: the TLS error came after %v, more than 10 s", c.name, at)
		case !strings.Contains(text, "certificate verify failed"):
			t.Errorf("%s: the TLS error does not say the certificate failed verification: %s", c.name, text)
		case !strings.Contains(text, "does not name the host"):
			// librdkafka names only the CA as a possible cause; rdstreams adds the host name.
			t.Errorf("%s: the TLS error does not mention the host-name check: %s", c.name, text)
		}
		closeBound := 10 * time.Second
		if strings.HasSuffix(c.name, "producer") {
			closeBound = 5 * time.Second
		}
		if c.closed > closeBound+2*time.Second {
			t.Errorf("%s: Close took %v, bound %v", c.name, c.closed, closeBound)
		}
		when := "never"
		if n > 0 {
			when = fmt.Sprintf("after %.2fs", at.Seconds())
		}
		s.figure("%s: %s %s, close %.2fs", c.name, kafkaerror.SSL.Name(), when, c.closed.Seconds())
		t.Logf("%s: %s; first: %s", c.name, c.errs, text)
	}

	// "localhost" without host-name verification: the same CA, the same broker, connects.
	noHostCheck := secCopyConf(byName)
	noHostCheck["ssl.endpoint.identification.algorithm"] = "none"
	md, err := secMetadata(noHostCheck)
	if err != nil || md.Topic(topic) == nil {
		t.Errorf("localhost without host-name verification: metadata %v, error %v", md != nil, err)
	}
	s.account(ledger, 0)
}
