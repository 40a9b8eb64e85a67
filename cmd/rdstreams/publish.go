package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/stream"
)

var publishCmd = &command{
	name:    "publish",
	args:    "URL [FILE…]",
	summary: "publish each line of files (or standard input) as one message",
	details: `Publish each line of each FILE, or of standard input when no FILE is given ("-" also
means standard input), as one message to the URL's topic. A line is sent without its
trailing newline ("\n"; a "\r" before it is kept). Nothing is skipped: an empty line
is an empty message. A last line without a newline is a message too; an empty input
publishes nothing.

Order: lines are sent in the order read, but Kafka keeps order only within a
partition. Unkeyed lines are spread over the topic's partitions, so readers of a topic
with several partitions may get them in another order. --partition N sends every line
to partition N (as lines sharing a key go to one partition), where readers get them
in the order sent; a batch the broker makes the producer retry can still overtake the
next one unless -X enable.idempotence=true.

Keys and headers: --key K gives every message the key K; --key-delimiter D (kcat's
-K) splits each line at its first D into key and value, and a line without D stops
the command with an error naming FILE:LINE. --header NAME=VALUE (kcat's -H;
repeatable) adds a header to every message; hop's _id, _format and _sender are set
by rdstreams and cannot be given.

Messages are hop "blob" format, or with --json hop "json" format: each line (each
value, with --key-delimiter) must then be valid JSON, and is sent as written. The
first invalid line stops the command with an error naming FILE:LINE; nothing of that
line is sent, the lines before it are.

At the end rdstreams waits until every message is delivered, prints
"published N messages to TOPIC" on standard error, and exits 0; if any message could
not be delivered it prints one line per failure and exits 1. The topic must exist.`,
	example: `printf 'hello\nworld\n' | rdstreams publish --no-auth kafka://localhost:9092/alerts`,
	run:     runPublish,
}

// rawJSON is a line already checked to be JSON, sent as hop "json" exactly as written.
type rawJSON []byte

// Format is hop's "json".
func (rawJSON) Format() string { return stream.FormatJSON }

// Serialize gives the line as it was read.
func (r rawJSON) Serialize() ([]byte, error) { return r, nil }

// line is one line of input and where it comes from.
type line struct {
	src  string
	num  int
	data []byte
	err  error // reading failed: the input ends here
}

func runPublish(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	asJSON := fs.Bool("json", false, "send each line as hop \"json\" format, after checking it is valid JSON")
	var key []byte
	fs.Func("key", "give every message the key `K`", func(s string) error { key = []byte(s); return nil })
	keyDelimiter := fs.String("key-delimiter", "", "split each line at its first `D` into key and value (kcat's -K; escapes: \\t \\x1f \\\\ …)")
	partition := int32(-1)
	fs.Func("partition", "send every message to partition `N` of the topic (default: the partitioner chooses)", func(s string) error {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			return errors.New("want a partition number, 0 or more")
		}
		partition = int32(n)
		return nil
	})
	var headers []message.Header
	fs.Func("header", "add the header `NAME=VALUE` to every message (kcat's -H; repeatable)", func(s string) error {
		name, value, found := strings.Cut(s, "=")
		switch {
		case !found || name == "":
			return errors.New("want NAME=VALUE")
		case name == stream.HeaderID || name == stream.HeaderFormat || name == stream.HeaderSender:
			return fmt.Errorf("%s is hop's, set by rdstreams", name)
		}
		headers = append(headers, message.Header{Key: name, Value: []byte(value)})
		return nil
	})
	quiet := fs.Bool("quiet", false, "do not print the summary line")
	pos, err := e.parse(c, fs, args, 1, -1)
	if err != nil {
		return err
	}
	keyDelim, err := unescape(*keyDelimiter)
	if err != nil {
		return usagef("publish: --key-delimiter %v", err)
	}
	delimGiven := false
	fs.Visit(func(f *flag.Flag) { delimGiven = delimGiven || f.Name == "key-delimiter" })
	switch {
	case delimGiven && keyDelim == "":
		return usagef("publish: --key-delimiter must not be empty")
	case delimGiven && key != nil:
		return usagef("publish: --key and --key-delimiter exclude each other")
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	if len(u.Topics) != 1 {
		return usagef("publish: the URL must name exactly one topic, it names %d", len(u.Topics))
	}
	if err := e.refuseGroupID(c, "a consumer property; publishing joins no group"); err != nil {
		return err
	}
	topic := u.Topics[0]
	files := pos[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	// Open every file first: an unreadable one fails before anything is sent.
	inputs := make([]input, 0, len(files))
	defer func() {
		for _, in := range inputs {
			_ = in.close()
		}
	}()
	for _, name := range files {
		in, err := e.openInput(name)
		if err != nil {
			return err
		}
		inputs = append(inputs, in)
	}
	_, named, err := e.clusterInfo(u, false)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if have := len(named[0].Partitions); partition >= int32(have) {
		return fmt.Errorf("publish: --partition %d: topic %q has no partition %d (it has %d, numbered from 0)", partition, topic, partition, have)
	}
	s, err := stream.Open(pos[0], stream.Write, append(e.streamOptions(), stream.WithCloseTimeout(5*time.Second))...)
	if err != nil {
		return fmt.Errorf("publish: %w", configError(err))
	}
	defer s.Close()

	lines := make(chan line, 256)
	done := make(chan struct{})
	defer close(done)
	go readLines(inputs, lines, done)

	var wopts []stream.WriteOption
	if key != nil {
		wopts = append(wopts, stream.Key(key))
	}
	if partition >= 0 {
		wopts = append(wopts, stream.Partition(partition))
	}
	if len(headers) > 0 {
		wopts = append(wopts, stream.Headers(headers...))
	}
	var failures []string // write-time refusals, with their FILE:LINE
	written := 0
	var stopErr error
read:
	for {
		var l line
		var ok bool
		select {
		case <-e.ctx.Done():
			stopErr = errInterrupted
			break read
		case l, ok = <-lines:
		}
		if !ok {
			break
		}
		if l.err != nil {
			stopErr = fmt.Errorf("reading %s: %w", l.src, l.err)
			break
		}
		data, lineOpts := l.data, wopts
		if keyDelim != "" {
			k, v, found := bytes.Cut(data, []byte(keyDelim))
			if !found {
				stopErr = fmt.Errorf("%s:%d: no key delimiter %q in the line, not sent", l.src, l.num, keyDelim)
				break
			}
			data, lineOpts = v, append(wopts[:len(wopts):len(wopts)], stream.Key(k))
		}
		var value any = data
		if *asJSON {
			if err := checkJSON(data); err != nil {
				stopErr = fmt.Errorf("%s:%d: invalid JSON, not sent: %v", l.src, l.num, err)
				break
			}
			value = rawJSON(data)
		}
		if err := s.Write(value, lineOpts...); err != nil {
			failures = append(failures, fmt.Sprintf("%s:%d: not sent: %s", l.src, l.num, tidy(err.Error())))
			continue
		}
		written++
	}

	// Deliver what was written, even after an error or an interruption (then bounded).
	ctx := e.ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
	}
	ferr := s.Flush(ctx)
	var undelivered []error
	if ferr != nil {
		if j, ok := ferr.(interface{ Unwrap() []error }); ok {
			undelivered = j.Unwrap()
		} else {
			undelivered = []error{ferr}
		}
	}
	if cerr := s.Close(); cerr != nil && ferr == nil {
		undelivered = append(undelivered, cerr)
	}
	published := max(written-len(undelivered), 0)
	if stopErr != nil {
		return fmt.Errorf("publish: %w (%d message(s) before it published to %s)", stopErr, published, topic)
	}
	if len(failures)+len(undelivered) > 0 {
		for _, f := range failures {
			fmt.Fprintln(e.stderr, oneLine("rdstreams: publish: "+f))
		}
		for _, err := range undelivered {
			fmt.Fprintln(e.stderr, oneLine("rdstreams: publish: not delivered: "+tidy(err.Error())))
		}
		fmt.Fprintf(e.stderr, "rdstreams: publish: %d of %d message(s) could not be published to %s\n",
			len(failures)+len(undelivered), written+len(failures), topic)
		return errReported
	}
	if !*quiet {
		fmt.Fprintf(e.stderr, "published %d messages to %s\n", published, topic)
	}
	return nil
}

// checkJSON says whether data is one JSON value, and what is wrong when it is not.
func checkJSON(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	return errors.New("not a single JSON value")
}

// input is one source of lines.
type input struct {
	name  string
	r     io.Reader
	close func() error
}

func (e *env) openInput(name string) (input, error) {
	if name == "-" {
		return input{name: "stdin", r: e.stdin, close: func() error { return nil }}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return input{}, fmt.Errorf("publish: cannot read %s: %w", name, unwrapPathError(err))
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		_ = f.Close()
		return input{}, fmt.Errorf("publish: cannot read %s: it is a directory", name)
	}
	return input{name: name, r: f, close: f.Close}, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readLines sends the lines of every input, in order, then closes out. It stops early
// when done closes.
func readLines(inputs []input, out chan<- line, done <-chan struct{}) {
	defer close(out)
	send := func(l line) bool {
		select {
		case out <- l:
			return true
		case <-done:
			return false
		}
	}
	for _, in := range inputs {
		r := bufio.NewReaderSize(in.r, 64*1024)
		for n := 1; ; n++ {
			data, err := r.ReadBytes('\n')
			if len(data) > 0 {
				if !send(line{src: in.name, num: n, data: bytes.TrimSuffix(data, []byte{'\n'})}) {
					return
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				send(line{src: in.name, num: n, err: err})
				return
			}
		}
	}
}
