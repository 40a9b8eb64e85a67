package producer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
)

// pythonPlacementScript produces one message per key (keys as a JSON list on stdin)
// with confluent-kafka-python's default partitioner and prints {key: partition} from its
// delivery reports.
const pythonPlacementScript = `
import json, sys
from confluent_kafka import Producer
bootstrap, topic = sys.argv[1], sys.argv[2]
keys = json.load(sys.stdin)
placed, failed = {}, []
def report(err, msg):
    if err is not None:
        failed.append(str(err))
    else:
        placed[msg.key().decode("utf-8")] = msg.partition()
p = Producer({"bootstrap.servers": bootstrap})
for k in keys:
    p.produce(topic, b"v", key=k.encode("utf-8"), on_delivery=report)
left = p.flush(60)
if failed or left:
    sys.exit("python producer: %d failed (%s), %d undelivered" % (len(failed), failed[:3], left))
json.dump(placed, sys.stdout)
`

// The README's advice for fleets that mix Python and Go producers, proven against the
// real confluent-kafka-python: with "partitioner": "consistent_random" every key lands
// where a Python producer with its default configuration puts it; with rdstreams'
// default (murmur2_random, Java's placement) many keys land elsewhere.
func TestKeyedPlacementBesidePythonClient(t *testing.T) {
	const partitions = 3
	bootstrap := testkafka.Bootstrap(t)
	python := testkafka.Env(t, "HOP_PYTHON")
	keys := placementKeys()

	pyTopic := testkafka.Topic(t, partitions, nil)
	stdin, err := json.Marshal(keys)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", pythonPlacementScript, bootstrap, pyTopic)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python producer: %s", &stderr)
	var pyPlacement map[string]int32
	require.NoError(t, json.Unmarshal(out, &pyPlacement))
	require.Len(t, pyPlacement, len(keys), "python delivery reports")

	placement := func(partitioner string) map[string]int32 {
		config := map[string]any{"bootstrap.servers": bootstrap}
		if partitioner != "" {
			config["partitioner"] = partitioner
		}
		p, err := producer.New(config)
		require.NoError(t, err)
		defer func() { assert.NoError(t, p.Close()) }()
		topic := testkafka.Topic(t, partitions, nil)
		got := make(map[string]int32, len(keys))
		for _, k := range keys {
			require.NoError(t, p.Produce(topic, []byte("v"), producer.Key([]byte(k)),
				producer.OnDelivery(func(err error, m *message.Message) {
					if assert.NoError(t, err, "key %s", shortKey(k)) {
						got[k] = m.Partition()
					}
				})))
		}
		require.Zero(t, p.Flush(30*time.Second))
		require.Len(t, got, len(keys))
		return got
	}
	differing := func(got map[string]int32) (n int, example string) {
		for _, k := range keys {
			if got[k] != pyPlacement[k] {
				if n == 0 {
					example = fmt.Sprintf("key %s: Python partition %d, rdstreams %d", shortKey(k), pyPlacement[k], got[k])
				}
				n++
			}
		}
		return n, example
	}

	unlike, example := differing(placement("consistent_random"))
	assert.Zero(t, unlike, "with consistent_random, keys placed unlike the Python client, e.g. %s", example)
	moved, _ := differing(placement(""))
	t.Logf("rdstreams' default placed %d of %d keys unlike confluent-kafka-python's default", moved, len(keys))
	assert.Greater(t, moved, len(keys)/3, "the default (murmur2_random) should place many keys unlike Python's default")
}
