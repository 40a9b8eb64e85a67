//go:build faults

package faults_test

// Scenario 11, fuzzing: the stream package's fuzz targets — the kafka:// URL parser,
// the auth file parser, and the reading of a message by its hop headers (_format,
// _id) — each fuzzed for at least a minute by `go test -fuzz`, the three at once. A
// crash fails the scenario, and the fuzzer leaves the failing input in
// stream/testdata/fuzz/<target>/ as the evidence (and as a regression test for
// `make test` from then on).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	fuzzTime = 60 * time.Second
	// fuzzMinimizeTime bounds the minimization of each new input: with the default
	// (60s) a worker can spend most of the run minimizing instead of fuzzing.
	fuzzMinimizeTime = 5 * time.Second
	// fuzzBound is how long one fuzzing subprocess may take in all, building included.
	fuzzBound = 5 * time.Minute
)

var fuzzTargets = []string{"FuzzParseURL", "FuzzParseAuth", "FuzzDecode"}

// fuzzRepoRoot is the module's root: the scenario runs in internal/faults.
func fuzzRepoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.Contains(mod, []byte("module github.com/rdstreams/rdstreams\n")) {
		t.Fatalf("%s is not the rdstreams module's root (go.mod: %v); run the suite from internal/faults", root, err)
	}
	return root
}

// fuzzGo is a go command in the module root, in a process group of its own so that a
// timeout ends the fuzzing workers too.
func fuzzGo(ctx context.Context, goBin, root string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// fuzzExecs reads the exec count from the fuzzer's last progress line:
// "fuzz: elapsed: 1m0s, execs: 1234567 (20576/sec), new interesting: 3 (total: 40)".
var fuzzExecsLine = regexp.MustCompile(`fuzz: elapsed: (\S+), execs: (\d+) \((\d+)/sec\), new interesting: (\d+)`)

type fuzzRun struct {
	target      string
	out         string
	err         error
	took        time.Duration
	execs       int64
	elapsed     string
	interesting int
}

func (r fuzzRun) summary() string {
	return fmt.Sprintf("%s %s execs in %s (%d new inputs)", r.target, fuzzCount(r.execs), r.elapsed, r.interesting)
}

func fuzzCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) + "M"
	case n >= 10_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 0, 64) + "k"
	}
	return strconv.FormatInt(n, 10)
}

func TestScenario11Fuzz(t *testing.T) {
	s := begin(t, "fuzz-url-auth-decode")
	root := fuzzRepoRoot(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command on PATH to fuzz with: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fuzzBound)
	defer cancel()

	// Build the instrumented test binary once, so that the three runs below do not all
	// compile it at the same time and each gets its full minute of fuzzing.
	buildStart := time.Now()
	build := fuzzGo(ctx, goBin, root, "test", "-c", "-fuzz=^Fuzz", "-o", filepath.Join(t.TempDir(), "stream.fuzz.test"), "./stream")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the stream fuzz targets: %v\n%s", err, out)
	}
	s.figure("built in %.1fs", time.Since(buildStart).Seconds())

	runs := make([]fuzzRun, len(fuzzTargets))
	var wg sync.WaitGroup
	for i, target := range fuzzTargets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &runs[i]
			r.target = target
			cmd := fuzzGo(ctx, goBin, root, "test", "-run=^$", "-fuzz=^"+target+"$",
				"-fuzztime="+fuzzTime.String(), "-fuzzminimizetime="+fuzzMinimizeTime.String(),
				"-parallel=1", "./stream")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			r.took, r.out, r.err = time.Since(start), string(out), err
			if m := fuzzExecsLine.FindAllStringSubmatch(r.out, -1); len(m) > 0 {
				last := m[len(m)-1]
				r.elapsed = last[1]
				r.execs, _ = strconv.ParseInt(last[2], 10, 64)
				r.interesting, _ = strconv.Atoi(last[4])
			}
		}()
	}
	wg.Wait()

	for _, r := range runs {
		s.figure("%s", r.summary())
		t.Logf("%s: %s, took %v", r.target, r.summary(), r.took.Round(time.Millisecond))
		deadlineRace := false
		if r.err != nil {
			crasher := ""
			if i := strings.Index(r.out, "Failing input written to "); i >= 0 {
				crasher = strings.SplitN(r.out[i:], "\n", 2)[0] + " (under stream/)"
			}
			if crasher != "" || !fuzzDeadlineRace(r.out) {
				t.Errorf("fuzzing %s failed: %v %s\n%s", r.target, r.err, crasher, fuzzTail(r.out, 60))
				continue
			}
			deadlineRace = true
			s.figure("%s: no crasher; Go's fuzz coordinator failed at its own deadline (golang/go#75804, fixed in Go 1.27)", r.target)
			t.Logf("fuzzing %s: 'context deadline exceeded' at -fuzztime with no failing input written: Go's coordinator race (golang/go#75804), not a finding", r.target)
		}
		if !deadlineRace && !strings.Contains(r.out, "\nPASS\n") && !strings.HasPrefix(r.out, "PASS\n") {
			t.Errorf("fuzzing %s: no PASS in its output:\n%s", r.target, fuzzTail(r.out, 40))
		}
		if r.execs == 0 {
			t.Errorf("fuzzing %s: no exec count in its output:\n%s", r.target, fuzzTail(r.out, 40))
		}
		elapsed, err := time.ParseDuration(r.elapsed)
		if err != nil || elapsed < fuzzTime {
			t.Errorf("fuzzing %s ran %q, less than %v:\n%s", r.target, r.elapsed, fuzzTime, fuzzTail(r.out, 20))
		}
	}
}

// fuzzDeadlineRace recognises the failure Go's fuzz coordinator reports, before Go
// 1.27, when -fuzztime's deadline races its workers' shutdown (golang/go#75804): the
// target fails with only "context deadline exceeded" and writes no failing input. A
// real finding (panic, failed check, hang) writes one and is never taken for this.
func fuzzDeadlineRace(out string) bool {
	i := strings.LastIndex(out, "--- FAIL: Fuzz")
	if i < 0 || strings.Contains(out, "Failing input written to ") {
		return false
	}
	rest := strings.Fields(out[i:])
	// "--- FAIL: FuzzX (60.15s)" then the error alone, then FAIL / exit status lines.
	return len(rest) >= 7 && rest[4] == "context" && rest[5] == "deadline" && rest[6] == "exceeded"
}

// fuzzTail is the last n lines of out.
func fuzzTail(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// fuzzDeadlineRace takes only the coordinator's bare deadline failure for the race, never
// a finding.
func TestFuzzDeadlineRaceSignature(t *testing.T) {
	race := "fuzz: elapsed: 1m0s, execs: 716000 (0/sec)\n--- FAIL: FuzzParseAuth (60.15s)\n    context deadline exceeded\nFAIL\nexit status 1\n"
	if !fuzzDeadlineRace(race) {
		t.Error("the coordinator's bare deadline failure is not recognised")
	}
	for _, finding := range []string{
		"--- FAIL: FuzzParseAuth (3.10s)\n    --- FAIL: FuzzParseAuth (0.00s)\n        testing.go:1: panic: boom\n    Failing input written to testdata/fuzz/FuzzParseAuth/abc\nFAIL\n",
		"--- FAIL: FuzzParseAuth (60.15s)\n    fuzz_test.go:12: context deadline exceeded while parsing\n    Failing input written to testdata/fuzz/FuzzParseAuth/abc\n",
		"--- FAIL: FuzzParseAuth (0.01s)\n    auth_test.go:9: unexpected error\nFAIL\n",
		"PASS\n",
	} {
		if fuzzDeadlineRace(finding) {
			t.Errorf("taken for the coordinator race:\n%s", finding)
		}
	}
}
