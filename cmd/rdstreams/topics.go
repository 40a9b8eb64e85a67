package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rdstreams/rdstreams/cluster"
)

var topicsCmd = &command{
	name:    "topics",
	args:    "URL",
	summary: "show the cluster's brokers, topics and partitions",
	details: `Show the cluster's metadata: its brokers, then each topic with its partition count
and, per partition, the leader, the replicas and the in-sync replicas (broker ids).
The topics are those the URL names (each must exist), or, when it names none, every
topic except Kafka's internal ones. --json prints one JSON object instead:

  {"cluster_id":"…","controller":1,"brokers":[{"id":1,"host":"…","port":9092}],
   "topics":[{"name":"alerts","partitions":[{"id":0,"leader":1,"replicas":[1],"isr":[1]}]}]}`,
	example: `rdstreams topics --no-auth kafka://localhost:9092`,
	run:     runTopics,
}

type brokerJSON struct {
	ID   int32  `json:"id"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

type partitionJSON struct {
	ID       int32   `json:"id"`
	Leader   int32   `json:"leader"`
	Replicas []int32 `json:"replicas"`
	ISR      []int32 `json:"isr"`
}

type topicJSON struct {
	Name       string          `json:"name"`
	Internal   bool            `json:"internal,omitempty"`
	Partitions []partitionJSON `json:"partitions"`
}

type metadataJSON struct {
	ClusterID  string       `json:"cluster_id"`
	Controller int32        `json:"controller"`
	Brokers    []brokerJSON `json:"brokers"`
	Topics     []topicJSON  `json:"topics"`
}

func runTopics(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	asJSON := fs.Bool("json", false, "print the metadata as one JSON object")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	if err := e.refuseGroupID(c, "topics joins no consumer group (rdstreams groups shows groups)"); err != nil {
		return err
	}
	md, named, err := e.clusterInfo(u, true)
	if err != nil {
		return fmt.Errorf("topics: %w", err)
	}
	var topics []cluster.Topic
	if len(u.Topics) > 0 {
		for _, t := range named {
			topics = append(topics, *t)
		}
	} else {
		for _, t := range md.Topics {
			if !t.Internal {
				topics = append(topics, t)
			}
		}
	}
	out := metadataJSON{ClusterID: md.ClusterID, Controller: md.ControllerID, Brokers: []brokerJSON{}, Topics: []topicJSON{}}
	for _, b := range md.Brokers {
		out.Brokers = append(out.Brokers, brokerJSON{ID: b.ID, Host: b.Host, Port: b.Port})
	}
	for _, t := range topics {
		tj := topicJSON{Name: t.Name, Internal: t.Internal, Partitions: []partitionJSON{}}
		for _, p := range t.Partitions {
			tj.Partitions = append(tj.Partitions, partitionJSON{ID: p.ID, Leader: p.Leader, Replicas: orEmpty(p.Replicas), ISR: orEmpty(p.ISR)})
		}
		out.Topics = append(out.Topics, tj)
	}
	w := bufio.NewWriter(e.stdout)
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("topics: %w", err)
		}
	} else {
		printMetadata(w, out)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("topics: writing the output: %w", err)
	}
	return nil
}

func orEmpty(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

func printMetadata(w *bufio.Writer, md metadataJSON) {
	fmt.Fprintf(w, "cluster %s, controller %d\n", orNone(md.ClusterID), md.Controller)
	fmt.Fprintf(w, "%d broker(s):\n", len(md.Brokers))
	for _, b := range md.Brokers {
		fmt.Fprintf(w, "  broker %d at %s:%d\n", b.ID, b.Host, b.Port)
	}
	fmt.Fprintf(w, "%d topic(s):\n", len(md.Topics))
	for _, t := range md.Topics {
		fmt.Fprintf(w, "  topic %q with %d partition(s):\n", t.Name, len(t.Partitions))
		for _, p := range t.Partitions {
			fmt.Fprintf(w, "    partition %d, leader %d, replicas %s, isr %s\n", p.ID, p.Leader, ids(p.Replicas), ids(p.ISR))
		}
	}
}

func ids(v []int32) string {
	if len(v) == 0 {
		return "none"
	}
	parts := make([]string, len(v))
	for i, id := range v {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

func orNone(s string) string {
	if s == "" {
		return "(id unknown)"
	}
	return s
}
