package cluster

// ItemResult is what a call that acts on several items (topics, groups, config
// resources, users) did with one of them: Err is nil when that item succeeded. One
// item can fail while the others succeed, as each of the Python client's futures
// succeeds or fails alone.
type ItemResult struct {
	// Name names the item: a topic, a group, a "topic:NAME" or "broker:ID" resource, a
	// user.
	Name string
	Err  error
}

// ItemResults are the results of one call, in the order the items were given.
type ItemResults []ItemResult

// Err is nil when every item succeeded, else the items' errors joined (each names its
// item; a single failure is returned as it is, so errors.As finds its
// *kafkaerror.Error).
func (r ItemResults) Err() error {
	var errs []error
	for _, it := range r {
		if it.Err != nil {
			errs = append(errs, it.Err)
		}
	}
	return joinErrors(errs)
}

// Failed is the items that failed.
func (r ItemResults) Failed() ItemResults {
	var out ItemResults
	for _, it := range r {
		if it.Err != nil {
			out = append(out, it)
		}
	}
	return out
}
