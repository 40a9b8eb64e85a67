package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// TestPublishPartition: with --partition every line lands in that partition and is read
// back in the order published, across batches; a partition the topic lacks is an
// error before anything is sent.
func TestPublishPartition(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 3, nil)
	const n = 200
	// Small batches, so that the lines travel in many requests.
	ok(t, numberedLines(n), "publish", "--no-auth", "--quiet", "--partition", "1", "-X", "batch.num.messages=7", url(t, topic))
	r := ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--json", url(t, topic))
	recs := parseRecords(t, r.stdout)
	require.Len(t, recs, n)
	for i, got := range recs {
		assert.Equal(t, int32(1), got.Partition)
		assert.Equal(t, fmt.Sprintf("line %d", i), got.Value)
	}

	r = cli(t, "never\n", "publish", "--no-auth", "--partition", "3", url(t, topic))
	assert.Equal(t, 1, r.code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, fmt.Sprintf("publish: --partition 3: topic %q has no partition 3 (it has 3, numbered from 0)", topic))
	r = ok(t, "", "tail", "--no-auth", "-n", "1", url(t, topic))
	assert.Equal(t, fmt.Sprintf("line %d\n", n-1), r.stdout, "nothing was sent")
}

// TestPublishKeyDelimiterAndHeaders: --key-delimiter splits each line into key and
// value (escapes understood), --header adds headers (a repeated name keeps every
// value); a line without the delimiter stops the command at that line.
func TestPublishKeyDelimiterAndHeaders(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	r := ok(t, "k1\tv1\nk2\tv2\twith tab\n\tno key\n", "publish", "--no-auth", "--key-delimiter", `\t`,
		"--header", "source=test", "--header", "tag=a", "--header", "tag=b", "--header", "empty=", url(t, topic))
	assert.Equal(t, "published 3 messages to "+topic+"\n", r.stderr)
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--json", url(t, topic))
	recs := parseRecords(t, r.stdout)
	require.Len(t, recs, 3)
	for i, want := range []struct{ key, value string }{{"k1", "v1"}, {"k2", "v2\twith tab"}, {"", "no key"}} {
		assert.Equal(t, want.key, recs[i].Key, "line %d", i+1)
		assert.Equal(t, want.value, recs[i].Value, "line %d", i+1)
		assert.Equal(t, map[string]any{"source": "test", "tag": []any{"a", "b"}, "empty": ""}, recs[i].Headers)
	}

	// A line without the delimiter: the lines before it are sent, it and those after not.
	bad := testkafka.Topic(t, 1, nil)
	r = cli(t, "a:1\nno delimiter\nb:2\n", "publish", "--no-auth", "--key-delimiter", ":", url(t, bad))
	assert.Equal(t, 1, r.code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, `stdin:2: no key delimiter ":" in the line, not sent (1 message(s) before it published to `+bad+")")
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", url(t, bad))
	assert.Equal(t, "1\n", r.stdout)

	// With --json the value after the key must be JSON.
	r = cli(t, "k:{\"ok\":true}\nk:nope\n", "publish", "--no-auth", "--json", "--key-delimiter", ":", url(t, bad))
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "stdin:2: invalid JSON")
}

// TestPublishFlagsRefused: meaningless or conflicting key, header and partition flags
// are usage errors.
func TestPublishFlagsRefused(t *testing.T) {
	t.Parallel()
	good := url(t, testkafka.Topic(t, 1, nil))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"negative partition", []string{"--partition", "-1"}, `invalid value "-1" for --partition: want a partition number, 0 or more`},
		{"partition not a number", []string{"--partition", "one"}, `invalid value "one" for --partition`},
		{"key and key delimiter", []string{"--key", "k", "--key-delimiter", ":"}, "--key and --key-delimiter exclude each other"},
		{"empty key delimiter", []string{"--key-delimiter", ""}, "--key-delimiter must not be empty"},
		{"bad key delimiter escape", []string{"--key-delimiter", `\q`}, "--key-delimiter"},
		{"header without =", []string{"--header", "name"}, `invalid value "name" for --header: want NAME=VALUE`},
		{"header without name", []string{"--header", "=v"}, `invalid value "=v" for --header: want NAME=VALUE`},
		{"hop header", []string{"--header", "_format=json"}, "_format is hop's, set by rdstreams"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := cli(t, "x\n", append(append([]string{"publish", "--no-auth"}, tc.args...), good)...)
			assert.Equal(t, 2, r.code, r)
			assertOneErrorLine(t, r)
			assert.Contains(t, r.stderr, tc.want)
		})
	}
}
