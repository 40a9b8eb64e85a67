package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
)

var groupsCmd = &command{
	name:    "groups",
	args:    "URL [GROUP]",
	summary: "list the consumer groups, or show one group's lag",
	details: `Without GROUP: list the cluster's consumer groups, one line each with its state
(Stable, Empty, …), how many members it has, its rebalance protocol type and its
partition assignor. The URL then names no topic.

With GROUP: that group's state and member count, then each partition the group has
committed an offset for or a member is assigned: the committed offset (the next
message the group will read; "none" when it has committed nothing), the partition's
end (its high watermark) and the lag — the messages still to read: end − committed,
or every message the partition holds when nothing is committed — and the total lag.
When the URL names topics, only their partitions are shown. A group that does not
exist is an error.

Members are shown as a count only: who they are (client id, host) and which partitions
each is assigned are not shown.

--json prints one JSON object instead:

  {"groups":[{"id":"archiver","state":"Stable","type":"classic","protocol":"range","members":1}]}
  {"id":"archiver","state":"Stable","type":"classic","protocol":"range","members":1,"lag":5,
   "partitions":[{"topic":"alerts","partition":0,"committed":42,"end":47,"lag":5}]}

committed is null when the group has committed nothing for the partition.`,
	example: `rdstreams groups --no-auth kafka://localhost:9092 alerts-archiver`,
	run:     runGroups,
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
	pos, err := e.parse(c, fs, args, 1, 2)
	if err != nil {
		return err
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
	groups, err := cl.ConsumerGroups(ctx)
	if err != nil {
		return fmt.Errorf("groups: listing the groups of %s: %w", u.Bootstrap(), e.brokerError(ctx, u, "", err))
	}
	w := bufio.NewWriter(e.stdout)
	if group == "" {
		printGroups(w, groups, *asJSON)
	} else {
		out, err := groupLag(ctx, e, cl, u, groups, group)
		if err != nil {
			return err
		}
		printGroupLag(w, out, *asJSON)
	}
	if err := w.Flush(); err != nil {
		return outputError(c, err)
	}
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
