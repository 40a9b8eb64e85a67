package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// TestGroupIDFromX: -X group.id names subscribe's group (it used to be replaced by a
// random one): the group then holds the commits.
func TestGroupIDFromX(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 2, nil)
	ok(t, numberedLines(6), "publish", "--no-auth", "--quiet", url(t, topic))
	group := testkafka.UniqueName("xgroup")
	r := ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "-X", "group.id="+group, url(t, topic))
	assert.Len(t, r.stdout, len(numberedLines(6)))
	assert.Equal(t, int64(0), totalGroupLag(t, testkafka.Bootstrap(t), group), "group %s committed what was read", group)
	// --group and -X group.id that agree are fine.
	ok(t, "", "subscribe", "--no-auth", "--group", group, "-X", "group.id="+group, url(t, topic))
}

// TestGroupFlagsRefused: an empty --group or -X group.id, the two disagreeing, and
// -X group.id for a command that joins no group are usage errors, not ignored.
func TestGroupFlagsRefused(t *testing.T) {
	t.Parallel()
	good := url(t, testkafka.Topic(t, 1, nil))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"empty --group", []string{"subscribe", "--no-auth", "--group", "", good}, `subscribe: --group must not be empty`},
		{"empty --group=", []string{"subscribe", "--no-auth", "--group=", good}, `subscribe: --group must not be empty`},
		{"empty -X group.id", []string{"subscribe", "--no-auth", "-X", "group.id=", good}, `subscribe: -X group.id must not be empty`},
		{"disagreeing", []string{"subscribe", "--no-auth", "--group", "a", "-X", "group.id=b", good}, `subscribe: --group "a" and -X group.id=b disagree: give one`},
		{"tail", []string{"tail", "--no-auth", "-X", "group.id=g", good}, `tail: -X group.id=g: tail joins no consumer group`},
		{"publish", []string{"publish", "--no-auth", "-X", "group.id=g", good}, `publish: -X group.id=g: a consumer property`},
		{"topics", []string{"topics", "--no-auth", "-X", "group.id=g", good}, `topics: -X group.id=g: topics joins no consumer group`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := cli(t, "", tc.args...)
			assert.Equal(t, 2, r.code, r)
			assertOneErrorLine(t, r)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
}
