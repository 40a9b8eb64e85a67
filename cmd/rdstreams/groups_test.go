package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// TestGroups: the list shows a group that read a topic; the group's view shows its
// committed offset, end and lag per partition, in text and JSON, optionally only for
// the URL's topics.
func TestGroups(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 2, nil)
	ok(t, numberedLines(6), "publish", "--no-auth", "--quiet", "--partition", "0", url(t, topic))
	ok(t, numberedLines(4), "publish", "--no-auth", "--quiet", "--partition", "1", url(t, topic))
	group := testkafka.UniqueName("groups")
	ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--group", group, url(t, topic))
	// Five more on partition 1 after the group read to the end: its lag there.
	ok(t, numberedLines(5), "publish", "--no-auth", "--quiet", "--partition", "1", url(t, topic))
	broker := "kafka://" + testkafka.Bootstrap(t)

	r := ok(t, "", "groups", "--no-auth", broker)
	assert.Contains(t, r.stdout, "\n  "+group+": Empty, 0 member(s), classic\n")
	r = ok(t, "", "groups", "--no-auth", "--json", broker)
	var list struct {
		Groups []groupJSON `json:"groups"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list), r.stdout)
	assert.Contains(t, list.Groups, groupJSON{ID: group, State: "Empty", Type: "classic", Members: 0})

	r = ok(t, "", "groups", "--no-auth", broker, group)
	assert.Equal(t, fmt.Sprintf("group %s: Empty, 0 member(s), classic\n"+
		"  %s[0]: committed 6, end 6, lag 0\n"+
		"  %s[1]: committed 4, end 9, lag 5\n"+
		"total lag 5\n", group, topic, topic), r.stdout)
	assert.Empty(t, r.stderr)

	r = ok(t, "", "groups", "--no-auth", "--json", url(t, topic), group)
	var one map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &one), r.stdout)
	assert.Equal(t, map[string]any{
		"id": group, "state": "Empty", "type": "classic", "protocol": "", "members": float64(0), "lag": float64(5),
		"partitions": []any{
			map[string]any{"topic": topic, "partition": float64(0), "committed": float64(6), "end": float64(6), "lag": float64(0)},
			map[string]any{"topic": topic, "partition": float64(1), "committed": float64(4), "end": float64(9), "lag": float64(5)},
		},
	}, one)

	// Another topic in the URL: none of this group's partitions.
	r = ok(t, "", "groups", "--no-auth", url(t, testkafka.Topic(t, 1, nil)), group)
	assert.Equal(t, fmt.Sprintf("group %s: Empty, 0 member(s), classic\ntotal lag 0\n", group), r.stdout)
}

// TestGroupsWhileSubscribed: a member (subscribe --balanced) that is reading counts,
// and partitions it is assigned without having committed show "none" and the whole
// partition as lag.
func TestGroupsWhileSubscribed(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	ok(t, numberedLines(3), "publish", "--no-auth", "--quiet", url(t, topic))
	group := testkafka.UniqueName("member")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// It commits nothing while the test looks: only the member's assignment is known.
	cmd, out, stderr := startSubscriber(t, ctx, "--no-auth", "--persist", "--start-at", "earliest", "--group", group, "--balanced",
		"-X", "auto.commit.interval.ms=3600000", url(t, topic))
	readOutputLines(t, out, 3, stderr) // it printed them: it is assigned and reading

	r := ok(t, "", "groups", "--no-auth", "kafka://"+testkafka.Bootstrap(t), group)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 3, r.stdout)
	assert.True(t, strings.HasPrefix(lines[0], "group "+group+": Stable, 1 member(s), classic, assignor "), lines[0])
	assert.Equal(t, fmt.Sprintf("  %s[0]: committed none, end 3, lag 3", topic), lines[1])
	assert.Equal(t, "total lag 3", lines[2])
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
}

// TestSubscribersOfOneGroupEachPrintEverything: as in hop, subscribe reads every
// partition itself and its group only keeps positions, so a subscribe of a group that
// another is reading prints every message too (a --balanced one would get a share).
func TestSubscribersOfOneGroupEachPrintEverything(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 3, nil)
	ok(t, numberedLines(6), "publish", "--no-auth", "--quiet", url(t, topic))
	group := testkafka.UniqueName("shared")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, out, stderr := startSubscriber(t, ctx, "--no-auth", "--persist", "--start-at", "earliest", "--group", group,
		"-X", "auto.commit.interval.ms=3600000", url(t, topic))
	first := readOutputLines(t, out, 6, stderr)
	second := ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--group", group, url(t, topic))
	assert.ElementsMatch(t, first, strings.Split(strings.TrimSuffix(second.stdout, "\n"), "\n"), "both printed every message")
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
}

// TestGroupsRefused: a group that does not exist is an error; an empty GROUP, topics
// in the URL of the list, and -X group.id are usage errors.
func TestGroupsRefused(t *testing.T) {
	t.Parallel()
	broker := "kafka://" + testkafka.Bootstrap(t)
	missing := testkafka.UniqueName("no-such-group")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{broker, missing}, 1, fmt.Sprintf("groups: group %q does not exist on %s", missing, testkafka.Bootstrap(t))},
		{[]string{broker, ""}, 2, "groups: GROUP must not be empty"},
		{[]string{url(t, "some-topic")}, 2, "groups: the URL names topics"},
		{[]string{"-X", "group.id=g", broker}, 2, "groups: -X group.id=g: name the group as the GROUP argument"},
		{[]string{broker, "a", "b"}, 2, `unexpected argument "b"`},
	}
	for _, tc := range cases {
		r := cli(t, "", append([]string{"groups", "--no-auth"}, tc.args...)...)
		assert.Equal(t, tc.code, r.code, r)
		assertOneErrorLine(t, r)
		assert.Contains(t, r.stderr, tc.want)
		assert.Empty(t, r.stdout)
	}
	r := ok(t, "", "groups", "--help")
	assert.Contains(t, r.stdout, "Usage: rdstreams groups [flags] URL [GROUP]")
	assert.Contains(t, r.stdout, "Members are shown as a count only")
	assert.Contains(t, r.stdout, "--json")
	r = ok(t, "", "--help")
	assert.Contains(t, r.stdout, "\n  groups ")
}
