package consumer

// Released is closed once the engine has shut down completely, also after a Close
// that returned at its bound: tests wait on it before checking for leaked goroutines.
func Released(c *Consumer) <-chan struct{} { return c.released }
