package testkafka

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// Broker is a disposable Kafka broker of a test's own, on free ports with its own
// storage, that the test may kill, stop and restart. It runs the same broker/kafka.sh
// as the shared test broker and reuses its jars (KAFKA_LIBS).
type Broker struct {
	Bootstrap     string // PLAINTEXT listener
	SASLBootstrap string // SASL_PLAINTEXT (SCRAM-SHA-512) listener
	env           []string
	paused        atomic.Bool // frozen by Pause, not yet thawed
}

// StartBroker starts a broker for this test alone (about 5 s) and stops it when the
// test ends. The test fails when the broker cannot start.
func StartBroker(t testing.TB) *Broker {
	t.Helper()
	libs := Env(t, "KAFKA_LIBS")
	ports := freePorts(t, 3)
	b := &Broker{
		Bootstrap:     fmt.Sprintf("127.0.0.1:%d", ports[0]),
		SASLBootstrap: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		env: append(os.Environ(),
			"KAFKA_HOME="+t.TempDir(),
			"KAFKA_LIBS="+libs,
			"KAFKA_PORT="+strconv.Itoa(ports[0]),
			"KAFKA_SASL_PORT="+strconv.Itoa(ports[1]),
			"KAFKA_CONTROLLER_PORT="+strconv.Itoa(ports[2]),
		),
	}
	b.run(t, "up")
	t.Cleanup(func() { b.run(t, "down") })
	return b
}

// Kill kills the broker process at once (SIGKILL), as a crash would.
func (b *Broker) Kill(t testing.TB) { t.Helper(); b.run(t, "kill") }

// Stop stops the broker cleanly.
func (b *Broker) Stop(t testing.TB) { t.Helper(); b.run(t, "down") }

// Restart starts the broker again on its existing storage and waits until it answers.
func (b *Broker) Restart(t testing.TB) {
	t.Helper()
	b.run(t, "up", "KAFKA_KEEP_DATA=1")
}

func (b *Broker) run(t testing.TB, cmd string, extraEnv ...string) {
	t.Helper()
	if err := b.runErr(cmd, extraEnv...); err != nil {
		t.Fatal(err)
	}
}

// runErr runs broker/kafka.sh cmd in the broker's environment plus extraEnv (a later
// KEY=value overrides an earlier one).
func (b *Broker) runErr(cmd string, extraEnv ...string) error {
	c := exec.Command(filepath.Join(repoRoot(), "broker", "kafka.sh"), cmd)
	c.Dir = repoRoot()
	c.Env = append(append([]string{}, b.env...), extraEnv...)
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("broker/kafka.sh %s: %v\n%s", cmd, err, out)
	}
	return nil
}

// repoRoot is the repository's top folder, found from this file's place in it.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// freePorts asks the kernel for n free loopback ports.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// Pid is the process id of the running broker, read from $KAFKA_HOME/broker.pid; the
// test fails when the broker is not running.
func (b *Broker) Pid(t testing.TB) int {
	t.Helper()
	var home string
	for _, kv := range b.env {
		if v, ok := strings.CutPrefix(kv, "KAFKA_HOME="); ok {
			home = v // the last one wins, as in the child's environment
		}
	}
	raw, err := os.ReadFile(filepath.Join(home, "broker.pid"))
	if err != nil {
		t.Fatalf("broker pid: %v (is the broker running?)", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		t.Fatalf("broker pid file holds %q", raw)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("broker process %d: %v", pid, err)
	}
	return pid
}

// Pause freezes the broker process (SIGSTOP): its connections stay open and nothing
// answers, as with a broker stuck in a long GC pause or a frozen VM. Resume thaws it;
// a broker still paused when the test ends is thawed before it is stopped.
func (b *Broker) Pause(t testing.TB) {
	t.Helper()
	pid := b.Pid(t)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP to broker %d: %v", pid, err)
	}
	b.paused.Store(true)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
}

// Resume thaws a broker frozen by Pause (SIGCONT).
func (b *Broker) Resume(t testing.TB) {
	t.Helper()
	pid := b.Pid(t)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatalf("SIGCONT to broker %d: %v", pid, err)
	}
	b.paused.Store(false)
}
