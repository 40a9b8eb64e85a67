// Package report holds the shape of results/latest.json's rows, shared by the driver
// that writes them (cmd/benchrun) and the chart that reads them (cmd/benchchart).
package report
