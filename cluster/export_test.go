package cluster

// InFlight is the number of calls in progress on c.
func InFlight(c *Client) int { return int(c.inFlight.Load()) }
