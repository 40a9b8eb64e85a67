package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

var groupsCmd = &command{
	name:    "groups",
	args:    "URL [GROUP] | describe URL GROUP | reset URL GROUP --to WHERE [--execute]",
	summary: "list the consumer groups, show one's lag or members, reset its offsets",
	details: `Without GROUP: list the cluster's consumer groups, one line each with its state
(Stable, Empty, …), how many members it has, its rebalance protocol type and its
partition assignor. The URL then names no topic.

With GROUP: that group's state and member count, then each partition the group has
committed an offset for or a member is assigned: the committed offset (the next
message the group will read; "none" when it has committed nothing), the partition's
end (its high watermark) and the lag — the messages still to read: end − committed,
or every message the partition holds when nothing is committed — and the total lag.
When the URL names topics, only their partitions are shown. A group that does not
exist is an error. Members are shown as a count only: groups describe shows who they
are.

describe URL GROUP: the group's state, type, assignor and coordinator, then each
member: its member id, client id, host and the partitions it is assigned.

reset URL GROUP --to WHERE: move the group's committed offsets, as
kafka-consumer-groups --reset-offsets does. WHERE is earliest (the first message still
kept), latest (the end: skip everything there now), time:RFC3339 (the first message at
or after that time, e.g. time:2025-01-02T15:04:05Z; the end where there is none) or
offset:N (N, kept within what each partition holds). The partitions are those of the
URL's topics, or, when it names none, every partition the group has committed an
offset for. Without --execute this is a dry run: it prints the plan and changes
nothing. The group must have no active members (its consumers would overwrite the
reset): stop them first; otherwise the error names them.

--json prints one JSON object instead:

  {"groups":[{"id":"archiver","state":"Stable","type":"classic","protocol":"range","members":1}]}
  {"id":"archiver","state":"Stable","type":"classic","protocol":"range","members":1,"lag":5,
   "partitions":[{"topic":"alerts","partition":0,"committed":42,"end":47,"lag":5}]}
  {"id":"archiver","state":"Stable","type":"classic","protocol":"range",
   "coordinator":{"id":1,"host":"…","port":9092},
   "members":[{"member_id":"…","client_id":"rdkafka","host":"/10.0.0.7",
               "assignment":[{"topic":"alerts","partition":0}]}]}
  {"group":"archiver","to":"earliest","executed":false,
   "partitions":[{"topic":"alerts","partition":0,"current":42,"target":0}]}

committed and current are null when the group has committed nothing for the partition.`,
	example: `rdstreams groups --no-auth kafka://localhost:9092 alerts-archiver
  rdstreams groups describe --no-auth kafka://localhost:9092 alerts-archiver
  rdstreams groups reset --no-auth --to time:2025-01-02T00:00:00Z kafka://localhost:9092/alerts alerts-archiver`,
	run: runGroups,
}

type groupJSON struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Type     string `json:"type"`
	Protocol string `json:"protocol"`
	Members  int    `json:"members"`
}

type groupLagJSON struct {
	groupJSON
	Lag        int64           `json:"lag"`
	Partitions []partitionLagJ `json:"partitions"`
}

type partitionLagJ struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed *int64 `json:"committed"`
	End       int64  `json:"end"`
	Lag       int64  `json:"lag"`
}

func runGroups(e *env, c *command, args []string) error {
	fs := newFlagSet(c.name)
	asJSON := fs.Bool("json", false, "print one JSON object")
	to := fs.String("to", "", "reset: where to move the offsets: earliest, latest, time:RFC3339 or offset:N")
	execute := fs.Bool("execute", false, "reset: commit the plan (without it, only print it)")
	pos, err := e.parse(c, fs, args, 1, 3)
	if err != nil {
		return err
	}
	mode := ""
	if pos[0] == "describe" || pos[0] == "reset" {
		mode, pos = pos[0], pos[1:]
		if len(pos) != 2 {
			return usagef("groups: %s needs a URL and a GROUP (see rdstreams groups --help)", mode)
		}
	} else if len(pos) > 2 {
		return usagef("groups: unexpected argument %q (see rdstreams groups --help)", pos[2])
	}
	if mode != "reset" && (*to != "" || *execute) {
		return usagef("groups: --to and --execute are for groups reset")
	}
	var resetTo cluster.ResetTo
	if mode == "reset" {
		if *to == "" {
			return usagef("groups: reset needs --to earliest|latest|time:RFC3339|offset:N")
		}
		if resetTo, err = cluster.ParseResetTo(*to); err != nil {
			return usagef("groups: --to %s", strings.TrimPrefix(err.Error(), "reset to "))
		}
	}
	u, err := parseURL(c, pos[0])
	if err != nil {
		return err
	}
	if err := e.refuseGroupID(c, "name the group as the GROUP argument"); err != nil {
		return err
	}
	group := ""
	if len(pos) == 2 {
		if group = pos[1]; group == "" {
			return usagef("groups: GROUP must not be empty (leave it out to list the groups)")
		}
	} else if len(u.Topics) > 0 {
		return usagef("groups: the URL names topics; they select partitions of one GROUP's lag (give a GROUP, or a URL without topics to list the groups)")
	}
	if mode == "describe" && len(u.Topics) > 0 {
		return usagef("groups: describe shows the whole group: give a URL without topics")
	}
	config, err := e.kafkaConfig(u)
	if err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	cl, err := cluster.New(config, cluster.WithLogger(e.logger))
	if err != nil {
		return fmt.Errorf("groups: %w", configError(err))
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(e.ctx, e.g.timeout)
	defer cancel()
	w := bufio.NewWriter(e.stdout)
	switch mode {
	case "describe":
		err = describeGroup(ctx, e, cl, u, group, w, *asJSON)
	case "reset":
		err = resetGroup(ctx, e, cl, u, group, resetTo, *execute, w, *asJSON)
	default:
		err = listOrLag(ctx, e, cl, u, group, w, *asJSON)
	}
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return outputError(c, err)
	}
	return nil
}

// listOrLag lists the groups, or shows one group's lag.
func listOrLag(ctx context.Context, e *env, cl *cluster.Client, u *stream.URL, group string, w io.Writer, asJSON bool) error {
	groups, err := cl.ConsumerGroups(ctx)
	if err != nil {
		return fmt.Errorf("groups: listing the groups of %s: %w", u.Bootstrap(), e.brokerError(ctx, u, "", err))
	}
	if group == "" {
		printGroups(w, groups, asJSON)
		return nil
	}
	out, err := groupLag(ctx, e, cl, u, groups, group)
	if err != nil {
		return err
	}
	printGroupLag(w, out, asJSON)
	return nil
}

func toGroupJSON(g cluster.Group) groupJSON {
	return groupJSON{ID: g.ID, State: g.State, Type: g.Type, Protocol: g.Protocol, Members: g.Members}
}

// groupLag describes group and its lag on the partitions of u's topics (all when it
// names none).
func groupLag(ctx context.Context, e *env, cl *cluster.Client, u *stream.URL, groups []cluster.Group, group string) (groupLagJSON, error) {
	out := groupLagJSON{groupJSON: groupJSON{ID: group}, Partitions: []partitionLagJ{}}
	i := slices.IndexFunc(groups, func(g cluster.Group) bool { return g.ID == group })
	if i >= 0 {
		out.groupJSON = toGroupJSON(groups[i])
	}
	lags, err := cl.GroupLag(ctx, group)
	switch {
	case errors.Is(err, kafkaerror.GroupIDNotFound) && i < 0:
		return out, fmt.Errorf("groups: group %q does not exist on %s", group, u.Bootstrap())
	case errors.Is(err, kafkaerror.GroupIDNotFound):
		return out, nil // listed, but with neither members nor committed offsets
	case err != nil:
		return out, fmt.Errorf("groups: lag of group %q: %w", group, e.brokerError(ctx, u, "", err))
	}
	for _, l := range lags {
		if len(u.Topics) > 0 && !slices.Contains(u.Topics, l.Topic) {
			continue
		}
		pl := partitionLagJ{Topic: l.Topic, Partition: l.Partition, End: int64(l.High), Lag: l.Lag}
		if l.Committed >= 0 {
			off := int64(l.Committed)
			pl.Committed = &off
		}
		out.Partitions = append(out.Partitions, pl)
		out.Lag += l.Lag
	}
	return out, nil
}

func printGroups(w io.Writer, groups []cluster.Group, asJSON bool) {
	if asJSON {
		out := struct {
			Groups []groupJSON `json:"groups"`
		}{Groups: []groupJSON{}}
		for _, g := range groups {
			out.Groups = append(out.Groups, toGroupJSON(g))
		}
		encodeJSON(w, out)
		return
	}
	fmt.Fprintf(w, "%d group(s):\n", len(groups))
	for _, g := range groups {
		fmt.Fprintf(w, "  %s\n", groupLine(toGroupJSON(g)))
	}
}

func groupLine(g groupJSON) string {
	s := fmt.Sprintf("%s: %s, %d member(s)", g.ID, orDash(g.State), g.Members)
	if g.Type != "" {
		s += ", " + g.Type
	}
	if g.Protocol != "" {
		s += ", assignor " + g.Protocol
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printGroupLag(w io.Writer, g groupLagJSON, asJSON bool) {
	if asJSON {
		encodeJSON(w, g)
		return
	}
	fmt.Fprintf(w, "group %s\n", groupLine(g.groupJSON))
	for _, p := range g.Partitions {
		committed := "none"
		if p.Committed != nil {
			committed = fmt.Sprint(*p.Committed)
		}
		fmt.Fprintf(w, "  %s[%d]: committed %s, end %d, lag %d\n", p.Topic, p.Partition, committed, p.End, p.Lag)
	}
	fmt.Fprintf(w, "total lag %d\n", g.Lag)
}

// encodeJSON writes v as one line of JSON; the write's error shows at Flush.
func encodeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

type memberJSON struct {
	MemberID   string         `json:"member_id"`
	InstanceID string         `json:"instance_id,omitempty"`
	ClientID   string         `json:"client_id"`
	Host       string         `json:"host"`
	Assignment []assignedJSON `json:"assignment"`
}

type assignedJSON struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
}

type groupDescJSON struct {
	ID          string       `json:"id"`
	State       string       `json:"state"`
	Type        string       `json:"type"`
	Protocol    string       `json:"protocol"`
	Coordinator brokerJSON   `json:"coordinator"`
	Members     []memberJSON `json:"members"`
}

// describeGroup prints a group's members with their client ids, hosts and assignments.
func describeGroup(ctx context.Context, e *env, cl *cluster.Client, u *stream.URL, group string, w io.Writer, asJSON bool) error {
	descs, err := cl.DescribeGroups(ctx, group)
	if err != nil {
		return fmt.Errorf("groups: describing group %q: %w", group, e.brokerError(ctx, u, "", err))
	}
	d := descs[0]
	if errors.Is(d.Err, kafkaerror.GroupIDNotFound) {
		return fmt.Errorf("groups: group %q does not exist on %s", group, u.Bootstrap())
	}
	if d.Err != nil {
		return fmt.Errorf("groups: describing group %q: %w", group, d.Err)
	}
	out := groupDescJSON{ID: d.ID, State: d.State, Type: d.Type, Protocol: d.Protocol, Members: []memberJSON{},
		Coordinator: brokerJSON{ID: d.Coordinator.ID, Host: d.Coordinator.Host, Port: d.Coordinator.Port}}
	for _, m := range d.Members {
		mj := memberJSON{MemberID: m.ID, InstanceID: m.InstanceID, ClientID: m.ClientID, Host: m.Host, Assignment: []assignedJSON{}}
		for _, tp := range m.Assignment {
			mj.Assignment = append(mj.Assignment, assignedJSON{Topic: tp.Topic, Partition: tp.Partition})
		}
		out.Members = append(out.Members, mj)
	}
	if asJSON {
		encodeJSON(w, out)
		return nil
	}
	fmt.Fprintf(w, "group %s: coordinator broker %d at %s\n",
		groupLine(groupJSON{ID: d.ID, State: d.State, Type: d.Type, Protocol: d.Protocol, Members: len(d.Members)}),
		d.Coordinator.ID, d.Coordinator.Addr())
	for _, m := range out.Members {
		parts := make([]string, len(m.Assignment))
		for i, a := range m.Assignment {
			parts[i] = fmt.Sprintf("%s[%d]", a.Topic, a.Partition)
		}
		assigned := "none"
		if len(parts) > 0 {
			assigned = strings.Join(parts, ", ")
		}
		instance := ""
		if m.InstanceID != "" {
			instance = ", instance " + m.InstanceID
		}
		fmt.Fprintf(w, "  member %s: client id %s, host %s%s, assigned %s\n", m.MemberID, m.ClientID, m.Host, instance, assigned)
	}
	return nil
}

type resetJSON struct {
	Group      string           `json:"group"`
	To         string           `json:"to"`
	Executed   bool             `json:"executed"`
	Partitions []resetPartitonJ `json:"partitions"`
}

type resetPartitonJ struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Current   *int64 `json:"current"`
	Target    *int64 `json:"target"`
	Error     string `json:"error,omitempty"`
}

// resetGroup plans a reset of the group's offsets and prints the plan; with execute it
// commits it first. A partition that could not be planned or committed fails the
// command after the plan is printed.
func resetGroup(ctx context.Context, e *env, cl *cluster.Client, u *stream.URL, group string, to cluster.ResetTo, execute bool, w io.Writer, asJSON bool) error {
	plan, err := cl.PlanGroupReset(ctx, group, to, u.Topics...)
	switch {
	case errors.Is(err, kafkaerror.GroupIDNotFound):
		return fmt.Errorf("groups: group %q has no committed offsets on %s: name the topics to reset in the URL", group, u.Bootstrap())
	case errors.Is(err, kafkaerror.UnknownTopicOrPart):
		return fmt.Errorf("groups: reset: %w", err)
	case err != nil:
		return fmt.Errorf("groups: %w", e.brokerError(ctx, u, "", err))
	}
	failed := map[topicpartition.TopicPartition]error{}
	var errs []error
	for _, p := range plan.Partitions {
		if p.Err != nil {
			failed[topicpartition.Of(p.Topic, p.Partition)] = p.Err
			errs = append(errs, p.Err)
		}
	}
	if execute && len(errs) == 0 {
		done, err := cl.ResetGroupOffsets(ctx, plan)
		if err != nil {
			return fmt.Errorf("groups: %w", e.brokerError(ctx, u, "", err))
		}
		for _, tp := range done {
			if tp.Err != nil {
				failed[topicpartition.Of(tp.Topic, tp.Partition)] = tp.Err
				errs = append(errs, tp.Err)
			}
		}
	}
	out := resetJSON{Group: group, To: to.String(), Executed: execute && len(errs) == 0, Partitions: []resetPartitonJ{}}
	for _, p := range plan.Partitions {
		pj := resetPartitonJ{Topic: p.Topic, Partition: p.Partition}
		if p.Current >= 0 {
			cur := int64(p.Current)
			pj.Current = &cur
		}
		if p.Target >= 0 {
			target := int64(p.Target)
			pj.Target = &target
		}
		if err := failed[topicpartition.Of(p.Topic, p.Partition)]; err != nil {
			pj.Error = err.Error()
		}
		out.Partitions = append(out.Partitions, pj)
	}
	if asJSON {
		encodeJSON(w, out)
	} else {
		switch {
		case out.Executed:
			fmt.Fprintf(w, "reset group %s to %s:\n", group, to)
		case execute:
			fmt.Fprintf(w, "group %s NOT reset to %s (nothing changed):\n", group, to)
		default:
			fmt.Fprintf(w, "plan to reset group %s to %s (dry run, nothing changed: --execute commits it):\n", group, to)
		}
		for _, p := range out.Partitions {
			line := fmt.Sprintf("  %s[%d]: %s -> %s", p.Topic, p.Partition, offsetOrNone(p.Current), offsetOrNone(p.Target))
			if p.Error != "" {
				line += " (" + p.Error + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(errs) > 0 {
		if f, ok := w.(interface{ Flush() error }); ok {
			_ = f.Flush()
		}
		return fmt.Errorf("groups: reset of group %q failed for %d partition(s): %w", group, len(errs), errs[0])
	}
	return nil
}

func offsetOrNone(o *int64) string {
	if o == nil {
		return "none"
	}
	return fmt.Sprint(*o)
}
