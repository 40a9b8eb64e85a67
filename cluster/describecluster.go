package cluster

import (
	"cmp"
	"context"
	"slices"
)

// ClusterDescription is what DescribeCluster returns.
type ClusterDescription struct {
	// ID is the cluster's id; empty if the broker has none.
	ID string
	// Controller is the broker acting as controller (ID -1 when none is known).
	Controller Broker
	// Brokers are the cluster's brokers, sorted by ID, with their racks.
	Brokers []Broker
}

// DescribeCluster returns the cluster's id, its controller and its brokers (Python's
// describe_cluster), in one request that, unlike Metadata, lists no topics.
func (c *Client) DescribeCluster(ctx context.Context) (*ClusterDescription, error) {
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	cd, err := c.admin.DescribeCluster(k.ctx, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	out := &ClusterDescription{Controller: Broker{ID: -1}, Brokers: make([]Broker, 0, len(cd.Nodes))}
	if cd.ClusterID != nil {
		out.ID = *cd.ClusterID
	}
	if cd.Controller != nil {
		out.Controller = brokerOf(*cd.Controller)
	}
	for _, n := range cd.Nodes {
		out.Brokers = append(out.Brokers, brokerOf(n))
	}
	slices.SortFunc(out.Brokers, func(a, b Broker) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
