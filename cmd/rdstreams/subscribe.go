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
(with the default --start-at latest that is at once, unless messages arrive while it
joins); with --persist it listens until interrupted. --count N stops after N
messages. Ctrl-C (or SIGTERM) stops cleanly: the group commits what was printed and
the command exits 0.

` + outputHelp,
	example: `rdstreams subscribe --no-auth --start-at earliest --json kafka://localhost:9092/alerts`,
	run:     runSubscribe,
}

func runSubscribe(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	startAt := fs.String("start-at", "latest", "where to start: `earliest|latest|offset:N|time:RFC3339`")
	persist := fs.Bool("persist", false, "keep listening after the end of the stream, until interrupted")
	group := fs.String("group", "", "consumer group `ID` (default: a new random group)")
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
	if _, _, err := e.clusterInfo(u, false); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	opts := append(e.streamOptions(), stream.StartAt(start))
	if *persist {
		opts = append(opts, stream.Persist())
	}
	if *group != "" {
		opts = append(opts, stream.Group(*group))
	}
	s, err := stream.Open(pos[0], stream.Read, opts...)
	if err != nil {
		return fmt.Errorf("subscribe: %w", configError(err))
	}
	defer s.Close()
	p := newPrinter(e.stdout, *asJSON, delim)
	n := 0
	for m, err := range s.Messages(e.ctx) {
		if err != nil {
			_ = p.flush()
			return fmt.Errorf("subscribe: %w", err)
		}
		if err := p.print(m); err != nil {
			return outputError(c, err)
		}
		n++
		if *count > 0 && n >= *count {
			break
		}
		if *persist {
			if err := p.flush(); err != nil {
				return outputError(c, err)
			}
		}
	}
	if err := p.flush(); err != nil {
		return outputError(c, err)
	}
	if err := s.Close(); err != nil && e.ctx.Err() == nil {
		return fmt.Errorf("subscribe: closing the stream: %w", err)
	}
	return nil
}

var tailCmd = &command{
	name:    "tail",
	args:    "URL",
	summary: "print the last N messages of the URL's topics",
	details: `Print the last N messages of the URL's topics across all their partitions, oldest
first (by timestamp). A topic holding fewer than N messages prints all it holds. It
joins no consumer group and commits nothing.

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
