package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/rdstreams/rdstreams/internal/engine"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); when empty the
// module version from the build information is used.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the process exit code. A panic
// anywhere on this goroutine becomes one error line and exit code 1.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(stderr, oneLine(fmt.Sprintf("rdstreams: internal error: %v", r)))
			code = 1
		}
	}()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // librdkafka's log lines, unless --verbose
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// With SIGPIPE noticed, writing to a closed pipe (rdstreams subscribe … | head) is
	// an EPIPE error the commands end on cleanly, instead of death by signal.
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)
	env := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, logger: slog.Default()}
	err := dispatch(env, args)
	return report(stderr, err)
}

// env is what every command runs with: the signal-bound context, the standard
// streams, and the global flags.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
	g      globals
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

// Error is the message, without the "rdstreams: " prefix.
func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelp says that help was asked for and printed: exit code 0.
var errHelp = errors.New("help printed")

// errReported says that the command has already printed its error lines: exit code 1.
var errReported = errors.New("errors reported")

// report prints err as one line and gives the exit code for it.
func report(stderr io.Writer, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errReported):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, oneLine("rdstreams: "+tidy(err.Error())))
		return 2
	}
	fmt.Fprintln(stderr, oneLine("rdstreams: "+tidy(err.Error())))
	return 1
}

// tidy drops the package prefixes the library puts on its error texts, which mean
// nothing to a command line user.
func tidy(s string) string {
	for _, p := range []string{"stream: ", "stream.Last: ", "cluster: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

// oneLine folds a text onto one line: line breaks become "; ".
func oneLine(s string) string {
	s = strings.TrimRight(s, "\r\n")
	s = strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ").Replace(s)
	return s
}

// command is one rdstreams command.
type command struct {
	name    string // "publish", "perf produce"
	args    string // the positional arguments, as usage shows them
	summary string // one line for the command list
	details string // what the command does, for its --help
	example string
	run     func(e *env, c *command, args []string) error
}

// commands are the top level commands, in the order --help lists them.
var commands []*command

func init() {
	commands = []*command{publishCmd, subscribeCmd, tailCmd, topicsCmd, groupsCmd, perfCmd, versionCmd, helpCmd}
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// dispatch reads the global flags before the command name, then runs the command.
func dispatch(e *env, args []string) error {
	fs := newFlagSet("rdstreams")
	e.g.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, errHelpFlag) {
			printTopUsage(e.stdout)
			return errHelp
		}
		return usagef("%s (see rdstreams --help)", flagError(err))
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("no command given (see rdstreams --help)")
	}
	c := findCommand(rest[0])
	if c == nil {
		return usagef("unknown command %q (see rdstreams --help)", rest[0])
	}
	return c.run(e, c, rest[1:])
}

func printTopUsage(w io.Writer) {
	fmt.Fprint(w, `rdstreams: publish to and read from hop-style kafka:// streams.

Usage: rdstreams [global flags] COMMAND [flags] ARGS

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
A URL is kafka://[username@]host[:port][,host2[:port]…]/topic[,topic2…] (port 9092
unless given). The username picks credentials from the auth file; --no-auth connects
without any.

Examples:
  rdstreams publish kafka://kafka.example.org/alerts alerts.txt
  rdstreams subscribe --start-at earliest --json kafka://kafka.example.org/alerts
  rdstreams --no-auth topics kafka://localhost:9092

`)
	printGlobalFlags(w)
	fmt.Fprint(w, "\nRun \"rdstreams COMMAND --help\" for a command's flags.\n")
}

var versionCmd = &command{
	name:    "version",
	summary: "print the rdstreams version",
	details: "Print the version of rdstreams, of the Go toolchain it was built with and of the librdkafka it carries.",
	example: "rdstreams version",
	run: func(e *env, c *command, args []string) error {
		fs := newFlagSet("version")
		if _, err := e.parse(c, fs, args, 0, 0); err != nil {
			return err
		}
		_, librdkafka := engine.Version()
		fmt.Fprintf(e.stdout, "rdstreams %s (%s, librdkafka %s)\n", versionString(), goVersion(), librdkafka)
		return nil
	},
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return "go"
}

var helpCmd = &command{
	name:    "help",
	args:    "[COMMAND]",
	summary: "show help for rdstreams or one command",
	details: "Show the list of commands, or the help of one command (as COMMAND --help does).",
	example: "rdstreams help subscribe",
	run: func(e *env, c *command, args []string) error {
		fs := newFlagSet("help")
		pos, err := e.parse(c, fs, args, 0, 2)
		if err != nil {
			return err
		}
		if len(pos) == 0 {
			printTopUsage(e.stdout)
			return errHelp
		}
		target := findCommand(pos[0])
		if target == nil {
			return usagef("help: unknown command %q (see rdstreams --help)", pos[0])
		}
		rest := append(pos[1:], "--help")
		return target.run(e, target, rest)
	},
}
