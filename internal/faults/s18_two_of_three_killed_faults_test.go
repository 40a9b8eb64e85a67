//go:build faults

package faults_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// Scenario 18, on the three-node cluster: two of the three nodes killed, one after the
// other, under a producer (idempotent, acks=all, message.timeout.ms 20 s) writing 1,000
// messages a second and a group consumer. With one node left, the topic's partitions
// cannot reach min.insync.replicas=2, and the metadata quorum is gone too (every node is
// also a controller), so nothing can be acknowledged: the producer keeps retrying and
// messages older than 20 s fail. After s18Down the first node killed comes back, which
// restores the quorum; then the second.
//
// Checked: nothing acknowledged is lost; every message gets exactly one delivery report,
// and the failed ones fail with _MSG_TIMED_OUT only; whenever the broker answers
// NOT_ENOUGH_REPLICAS (or NOT_ENOUGH_REPLICAS_AFTER_APPEND) librdkafka retries it
// (its log says "actions Retry"), so no report carries it; producing resumes once a
// node is back, without recreating the producer.
//
// Known limit (librdkafka, confluentinc/librdkafka#4953): when messages time out, the
// idempotent producer bumps its epoch to move on, and messages the lone leader had
// appended but never acknowledged are sent again under the new epoch, which the broker
// cannot recognise: the log then holds copies. The scenario counts them (the consumer
// reads each copy, so they count as duplicates) and reports an example.
const s18Down = 40 * time.Second

func scenario18TwoOfThreeKilled(t *testing.T, c *testkafka.Cluster) {
	s := begin(t, "cluster-two-of-three-killed")
	topic := c.CreateTopic(t, 3, nil)
	const notEnough, retried = "Not enough in-sync replicas", "Not enough in-sync replicas (actions Retry"
	logs := newLogCounter(notEnough, retried)
	tr := startTraffic(t, c, topic, trafficSpec{rate: 1000, mayFail: true, logger: logs.logger(),
		// debug=msg: librdkafka logs each produce error with the action it takes.
		producer: map[string]any{"message.timeout.ms": 20_000, "debug": "msg"}})
	var example string
	tr.logCopies = func() int {
		copies, read, extra := logCopies(t, c.Bootstrap, topic, 3)
		for id, where := range copies {
			example = fmt.Sprintf("message %d at%s", id, where)
			break
		}
		s.figure("log read back: %d records, %d messages in it more than once", read, len(copies))
		return extra
	}
	if !tr.waitConsumed(3000, time.Minute) {
		t.Fatalf("only %d messages consumed in a minute, before any fault", tr.ledger.Counts().Received)
	}
	tr.setPhase(1)
	first, second := c.Node(t, 1), c.Node(t, 2)
	first.Kill(t)
	t0 := time.Now()
	if !eventually(time.Minute, func() bool {
		for _, p := range c.Partitions(t, topic) {
			if len(p.ISR) != 2 || p.Leader == 1 || p.Leader < 0 {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("node 1 still in an ISR (or a partition leaderless) a minute after it was killed: %v", c.Partitions(t, topic))
	}
	s.figure("node 1 killed, out of every ISR after %.1fs", time.Since(t0).Seconds())
	acked := tr.dl.Delivered()
	second.Kill(t)
	killed := time.Now()
	<-time.After(s18Down) // the outage's length, not a synchronisation
	s.figure("node 2 killed at %d acked; %.0fs later %d more acked, %d failed (%s)", acked, s18Down.Seconds(),
		tr.dl.Delivered()-acked, tr.dl.Failed(), tr.dl.FailedByName())
	if tr.dl.Failed() == 0 {
		t.Errorf("no message timed out during %v without a quorum of replicas", s18Down)
	}
	tr.setPhase(2)
	recovered := tr.dl.nextSuccess()
	back := time.Now()
	first.Start(t)
	select {
	case <-recovered:
		s.figure("node 1 back after %.1fs; first delivery %.1fs after its restart began", back.Sub(killed).Seconds(), time.Since(back).Seconds())
	case <-time.After(2 * time.Minute):
		t.Errorf("nothing delivered 2 minutes after node 1 came back")
	}
	second.Start(t)
	c.WaitISR(t, 3*time.Minute, topic)
	produced := int(tr.produced[0].Load() + tr.produced[1].Load() + tr.produced[2].Load())
	if !eventually(time.Minute, func() bool { return tr.dl.Delivered()+tr.dl.Failed() >= produced+2000 }) {
		t.Errorf("the producer did not go on after the recovery: %d reports for %d produced", tr.dl.Delivered()+tr.dl.Failed(), produced)
	}
	tr.finish(s)
	failed := tr.dl.FailedByName()
	if tr.dl.Failed() > 0 && failed != fmt.Sprintf("_MSG_TIMED_OUT %d", tr.dl.Failed()) {
		t.Errorf("failed reports other than _MSG_TIMED_OUT: %s", failed)
	}
	n, r := logs.Count(notEnough), logs.Count(retried)
	s.figure("NOT_ENOUGH_REPLICAS answers %d, retried %d", n, r)
	if n != r {
		t.Errorf("%d NOT_ENOUGH_REPLICAS answers, %d of them retried (first: %s)", n, r, logs.First(notEnough))
	}
	if example != "" {
		s.figure("e.g. %s", strings.TrimSpace(example))
	}
}
