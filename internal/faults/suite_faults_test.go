//go:build faults

package faults_test

// The fault suite's frame: every scenario is a Test function that calls begin first;
// TestMain prints the summary line after the last one. Scenarios run one after the
// other (no t.Parallel): several kill or stop brokers, and timings on a small machine
// mean nothing when they compete.

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rdstreams/rdstreams/internal/faults"
)

var (
	resultsMu sync.Mutex
	results   []faults.Result
)

// children are the programs a scenario can run as a separate process (childCommand):
// the test binary runs itself with FAULTS_CHILD=name and TestMain calls the function
// instead of the tests. A child reports on stdout, one line per event.
var children = map[string]func() error{}

func TestMain(m *testing.M) {
	if name := os.Getenv("FAULTS_CHILD"); name != "" {
		run, ok := children[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "faults child: no child named %q\n", name)
			os.Exit(2)
		}
		if err := run(); err != nil {
			fmt.Fprintf(os.Stderr, "faults child %s: %v\n", name, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	resultsMu.Lock()
	fmt.Println(faults.Summary(results))
	resultsMu.Unlock()
	if err := goleak.Find(); err != nil {
		fmt.Printf("faults: goroutines left behind after the suite: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// scenario is one running scenario: what it measured goes into its result line.
type scenario struct {
	t   *testing.T
	mu  sync.Mutex
	res faults.Result
}

// begin starts scenario name; when the test ends its line is printed and its result
// kept for the summary.
func begin(t *testing.T, name string) *scenario {
	t.Helper()
	s := &scenario{t: t, res: faults.Result{Name: name}}
	start := time.Now()
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.res.Passed = !t.Failed()
		s.res.Elapsed = time.Since(start)
		fmt.Println(s.res.Line())
		resultsMu.Lock()
		results = append(results, s.res)
		resultsMu.Unlock()
	})
	return s
}

// figure adds a measured figure to the scenario's line.
func (s *scenario) figure(format string, args ...any) {
	s.mu.Lock()
	s.res.Figures = append(s.res.Figures, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// account takes the scenario's lost and duplicated counts from the ledger, adds its
// figures, and fails the scenario when anything acknowledged was lost or, with
// maxDup ≥ 0, when more than maxDup receptions were duplicates.
func (s *scenario) account(l *faults.Ledger, maxDup int) faults.Counts {
	s.t.Helper()
	c := l.Counts()
	s.mu.Lock()
	s.res.Lost, s.res.Duplicated = c.Lost, c.Duplicated
	s.mu.Unlock()
	s.figure("%s", c)
	if c.Lost > 0 {
		missing := l.Missing(10)
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		s.t.Errorf("%d acknowledged messages never received (first: %v)", c.Lost, missing)
	}
	if maxDup >= 0 && c.Duplicated > maxDup {
		s.t.Errorf("%d duplicates, more than the %d allowed", c.Duplicated, maxDup)
	}
	return c
}

// childCommand prepares the child program name (see children) as a process of its own,
// with extra environment (KEY=value) and its stderr going to the test log. The caller
// sets Stdout (or takes StdoutPipe) and starts it; FAULTS_CHILD selects the program.
func childCommand(t *testing.T, name string, env ...string) *exec.Cmd {
	t.Helper()
	if _, ok := children[name]; !ok {
		t.Fatalf("no child named %q", name)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "FAULTS_CHILD="+name), env...)
	cmd.Stderr = &testWriter{t: t, prefix: name + ": "}
	return cmd
}

// testWriter sends a child's stderr to the test log, line by line.
type testWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    strings.Builder
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		s := w.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		w.t.Log(w.prefix + s[:i])
		w.buf.Reset()
		w.buf.WriteString(s[i+1:])
	}
	return len(p), nil
}
