package testregistry

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

//go:embed python/serde_interop.py
var interopScript string

// PythonWrite has confluent-kafka-python's SerializingProducer write records to topic
// in format (json, avro or protobuf) with schema, keyed by each record's "key" field,
// through the test registry. For protobuf the schema is the base64 of a
// FileDescriptorSet, imports first, whose last file's first message is the record
// type. The Python is HOP_PYTHON, which `make test` sets up with the schema-registry
// extras.
func PythonWrite(t testing.TB, format, topic, schema string, records ...map[string]any) {
	t.Helper()
	var in bytes.Buffer
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("encoding %v: %v", r, err)
		}
		in.Write(append(line, '\n'))
	}
	runPython(t, &in, schema, "write", format, topic)
}

// PythonError is the KafkaError confluent-kafka-python's produce raised.
type PythonError struct {
	Name string `json:"name"`
	Code int    `json:"code"`
	Str  string `json:"str"`
}

// PythonWriteFail is PythonWrite for records whose produce must fail: the error
// Python raised. The test fails when every record is produced.
func PythonWriteFail(t testing.TB, format, topic, schema string, records ...map[string]any) PythonError {
	t.Helper()
	var in bytes.Buffer
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("encoding %v: %v", r, err)
		}
		in.Write(append(line, '\n'))
	}
	var e PythonError
	out := runPython(t, &in, schema, "write-fail", format, topic)
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("python printed %q: %v", out, err)
	}
	return e
}

// PythonRead has confluent-kafka-python's DeserializingConsumer read the first n
// records of partition 0 of topic in format, each as the JSON of its value (a dict;
// for protobuf MessageToDict with the proto field names) with its "key" added.
func PythonRead(t testing.TB, format, topic, schema string, n int) []map[string]any {
	t.Helper()
	out := runPython(t, nil, schema, "read", format, topic, strconv.Itoa(n))
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("python printed %q: %v", line, err)
		}
		got = append(got, m)
	}
	return got
}

func runPython(t testing.TB, stdin *bytes.Buffer, schema string, args ...string) string {
	t.Helper()
	python := testkafka.Env(t, "HOP_PYTHON")
	script := filepath.Join(t.TempDir(), "serde_interop.py")
	if err := os.WriteFile(script, []byte(interopScript), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "KAFKA_BOOTSTRAP="+testkafka.Bootstrap(t), "SCHEMA_REGISTRY_URL="+URL(t), "SCHEMA="+schema)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("confluent-kafka-python %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
