package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// joinGroup makes a consumer of group, with the given client.id, a member assigned
// topic's partitions (polled until it is), and closes it when the test ends.
func joinGroup(t *testing.T, group, topic, clientID string) {
	t.Helper()
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": testkafka.Bootstrap(t), "group.id": group, "client.id": clientID,
		"enable.auto.commit": false, "log_level": 3,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Subscribe([]string{topic}))
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		c.Poll(100 * time.Millisecond)
		if parts, err := c.Assignment(); err == nil && len(parts) > 0 {
			return
		}
	}
	t.Fatal("no assignment within a minute")
}

// TestGroupsDescribe: a reading member is shown with its member id, client id, host
// and assigned partitions, in text and JSON; an unknown group is an error.
func TestGroupsDescribe(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 2, nil)
	ok(t, numberedLines(2), "publish", "--no-auth", "--quiet", "--partition", "0", url(t, topic))
	group := testkafka.UniqueName("describe")
	joinGroup(t, group, topic, "describe-cli")
	broker := "kafka://" + testkafka.Bootstrap(t)

	r := ok(t, "", "groups", "describe", "--no-auth", broker, group)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 2, r.stdout)
	assert.True(t, strings.HasPrefix(lines[0], "group "+group+": Stable, 1 member(s), classic, assignor "), lines[0])
	assert.True(t, strings.HasSuffix(lines[0], ": coordinator broker 1 at "+testkafka.Bootstrap(t)), lines[0])
	assert.Regexp(t, `^  member describe-cli-\S+: client id describe-cli, host /127\.0\.0\.1, assigned `+
		fmt.Sprintf(`%s\[0\], %s\[1\]$`, topic, topic), lines[1])

	r = ok(t, "", "groups", "describe", "--no-auth", "--json", broker, group)
	var d groupDescJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &d), r.stdout)
	assert.Equal(t, group, d.ID)
	assert.Equal(t, int32(1), d.Coordinator.ID)
	require.Len(t, d.Members, 1)
	assert.Equal(t, "describe-cli", d.Members[0].ClientID)
	assert.Equal(t, "/127.0.0.1", d.Members[0].Host)
	assert.Equal(t, []assignedJSON{{topic, 0}, {topic, 1}}, d.Members[0].Assignment)

	missing := testkafka.UniqueName("no-such-group")
	r = cli(t, "", "groups", "describe", "--no-auth", broker, missing)
	assert.Equal(t, 1, r.code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, fmt.Sprintf("groups: group %q does not exist on %s", missing, testkafka.Bootstrap(t)))
}

// TestGroupsReset: the dry run prints the plan and changes nothing; --execute commits
// it (earliest, an offset, a time); a group with a member is refused, naming it.
func TestGroupsReset(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	ok(t, numberedLines(6), "publish", "--no-auth", "--quiet", url(t, topic))
	group := testkafka.UniqueName("reset")
	ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--group", group, url(t, topic))
	broker := "kafka://" + testkafka.Bootstrap(t)
	lagLine := func() string {
		r := ok(t, "", "groups", "--no-auth", broker, group)
		return strings.Split(r.stdout, "\n")[1]
	}
	require.Equal(t, fmt.Sprintf("  %s[0]: committed 6, end 6, lag 0", topic), lagLine())

	r := ok(t, "", "groups", "reset", "--no-auth", "--to", "earliest", broker, group)
	assert.Equal(t, fmt.Sprintf("plan to reset group %s to earliest (dry run, nothing changed: --execute commits it):\n"+
		"  %s[0]: 6 -> 0\n", group, topic), r.stdout)
	assert.Equal(t, fmt.Sprintf("  %s[0]: committed 6, end 6, lag 0", topic), lagLine(), "a dry run changes nothing")

	r = ok(t, "", "groups", "reset", "--no-auth", "--to", "earliest", "--execute", broker, group)
	assert.Equal(t, fmt.Sprintf("reset group %s to earliest:\n  %s[0]: 6 -> 0\n", group, topic), r.stdout)
	assert.Equal(t, fmt.Sprintf("  %s[0]: committed 0, end 6, lag 6", topic), lagLine())

	r = ok(t, "", "groups", "reset", "--no-auth", "--json", "--to", "offset:4", "--execute", url(t, topic), group)
	var plan map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &plan), r.stdout)
	assert.Equal(t, map[string]any{"group": group, "to": "offset:4", "executed": true, "partitions": []any{
		map[string]any{"topic": topic, "partition": float64(0), "current": float64(0), "target": float64(4)},
	}}, plan)
	assert.Equal(t, fmt.Sprintf("  %s[0]: committed 4, end 6, lag 2", topic), lagLine())

	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	r = ok(t, "", "groups", "reset", "--no-auth", "--to", "time:"+future, "--execute", broker, group)
	assert.Contains(t, r.stdout, fmt.Sprintf("  %s[0]: 4 -> 6\n", topic), "no message that late: the end")

	// A member is in the group: refused, naming it.
	joinGroup(t, group, topic, "reset-blocker")
	r = cli(t, "", "groups", "reset", "--no-auth", "--to", "earliest", "--execute", broker, group)
	assert.Equal(t, 1, r.code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, "1 active member(s): reset-blocker@127.0.0.1")
	assert.Contains(t, r.stderr, "stop its consumers first")
	assert.Empty(t, r.stdout)

	// Usage errors.
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"groups", "reset", "--no-auth", broker, group}, "groups: reset needs --to"},
		{[]string{"groups", "reset", "--no-auth", "--to", "yesterday", broker, group}, `groups: --to "yesterday": use earliest, latest`},
		{[]string{"groups", "reset", "--no-auth", "--to", "offset:-3", broker, group}, `groups: --to "offset:-3"`},
		{[]string{"groups", "--no-auth", "--to", "earliest", broker, group}, "groups: --to and --execute are for groups reset"},
		{[]string{"groups", "reset", "--no-auth", "--to", "earliest", broker}, "groups: reset needs a URL and a GROUP"},
		{[]string{"groups", "describe", "--no-auth", url(t, topic), group}, "groups: describe shows the whole group"},
	}
	for _, tc := range cases {
		r := cli(t, "", tc.args...)
		assert.Equal(t, 2, r.code, r)
		assertOneErrorLine(t, r)
		assert.Contains(t, r.stderr, tc.want)
	}
	r = ok(t, "", "groups", "--help")
	assert.Contains(t, r.stdout, "reset URL GROUP --to WHERE")
	assert.Contains(t, r.stdout, "dry run")
}

// TestTopicsAlter: a config set and a topic grown in one command; an unknown property,
// fewer partitions and an unknown topic are errors naming the topic, with the broker's
// reason.
func TestTopicsAlter(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	r := ok(t, "", "topics", "alter", "--no-auth", "--config", "retention.ms=3600000", "--config", "cleanup.policy=compact",
		"--partitions", "3", url(t, topic))
	assert.Equal(t, fmt.Sprintf("topic %q: set retention.ms=3600000, cleanup.policy=compact; 3 partitions\n", topic), r.stdout)
	r = ok(t, "", "topics", "--no-auth", "--json", url(t, topic))
	var md metadataJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md))
	require.Len(t, md.Topics, 1)
	assert.Len(t, md.Topics[0].Partitions, 3)

	r = ok(t, "", "topics", "alter", "--no-auth", "--delete-config", "cleanup.policy", url(t, topic))
	assert.Equal(t, fmt.Sprintf("topic %q: set cleanup.policy (default)\n", topic), r.stdout)

	missing := testkafka.UniqueName("no-such-topic")
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--config", "no.such.config=1", url(t, topic)}, 1, []string{topic, "Unknown topic config name: no.such.config"}},
		{[]string{"--partitions", "2", url(t, topic)}, 1, []string{topic, "currently has 3 partition(s); 2 would not be an increase"}},
		{[]string{"--partitions", "2", url(t, missing)}, 1, []string{missing}},
		{[]string{url(t, topic)}, 2, []string{"topics: alter: nothing to change"}},
		{[]string{"--config", "novalue", url(t, topic)}, 2, []string{"want K=V"}},
		{[]string{"--partitions", "3", "kafka://" + testkafka.Bootstrap(t)}, 2, []string{"topics: alter: the URL names no topic"}},
	}
	for _, tc := range cases {
		r := cli(t, "", append([]string{"topics", "alter", "--no-auth"}, tc.args...)...)
		assert.Equal(t, tc.code, r.code, r)
		assertOneErrorLine(t, r)
		for _, w := range tc.want {
			assert.Contains(t, r.stderr, w)
		}
	}
	r = cli(t, "", "topics", "--no-auth", "--partitions", "3", url(t, topic))
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, "topics: --config, --delete-config and --partitions are for topics alter")
}
