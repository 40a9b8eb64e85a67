package main

import (
	"fmt"

	"github.com/rdstreams/rdstreams/stream"
)

var subscribeCmd = &command{
	name:    "subscribe",
	args:    "URL",
	summary: "print the messages of the URL's topics",
	details: `Read the URL's topics (hop-client's stream.open(url, "r")) and print each message.

Where to start: --start-at latest (the default, as in hop) reads only messages
published from now on; earliest the oldest still held; offset:N offset N of every
partition; time:T the first message stored at or after T (RFC 3339). A --group that
has committed offsets resumes after them instead.

Without --persist the command stops once every partition has been read to its end
(with the default --start-at latest that is at once); with --persist it listens until
interrupted, and reads partitions added to the topics while it runs. --count N stops after N
messages. Ctrl-C (or SIGTERM) stops cleanly: the group commits what was printed and
the command exits 0. If that commit cannot be confirmed (the broker is out of reach:
closing then waits up to 10 s), it says how many printed messages were not committed,
and why, and exits 1: a subscribe restarted with the group will print them again.

The group is --group, or -X group.id (both given must agree), else a new random one.
As in hop, the group only keeps positions: subscribe reads every partition of the
URL's topics itself, so two subscribes sharing a group each print every message.
--balanced (rdstreams' addition) joins the group as a Kafka consumer group member
instead: subscribes sharing a --balanced group share the partitions out, each message
printed by one of them. Do not mix the two in one group: while it has members, the
broker refuses the commits of a subscribe that is not one.

` + outputHelp,
	example: `rdstreams subscribe --no-auth --start-at earliest --json kafka://localhost:9092/alerts`,
	run:     runSubscribe,
}

func runSubscribe(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	startAt := fs.String("start-at", "latest", "where to start: `earliest|latest|offset:N|time:RFC3339`")
	persist := fs.Bool("persist", false, "keep listening after the end of the stream, until interrupted")
	group := fs.String("group", "", "consumer group `ID` (default: -X group.id, else a new random group)")
	balanced := fs.Bool("balanced", false, "join the group as a member: subscribes sharing it share the partitions out")
	asJSON := fs.Bool("json", false, "print one JSON object per message, with its metadata")
	delimiter := fs.String("delimiter", `\n`, "what to print after each message without --json (escapes: \\n \\t \\r \\0 \\e \\\\ \\xHH)")
	count := fs.Int("count", 0, "stop after `N` messages (0: no limit)")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	if len(u.Topics) == 0 {
		return usagef("subscribe: the URL %q names no topic", u.String())
	}
	start, err := parseStart(*startAt)
	if err != nil {
		return usagef("subscribe: %v", err)
	}
	delim, err := unescape(*delimiter)
	if err != nil {
		return usagef("subscribe: --delimiter %v", err)
	}
	if *count < 0 {
		return usagef("subscribe: --count must be 0 or more, got %d", *count)
	}
	groupID, err := e.groupID(c, fs, *group)
	if err != nil {
		return err
	}
	if _, _, err := e.clusterInfo(u, false); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	ledger := newCommitLedger()
	opts := append(e.streamOptions(), stream.StartAt(start), stream.WithCommitCallback(ledger.onCommit))
	if *persist {
		opts = append(opts, stream.Persist())
	}
	if groupID != "" {
		opts = append(opts, stream.Group(groupID))
	}
	if *balanced {
		opts = append(opts, stream.Balanced())
	}
	s, err := stream.Open(pos[0], stream.Read, opts...)
	if err != nil {
		return fmt.Errorf("subscribe: %w", configError(err))
	}
	defer s.Close()
	p := newPrinter(e.stdout, *asJSON, delim)
	stopErr := readInto(s, e, c, p, ledger, *count, *persist)
	if err := p.flush(); err != nil && stopErr == nil {
		stopErr = outputError(c, err)
	}
	// Closing makes the final commit; whether the group has what was printed is then
	// checked, after an interruption too: Ctrl-C must not hide a failed commit.
	commitErr := e.checkCommits(ledger, u, s.Group(), s.Close())
	if stopErr == nil {
		return commitErr
	}
	if commitErr != nil { // both are worth a line
		fmt.Fprintln(e.stderr, oneLine("rdstreams: "+tidy(commitErr.Error())))
	}
	return stopErr
}

// readInto prints the stream's messages until it ends, ctx is done, count messages
// are printed (0: no limit) or an error stops it, recording each printed message in
// ledger.
func readInto(s *stream.Stream, e *env, c *command, p *printer, ledger *commitLedger, count int, persist bool) error {
	n := 0
	for m, err := range s.Messages(e.ctx) {
		if err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
		if err := p.print(m); err != nil {
			return outputError(c, err)
		}
		ledger.print(m.Metadata)
		n++
		if count > 0 && n >= count {
			return nil
		}
		if persist {
			if err := p.flush(); err != nil {
				return outputError(c, err)
			}
		}
	}
	return nil
}

var tailCmd = &command{
	name:    "tail",
	args:    "URL",
	summary: "print the last N messages of the URL's topics",
	details: `Print the last N messages of the URL's topics across all their partitions, oldest
first: by timestamp, and messages with the same timestamp by topic name, then
partition, then offset, so the same messages always print in the same order. A topic
holding fewer than N messages prints all it holds. It joins no consumer group and
commits nothing.

` + outputHelp,
	example: `rdstreams tail --no-auth -n 5 --json kafka://localhost:9092/alerts`,
	run:     runTail,
}

func runTail(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	n := fs.Int("n", 10, "how many messages: the last `N`")
	asJSON := fs.Bool("json", false, "print one JSON object per message, with its metadata")
	delimiter := fs.String("delimiter", `\n`, "what to print after each message without --json (escapes: \\n \\t \\r \\0 \\e \\\\ \\xHH)")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	if len(u.Topics) == 0 {
		return usagef("tail: the URL %q names no topic", u.String())
	}
	if *n < 1 {
		return usagef("tail: -n must be at least 1, got %d", *n)
	}
	if err := e.refuseGroupID(c, "tail joins no consumer group and commits nothing"); err != nil {
		return err
	}
	delim, err := unescape(*delimiter)
	if err != nil {
		return usagef("tail: --delimiter %v", err)
	}
	if _, _, err := e.clusterInfo(u, false); err != nil {
		return fmt.Errorf("tail: %w", err)
	}
	msgs, err := stream.Last(e.ctx, pos[0], *n, e.streamOptions()...)
	if err != nil {
		if e.ctx.Err() != nil {
			return fmt.Errorf("tail: %w", errInterrupted)
		}
		return fmt.Errorf("tail: %w", configError(err))
	}
	p := newPrinter(e.stdout, *asJSON, delim)
	for _, m := range msgs {
		if err := p.print(m); err != nil {
			return outputError(c, err)
		}
	}
	if err := p.flush(); err != nil {
		return outputError(c, err)
	}
	return nil
}
