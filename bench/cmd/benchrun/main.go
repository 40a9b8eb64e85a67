// Command benchrun runs the benchmark suite against one broker and writes
// results/latest.json.
//
// It builds the client programs (clients/<dir>/main.go into bin/<dir>; the java client
// is clients/java/run.sh), creates the topics through rdstreams' cluster package,
// pre-fills the consume topics with rdstreams' producer, then runs every (client,
// workload, size) as a child process, interleaved:
//
//	for round in 1..R { for each workload { for each size { for each client { run } } } }
//
// The client order rotates by one place every round, so no client is always the first
// after a change of workload (when the broker may still be deleting the last phase's
// topics) or always follows the same neighbour.
//
// It takes each child's CPU time (user + system) and peak RSS from its rusage,
// through the small internal/cmd/rusage program (see there why), and reports per
// (client, workload, size) the median over the rounds, keeping every round's numbers
// in runs. Run it from the bench directory (bench/run.sh does). Linux only.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rdstreams/rdstreams/bench/internal/harness"
	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// client is one benchmarked library: its name in the results, its directory under
// clients/ and the arguments its program gets first (a second way of driving the same
// library). An optIn client runs only when -clients names it.
type client struct {
	name, dir string
	optIn     bool
	args      []string
}

// clients in the order they run within a round.
var clients = []client{
	{"rdstreams", "rdstreams", false, nil},
	// rdstreams' batch path (Producer.ProduceBatch); produce only.
	{"rdstreams-batch", "rdstreams", false, []string{"-produce-batch"}},
	// rdstreams' message-at-a-time consumer path (Consumer.Poll); consume only.
	{"rdstreams-poll", "rdstreams", false, []string{"-consume-poll"}},
	{"confluent-kafka-go", "ckgo", false, nil},
	{"franz-go", "franzgo", false, nil},
	{"sarama", "sarama", false, nil},
	{"kafka-go", "kafkago", false, nil},
	{"java", "java", false, nil},
	// The batched-cgo prototype (issue 5's question, not a peer).
	{"cgo-batch", "cgobatch", true, nil},
}

// options are the command line.
type options struct {
	bootstrap         string
	clients           []string
	workloads         []string
	sizes             []int
	rounds            int
	messages, latency int // per run; latency for the latency workload
	rate              int
	lingerMs          int
	batchSize         int
	partitions        int
	out               string
}

func main() {
	o := parseFlags()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	var clientList, workloads, sizes string
	messages, latency := 1_000_000, 200_000
	if s := os.Getenv("BENCH_MESSAGES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			harness.Fatalf("BENCH_MESSAGES=%q: want a positive number", s)
		}
		messages, latency = n, max(n/5, 1000)
	}
	flag.StringVar(&o.bootstrap, "bootstrap", envOr("KAFKA_BOOTSTRAP", "127.0.0.1:39092"), "broker host:port")
	flag.StringVar(&clientList, "clients", "", "comma-separated clients to run (default: every client whose program exists)")
	flag.StringVar(&workloads, "workloads", "produce,consume,latency", "comma-separated workloads")
	flag.StringVar(&sizes, "sizes", "100,1024", "comma-separated value sizes in bytes")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every client once per workload and size")
	flag.IntVar(&o.messages, "messages", messages, "messages per produce or consume run (env BENCH_MESSAGES)")
	flag.IntVar(&o.latency, "latency-messages", latency, "messages per latency run (default BENCH_MESSAGES/5)")
	flag.IntVar(&o.rate, "rate", 20_000, "latency workload's produce rate, messages per second")
	flag.IntVar(&o.lingerMs, "linger-ms", 5, "producer linger.ms, every client")
	flag.IntVar(&o.batchSize, "batch-size", 1_000_000, "producer batch.size in bytes, every client")
	flag.IntVar(&o.partitions, "partitions", 6, "partitions of every topic")
	flag.StringVar(&o.out, "out", "results/latest.json", "results file")
	flag.Parse()
	o.workloads = split(workloads)
	for _, w := range o.workloads {
		if w != "produce" && w != "consume" && w != "latency" {
			harness.Fatalf("unknown workload %q", w)
		}
	}
	for _, s := range split(sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < harness.StampSize {
			harness.Fatalf("size %q: want a number >= %d", s, harness.StampSize)
		}
		o.sizes = append(o.sizes, n)
	}
	o.clients = split(clientList)
	for _, name := range o.clients {
		if !slices.ContainsFunc(clients, func(c client) bool { return c.name == name }) {
			harness.Fatalf("unknown client %q", name)
		}
	}
	if o.rounds < 1 {
		harness.Fatalf("-rounds must be at least 1")
	}
	return o
}

// program is a runnable client: its command line without the workload flags.
type program struct {
	client
	argv []string
}

// run is the whole benchmark.
func run(o options) error {
	progs, err := build(o.clients)
	if err != nil {
		return err
	}
	names := make([]string, len(progs))
	for i, p := range progs {
		names[i] = p.name
	}
	fmt.Fprintf(os.Stderr, "benchrun: clients %s; %d rounds; %d messages (latency %d at %d/s)\n",
		strings.Join(names, ", "), o.rounds, o.messages, o.latency, o.rate)

	admin, err := cluster.New(map[string]any{"bootstrap.servers": o.bootstrap})
	if err != nil {
		return err
	}
	defer admin.Close()
	runID := strconv.FormatInt(time.Now().Unix(), 36)

	consumeTopics := map[int]string{}
	defer func() {
		for _, t := range consumeTopics {
			deleteTopic(admin, t)
		}
	}()
	if slices.Contains(o.workloads, "consume") {
		for _, size := range o.sizes {
			t := fmt.Sprintf("bench-%s-consume-%d", runID, size)
			if err := createTopic(admin, t, o.partitions); err != nil {
				return err
			}
			consumeTopics[size] = t
			start := time.Now()
			if err := prefill(o, t, size); err != nil {
				return fmt.Errorf("pre-fill %s: %w", t, err)
			}
			fmt.Fprintf(os.Stderr, "benchrun: pre-filled %s with %d messages in %.1fs\n", t, o.messages, time.Since(start).Seconds())
		}
	}

	res := newResults(o)
	unsupported := map[string]bool{} // client/workload
	for round := 1; round <= o.rounds; round++ {
		for _, w := range o.workloads {
			for _, size := range o.sizes {
				for i := range progs {
					p := progs[(i+round-1)%len(progs)]
					if unsupported[p.name+"/"+w] {
						continue
					}
					r := runOne(o, admin, p, w, size, round, consumeTopics[size], runID)
					if r.unsupported {
						unsupported[p.name+"/"+w] = true
						fmt.Fprintf(os.Stderr, "benchrun: %s has no %s workload, skipped\n", p.name, w)
						continue
					}
					res.add(p.name, w, size, r)
					if err := res.write(o.out); err != nil {
						return err
					}
				}
			}
		}
	}
	res.summary()
	fmt.Fprintf(os.Stderr, "benchrun: wrote %s\n", o.out)
	return nil
}

// rusageBin runs each client and measures it (see internal/cmd/rusage).
const rusageBin = "bin/rusage"

// build compiles every Go client program that exists (or those asked for) into bin/,
// and readies the java client when java and KAFKA_LIBS are there.
func build(wanted []string) ([]program, error) {
	if out, err := exec.Command("go", "build", "-o", rusageBin, "./internal/cmd/rusage").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build rusage: %v\n%s", err, out)
	}
	var progs []program
	for _, c := range clients {
		asked := slices.Contains(wanted, c.name)
		if (len(wanted) > 0 || c.optIn) && !asked {
			continue
		}
		if c.dir == "java" {
			script := filepath.Join("clients", "java", "run.sh")
			_, errJava := exec.LookPath("java")
			if _, err := os.Stat(script); err != nil || errJava != nil || os.Getenv("KAFKA_LIBS") == "" {
				if asked {
					return nil, fmt.Errorf("java client needs %s, java and KAFKA_LIBS", script)
				}
				continue
			}
			if out, err := exec.Command(script, "-build").CombinedOutput(); err != nil {
				return nil, fmt.Errorf("build java client: %v\n%s", err, out)
			}
			progs = append(progs, program{c, []string{script}})
			continue
		}
		src := filepath.Join("clients", c.dir, "main.go")
		if _, err := os.Stat(src); err != nil {
			if asked {
				return nil, fmt.Errorf("client %s: no %s", c.name, src)
			}
			continue
		}
		bin := filepath.Join("bin", c.dir)
		cmd := exec.Command("go", "build", "-o", bin, "./"+filepath.Join("clients", c.dir))
		if c.dir == "cgobatch" {
			env, err := librdkafkaBuildEnv()
			if err != nil {
				return nil, err
			}
			cmd.Env = append(os.Environ(), env...)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			if asked {
				return nil, fmt.Errorf("build %s: %v\n%s", c.name, err, out)
			}
			fmt.Fprintf(os.Stderr, "benchrun: %s does not build, skipped:\n%s", c.name, out)
			continue
		}
		abs, err := filepath.Abs(bin)
		if err != nil {
			return nil, err
		}
		progs = append(progs, program{c, append([]string{abs}, c.args...)})
	}
	if len(progs) == 0 {
		return nil, errors.New("no client to run")
	}
	return progs, nil
}

// librdkafkaBuildEnv points cgo at the librdkafka header and static archive that
// confluent-kafka-go bundles, for the cgo-batch prototype (linux/amd64 glibc, as the
// rest of the bench).
func librdkafkaBuildEnv() ([]string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/confluentinc/confluent-kafka-go/v2").Output()
	if err != nil {
		return nil, fmt.Errorf("locating confluent-kafka-go for cgo-batch: %v", err)
	}
	vendor := filepath.Join(strings.TrimSpace(string(out)), "kafka", "librdkafka_vendor")
	archive := filepath.Join(vendor, "librdkafka_glibc_linux_amd64.a")
	if _, err := os.Stat(archive); err != nil {
		return nil, fmt.Errorf("cgo-batch needs %s: %v", archive, err)
	}
	return []string{"CGO_CFLAGS=-I" + vendor, "CGO_LDFLAGS=" + archive + " -lm -ldl -lpthread -lrt"}, nil
}

// outcome is one child run: the client's own result line plus its rusage.
type outcome struct {
	harness.Result
	Round         int     `json:"round"`
	CPUSeconds    float64 `json:"cpu_s"`
	CPUPerMillion float64 `json:"cpu_s_per_million"`
	RSSMB         float64 `json:"rss_mb"`
	WallSeconds   float64 `json:"wall_s"`
	Error         string  `json:"error,omitempty"`
	unsupported   bool
}

// runOne runs one client on one workload and size, on a fresh topic except for
// consume.
func runOne(o options, admin *cluster.Client, p program, workload string, size, round int, consumeTopic, runID string) outcome {
	n := o.messages
	if workload == "latency" {
		n = o.latency
	}
	topic := consumeTopic
	if workload != "consume" {
		topic = fmt.Sprintf("bench-%s-%s-%d-%s-r%d", runID, workload, size, p.name, round)
		if err := createTopic(admin, topic, o.partitions); err != nil {
			return failed(round, err)
		}
		defer deleteTopic(admin, topic)
	}
	args := append(slices.Clone(p.argv[1:]), "-workload", workload, "-bootstrap", o.bootstrap,
		"-topic", topic, "-messages", strconv.Itoa(n), "-size", strconv.Itoa(size),
		"-rate", strconv.Itoa(o.rate), "-linger-ms", strconv.Itoa(o.lingerMs), "-batch-size", strconv.Itoa(o.batchSize))

	usageFile, err := os.CreateTemp("", "benchrun-rusage-*.json")
	if err != nil {
		return failed(round, err)
	}
	usageFile.Close()
	defer os.Remove(usageFile.Name())

	// Generous: at least 3 minutes, plus 1ms per message (a 1M run gets ~20 minutes).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute+time.Duration(n)*time.Millisecond)
	defer cancel()
	cmd := exec.CommandContext(ctx, rusageBin, append([]string{"-o", usageFile.Name(), p.argv[0]}, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // rusage kills the client's group
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	fmt.Fprintf(os.Stderr, "round %d  %-8s %5dB  %-19s ", round, workload, size, p.name)

	out := outcome{Round: round, WallSeconds: wall.Seconds()}
	var u usage
	if data, rerr := os.ReadFile(usageFile.Name()); rerr == nil && json.Unmarshal(data, &u) == nil {
		out.CPUSeconds = u.UserSeconds + u.SystemSeconds
		out.CPUPerMillion = out.CPUSeconds / float64(n) * 1e6
		out.RSSMB = float64(u.MaxRSSKB) / 1024
		if u.ExitCode == harness.ExitUnsupported {
			fmt.Fprintln(os.Stderr, "unsupported")
			out.unsupported = true
			return out
		}
	} else if err == nil {
		err = errors.New("no rusage measurement")
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s", wall.Round(time.Second))
	}
	if err == nil {
		err = parseLine(stdout.Bytes(), &out.Result)
	}
	if err == nil && (out.Client != p.name || out.Workload != workload || out.Size != size) {
		err = fmt.Errorf("result is for %s %s %dB", out.Client, out.Workload, out.Size)
	}
	if err != nil {
		out.Error = fmt.Sprintf("%v: %s", err, tail(stderr.String(), 2000))
		fmt.Fprintf(os.Stderr, "FAILED: %s\n", out.Error)
		return out
	}
	lat := ""
	if out.P50Ms != nil {
		lat = fmt.Sprintf("  p50 %.2fms p99 %.2fms p99.9 %.2fms", *out.P50Ms, *out.P99Ms, *out.P999Ms)
	}
	fmt.Fprintf(os.Stderr, "%10.0f msg/s %8.1f MB/s  cpu %6.2fs/M  rss %6.1fMB%s\n",
		out.MsgsPerS, out.MBPerS, out.CPUPerMillion, out.RSSMB, lat)
	return out
}

func failed(round int, err error) outcome {
	fmt.Fprintf(os.Stderr, "round %d FAILED: %v\n", round, err)
	return outcome{Round: round, Error: err.Error()}
}

// parseLine reads the client's result: the last stdout line that is a JSON object.
func parseLine(stdout []byte, r *harness.Result) error {
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "{") {
			return json.Unmarshal([]byte(l), r)
		}
	}
	return errors.New("no JSON result line on stdout")
}

// createTopic creates a topic and waits until it is served.
func createTopic(admin *cluster.Client, name string, partitions int) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin.CreateTopics(ctx, cluster.TopicSpec{Name: name, Partitions: partitions}); err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}

func deleteTopic(admin *cluster.Client, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin.DeleteTopics(ctx, name); err != nil && !errors.Is(err, kafkaerror.UnknownTopicOrPart) {
		fmt.Fprintf(os.Stderr, "benchrun: delete topic %s: %v\n", name, err)
	}
}

// prefill writes o.messages values of size bytes to topic with rdstreams' producer.
func prefill(o options, topic string, size int) error {
	var failed int
	var firstErr error
	p, err := producer.New(map[string]any{
		"bootstrap.servers": o.bootstrap, "acks": "all", "enable.idempotence": true,
		"linger.ms": o.lingerMs, "batch.size": o.batchSize, "compression.type": "none",
	}, producer.WithDeliveryReport(func(err error, _ *message.Message) {
		if err != nil {
			failed++
			firstErr = err
		}
	}))
	if err != nil {
		return err
	}
	value := harness.Payload(size)
	for i := 0; i < o.messages; i++ {
		for {
			err = p.Produce(topic, value)
			if !errors.Is(err, kafkaerror.ErrBufferFull) {
				break
			}
			p.Poll(100 * time.Millisecond)
		}
		if err != nil {
			return err
		}
		if i%1024 == 0 {
			p.Poll(0)
		}
	}
	if err := p.Close(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d messages failed: %w", failed, firstErr)
	}
	return nil
}

// usage is what internal/cmd/rusage writes.
type usage struct {
	UserSeconds   float64 `json:"user_s"`
	SystemSeconds float64 `json:"system_s"`
	MaxRSSKB      int64   `json:"maxrss_kb"`
	ExitCode      int     `json:"exit_code"`
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// sortResults orders results by workload (as run), size, then client order.
func sortResults(o options, rs []*result) {
	rank := func(c string) int {
		return slices.IndexFunc(clients, func(x client) bool { return x.name == c })
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if wa, wb := slices.Index(o.workloads, a.Workload), slices.Index(o.workloads, b.Workload); wa != wb {
			return wa < wb
		}
		if a.Size != b.Size {
			return a.Size < b.Size
		}
		return rank(a.Client) < rank(b.Client)
	})
}

// javaVersion is the first line of `java -version`, "" without java.
func javaVersion() string {
	out, err := exec.Command("java", "-version").CombinedOutput()
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return first
}
