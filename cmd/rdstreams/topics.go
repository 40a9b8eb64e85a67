package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/stream"
)

var topicsCmd = &command{
	name:    "topics",
	args:    "URL | alter URL [--config K=V]… [--delete-config K]… [--partitions N]",
	summary: "show the cluster's brokers, topics and partitions, or change topics",
	details: `Show the cluster's metadata: its brokers, then each topic with its partition count
and, per partition, the leader, the replicas and the in-sync replicas (broker ids).
The topics are those the URL names (each must exist), or, when it names none, every
topic except Kafka's internal ones. --json prints one JSON object instead:

  {"cluster_id":"…","controller":1,"brokers":[{"id":1,"host":"…","port":9092}],
   "topics":[{"name":"alerts","partitions":[{"id":0,"leader":1,"replicas":[1],"isr":[1]}]}]}

alter URL: change each topic the URL names. --config K=V (repeatable) sets a topic
property (retention.ms, cleanup.policy, …) and leaves the others as they are;
--delete-config K (repeatable) puts one back to its default; --partitions N grows the
topic to N partitions (Kafka cannot take partitions away). An unknown property, a bad
value, fewer partitions than the topic has or a topic that does not exist is an error
naming the topic, with the broker's reason; the other topics are still changed.`,
	example: `rdstreams topics --no-auth kafka://localhost:9092
  rdstreams topics alter --no-auth --config retention.ms=86400000 --partitions 6 kafka://localhost:9092/alerts`,
	run: runTopics,
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
	var alt topicAlter
	fs.Func("config", "alter: set the topic property `K=V` (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return fmt.Errorf("want K=V, e.g. retention.ms=86400000")
		}
		alt.ops = append(alt.ops, cluster.ConfigOp{Name: k, Op: cluster.ConfigSet, Value: v})
		return nil
	})
	fs.Func("delete-config", "alter: put the topic property `K` back to its default (repeatable)", func(s string) error {
		if s == "" {
			return fmt.Errorf("want a property name")
		}
		alt.ops = append(alt.ops, cluster.ConfigOp{Name: s, Op: cluster.ConfigDelete})
		return nil
	})
	fs.IntVar(&alt.partitions, "partitions", 0, "alter: grow the topic to `N` partitions")
	pos, err := e.parse(c, fs, args, 1, 2)
	if err != nil {
		return err
	}
	altering := pos[0] == "alter"
	if altering {
		pos = pos[1:]
		if len(pos) != 1 {
			return usagef("topics: alter needs a URL naming the topics (see rdstreams topics --help)")
		}
	} else if len(pos) > 1 {
		return usagef("topics: unexpected argument %q (see rdstreams topics --help)", pos[1])
	}
	if !altering && (len(alt.ops) > 0 || alt.partitions != 0) {
		return usagef("topics: --config, --delete-config and --partitions are for topics alter")
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	if altering {
		if err := e.refuseGroupID(c, "topics joins no consumer group"); err != nil {
			return err
		}
		return alterTopics(e, c, u, alt, *asJSON)
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

// topicAlter is what topics alter changes.
type topicAlter struct {
	ops        []cluster.ConfigOp
	partitions int
}

type alteredJSON struct {
	Topic      string   `json:"topic"`
	Configs    []string `json:"configs,omitempty"`
	Partitions int      `json:"partitions,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// alterTopics changes the configs, then the partition count, of each of u's topics.
func alterTopics(e *env, c *command, u *stream.URL, alt topicAlter, asJSON bool) error {
	switch {
	case len(u.Topics) == 0:
		return usagef("topics: alter: the URL names no topic")
	case len(alt.ops) == 0 && alt.partitions == 0:
		return usagef("topics: alter: nothing to change: give --config, --delete-config or --partitions")
	case alt.partitions < 0:
		return usagef("topics: alter: --partitions %d: want a count above the topic's", alt.partitions)
	}
	config, err := e.kafkaConfig(u)
	if err != nil {
		return fmt.Errorf("topics: %w", err)
	}
	cl, err := cluster.New(config, cluster.WithLogger(e.logger))
	if err != nil {
		return fmt.Errorf("topics: %w", configError(err))
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(e.ctx, e.g.timeout)
	defer cancel()

	failed := map[string]error{}
	if len(alt.ops) > 0 {
		alterations := make([]cluster.ConfigAlteration, len(u.Topics))
		for i, t := range u.Topics {
			alterations[i] = cluster.ConfigAlteration{Resource: cluster.TopicResource(t), Ops: alt.ops}
		}
		res, err := cl.IncrementalAlterConfigs(ctx, alterations...)
		if err != nil {
			return fmt.Errorf("topics: alter: %w", e.brokerError(ctx, u, "", err))
		}
		for i, r := range res {
			if r.Err != nil {
				failed[u.Topics[i]] = r.Err
			}
		}
	}
	if alt.partitions > 0 {
		var specs []cluster.PartitionsSpec
		for _, t := range u.Topics {
			if failed[t] == nil {
				specs = append(specs, cluster.PartitionsSpec{Topic: t, Total: alt.partitions})
			}
		}
		res, err := cl.CreatePartitions(ctx, specs...)
		if err != nil {
			return fmt.Errorf("topics: alter: %w", e.brokerError(ctx, u, "", err))
		}
		for _, r := range res {
			if r.Err != nil {
				failed[r.Name] = r.Err
			}
		}
	}
	w := bufio.NewWriter(e.stdout)
	var errs []string
	var all []alteredJSON
	for _, t := range u.Topics {
		a := alteredJSON{Topic: t, Partitions: alt.partitions}
		for _, op := range alt.ops {
			if op.Op == cluster.ConfigDelete {
				a.Configs = append(a.Configs, op.Name+" (default)")
			} else {
				a.Configs = append(a.Configs, op.Name+"="+op.Value)
			}
		}
		if err := failed[t]; err != nil {
			a = alteredJSON{Topic: t, Error: err.Error()}
			errs = append(errs, err.Error())
		}
		all = append(all, a)
		if !asJSON && a.Error == "" {
			fmt.Fprintf(w, "topic %q:", t)
			if len(a.Configs) > 0 {
				fmt.Fprintf(w, " set %s", strings.Join(a.Configs, ", "))
			}
			if a.Partitions > 0 {
				if len(a.Configs) > 0 {
					fmt.Fprint(w, ";")
				}
				fmt.Fprintf(w, " %d partitions", a.Partitions)
			}
			fmt.Fprintln(w)
		}
	}
	if asJSON {
		encodeJSON(w, struct {
			Topics []alteredJSON `json:"topics"`
		}{all})
	}
	if err := w.Flush(); err != nil {
		return outputError(c, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("topics: alter: %s", strings.Join(errs, "; "))
	}
	return nil
}
