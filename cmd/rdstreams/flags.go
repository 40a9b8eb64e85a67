package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/stream"
)

// errHelpFlag is what flag parsing returns for -h / --help.
var errHelpFlag = flag.ErrHelp

// defaultTimeout bounds how long a command waits for the broker to answer.
const defaultTimeout = 15 * time.Second

// globals are the flags every command accepts, before or after its name.
type globals struct {
	noAuth   bool
	authFile string
	props    propList
	timeout  time.Duration
	verbose  bool
	set      bool // register has run once: later registrations keep the values parsed
}

// globalNames are the global flags, so that help can list them apart.
var globalNames = map[string]bool{"no-auth": true, "auth-file": true, "X": true, "timeout": true, "verbose": true}

// register adds the global flags to fs. The values parsed so far are the defaults,
// so global flags given before the command name survive the command's own parsing.
func (g *globals) register(fs *flag.FlagSet) {
	if !g.set {
		g.timeout = defaultTimeout
		g.set = true
	}
	fs.BoolVar(&g.noAuth, "no-auth", g.noAuth, "connect without credentials (plain Kafka)")
	fs.StringVar(&g.authFile, "auth-file", g.authFile, "read credentials from `PATH` instead of "+stream.DefaultAuthPath())
	fs.Var(&g.props, "X", "set a librdkafka property (`key=value`; repeatable)")
	fs.DurationVar(&g.timeout, "timeout", g.timeout, "how long to wait for the broker to answer")
	fs.BoolVar(&g.verbose, "verbose", g.verbose, "print librdkafka's log lines on standard error")
}

// propList is the -X key=value flag: librdkafka properties, in the order given.
type propList struct {
	keys []string
	m    map[string]any
}

// String lists the properties as key=value pairs (flag.Value).
func (p *propList) String() string {
	if p == nil || len(p.keys) == 0 {
		return ""
	}
	parts := make([]string, 0, len(p.keys))
	for _, k := range p.keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, p.m[k]))
	}
	return strings.Join(parts, ",")
}

// Set adds one key=value property (flag.Value); a later value for a key replaces an
// earlier one.
func (p *propList) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if p.m == nil {
		p.m = map[string]any{}
	}
	if _, dup := p.m[k]; !dup {
		p.keys = append(p.keys, k)
	}
	p.m[k] = v
	return nil
}

// newFlagSet is a flag set that returns its errors instead of printing them.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse reads the command's flags (its own and the global ones) wherever they are
// among the positional arguments, and checks the number of positional arguments
// (max < 0: no limit). "--" ends the flags. --help prints the command's help.
func (e *env) parse(c *command, fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	e.g.register(fs)
	if wantsHelp(args) {
		printUsage(e.stdout, c, fs)
		return nil, errHelp
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, errHelpFlag) {
				printUsage(e.stdout, c, fs)
				return nil, errHelp
			}
			return nil, usagef("%s: %s (see rdstreams %s --help)", c.name, flagError(err), c.name)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// fs.Parse stops at the first positional argument, or after "--".
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if e.g.verbose {
		e.logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		slog.SetDefault(e.logger)
	}
	if e.g.noAuth && e.g.authFile != "" {
		return nil, usagef("%s: --no-auth and --auth-file exclude each other", c.name)
	}
	if e.g.timeout <= 0 {
		return nil, usagef("%s: --timeout must be positive, got %s", c.name, e.g.timeout)
	}
	switch {
	case len(pos) < min:
		what := "the " + strings.Fields(c.args + " arguments")[0]
		if len(pos) > 0 {
			what = "more arguments"
		}
		return nil, usagef("%s: missing %s (see rdstreams %s --help)", c.name, what, c.name)
	case max >= 0 && len(pos) > max:
		return nil, usagef("%s: unexpected argument %q (see rdstreams %s --help)", c.name, pos[max], c.name)
	}
	return pos, nil
}

// wantsHelp reports whether -h or --help is among the flags (before any "--"): help
// wins over every other flag and argument on the line.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "--h", "-help", "--help":
			return true
		}
	}
	return false
}

// flagError rewords the flag package's errors for a double-dash audience.
func flagError(err error) string {
	s := err.Error()
	if name, ok := strings.CutPrefix(s, "flag provided but not defined: -"); ok {
		return "unknown flag " + dashed(name)
	}
	if name, ok := strings.CutPrefix(s, "flag needs an argument: -"); ok {
		return "flag " + dashed(name) + " needs a value"
	}
	if m := invalidValue.FindStringSubmatch(s); m != nil {
		why := m[3]
		switch why {
		case "parse error":
			why = "not a number"
			if m[2] == "timeout" {
				why = "not a duration such as 10s or 1m30s"
			}
		case "value out of range":
			why = "out of range"
		}
		return fmt.Sprintf("invalid value %s for %s: %s", m[1], dashed(m[2]), why)
	}
	return s
}

var invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for flag -(\S+): (.*)$`)

// dashed is a flag name as the help spells it: -X, --json.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// printUsage is a command's --help.
func printUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: rdstreams %s [flags] %s\n\n%s\n\nExample:\n  %s\n", c.name, c.args, c.details, c.example)
	own := false
	fs.VisitAll(func(f *flag.Flag) { own = own || !globalNames[f.Name] })
	if own {
		fmt.Fprint(w, "\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			if !globalNames[f.Name] {
				printFlag(w, f)
			}
		})
	}
	fmt.Fprintln(w)
	printGlobalFlags(w)
}

func printGlobalFlags(w io.Writer) {
	fmt.Fprint(w, "Global flags (before or after the command name):\n")
	fs := newFlagSet("globals")
	var g globals
	g.register(fs)
	names := make([]string, 0, len(globalNames))
	for n := range globalNames {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		printFlag(w, fs.Lookup(n))
	}
	fmt.Fprint(w, "  -h, --help\n    \tshow this help\n")
}

func printFlag(w io.Writer, f *flag.Flag) {
	name, usage := flag.UnquoteUsage(f)
	dash := "--"
	if len(f.Name) == 1 {
		dash = "-"
	}
	line := "  " + dash + f.Name
	if name != "" {
		line += " " + name
	}
	if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
		usage += fmt.Sprintf(" (default %s)", strconv.Quote(f.DefValue))
	}
	fmt.Fprintf(w, "%s\n    \t%s\n", line, usage)
}

// groupID is the consumer group the command line names: --group (a flag of fs), or
// -X group.id; both given must agree, and neither may be empty. "" when neither is
// given.
func (e *env) groupID(c *command, fs *flag.FlagSet, flagValue string) (string, error) {
	flagGiven := false
	fs.Visit(func(f *flag.Flag) { flagGiven = flagGiven || f.Name == "group" })
	x, xGiven := e.g.props.m["group.id"]
	xs := fmt.Sprint(x)
	switch {
	case flagGiven && flagValue == "":
		return "", usagef("%s: --group must not be empty (leave it out for a new random group)", c.name)
	case xGiven && xs == "":
		return "", usagef("%s: -X group.id must not be empty", c.name)
	case flagGiven && xGiven && xs != flagValue:
		return "", usagef("%s: --group %q and -X group.id=%s disagree: give one", c.name, flagValue, xs)
	case xGiven:
		return xs, nil
	}
	return flagValue, nil
}

// refuseGroupID refuses -X group.id for a command that joins no consumer group, rather
// than ignoring it; why says what to do instead.
func (e *env) refuseGroupID(c *command, why string) error {
	if x, ok := e.g.props.m["group.id"]; ok {
		return usagef("%s: -X group.id=%v: %s", c.name, x, why)
	}
	return nil
}

// parseURL parses a stream URL; a malformed one is a usage error.
func parseURL(c *command, raw string) (*stream.URL, error) {
	u, err := stream.ParseURL(raw)
	if err != nil {
		return nil, usagef("%s: %s", c.name, tidy(err.Error()))
	}
	return u, nil
}

// streamOptions are the stream options the global flags ask for.
func (e *env) streamOptions() []stream.Option {
	opts := []stream.Option{stream.WithLogger(e.logger)}
	switch {
	case e.g.noAuth:
		opts = append(opts, stream.NoAuth())
	case e.g.authFile != "":
		opts = append(opts, stream.AuthFile(e.g.authFile))
	}
	if len(e.g.props.m) > 0 {
		opts = append(opts, stream.Config(maps.Clone(e.g.props.m)))
	}
	return opts
}

// kafkaConfig is the librdkafka configuration for u, as stream.Open builds it:
// the bootstrap brokers, the credentials (unless --no-auth), then the -X properties.
func (e *env) kafkaConfig(u *stream.URL) (map[string]any, error) {
	config := map[string]any{"bootstrap.servers": u.Bootstrap()}
	if !e.g.noAuth {
		creds, err := stream.LoadAuth(e.g.authFile)
		if err != nil {
			return nil, fmt.Errorf("%w (--no-auth connects without credentials)", err)
		}
		cred, err := stream.SelectCredential(creds, u)
		if err != nil {
			return nil, err
		}
		maps.Copy(config, cred.Config())
	}
	maps.Copy(config, e.g.props.m)
	return config, nil
}

// unescape reads a delimiter given on the command line: \n, \t, \r, \0, \\, \xHH and
// \e are escapes; everything else stands for itself.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("%q ends with a lone backslash (write \\\\ for a backslash)", s)
		}
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'e':
			b.WriteByte(0x1b)
		case '\\':
			b.WriteByte('\\')
		case 'x':
			if i+2 >= len(s) {
				return "", fmt.Errorf("%q: \\x wants two hex digits", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", fmt.Errorf("%q: \\x wants two hex digits", s)
			}
			b.WriteByte(byte(v))
			i += 2
		default:
			return "", fmt.Errorf("%q: unknown escape \\%c (known: \\n \\t \\r \\0 \\e \\\\ \\xHH)", s, s[i])
		}
	}
	return b.String(), nil
}

// parseStart reads --start-at: earliest, latest, offset:N or time:RFC3339.
func parseStart(s string) (stream.StartPosition, error) {
	kind, arg, _ := strings.Cut(s, ":")
	switch strings.ToLower(kind) {
	case "earliest", "beginning":
		if arg == "" {
			return stream.Earliest, nil
		}
	case "latest", "end":
		if arg == "" {
			return stream.Latest, nil
		}
	case "offset":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n < 0 {
			return stream.StartPosition{}, fmt.Errorf("--start-at %q: offset:N wants a whole number N ≥ 0", s)
		}
		return stream.AtOffset(n), nil
	case "time":
		t, err := time.Parse(time.RFC3339Nano, arg)
		if err != nil {
			return stream.StartPosition{}, fmt.Errorf("--start-at %q: time:T wants an RFC 3339 time such as 2024-05-01T12:00:00Z", s)
		}
		return stream.AtTime(t), nil
	}
	return stream.StartPosition{}, fmt.Errorf("--start-at %q: want earliest, latest, offset:N or time:RFC3339", s)
}
