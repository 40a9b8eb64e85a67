package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/stream"
)

var publishCmd = &command{
	name:    "publish",
	args:    "URL [FILE…]",
	summary: "publish each line of files (or standard input) as one message",
	details: `Publish each line of each FILE, or of standard input when no FILE is given ("-" also
means standard input), as one message to the URL's topic, in order. A line is sent
without its trailing newline ("\n"; a "\r" before it is kept). Nothing is skipped: an
empty line is an empty message. A last line without a newline is a message too; an
empty input publishes nothing.

Messages are hop "blob" format, or with --json hop "json" format: each line must then
be valid JSON, and is sent as written. The first invalid line stops the command with
an error naming FILE:LINE; nothing of that line is sent, the lines before it are.

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
	quiet := fs.Bool("quiet", false, "do not print the summary line")
	pos, err := e.parse(c, fs, args, 1, -1)
	if err != nil {
		return err
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
	if _, _, err := e.clusterInfo(u, false); err != nil {
		return fmt.Errorf("publish: %w", err)
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
		var value any = l.data
		if *asJSON {
			if err := checkJSON(l.data); err != nil {
				stopErr = fmt.Errorf("%s:%d: invalid JSON, not sent: %v", l.src, l.num, err)
				break
			}
			value = rawJSON(l.data)
		}
		if err := s.Write(value, wopts...); err != nil {
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
