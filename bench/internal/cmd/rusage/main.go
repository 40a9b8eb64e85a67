// Command rusage runs a command and writes its CPU time and peak RSS, from the
// kernel's rusage, as JSON to a file:
//
//	rusage -o FILE PROGRAM [ARGS…]
//
// benchrun starts every client through it. Go starts children with vfork, and on
// Linux a child's maxrss then starts at its parent's peak RSS: measured straight from
// benchrun (tens of MB, librdkafka loaded) every client would seem at least that big.
// This program is small (about 2 MB), so the floor it leaves is small too. Its own
// CPU time is not counted. The command's stdin, stdout and stderr are passed through
// and rusage exits with its status. The command runs in its own process group, which
// rusage kills on SIGINT or SIGTERM (and the command alone is killed if rusage dies),
// so a timed-out client leaves no process behind. Linux only.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Usage is what the file holds.
type Usage struct {
	UserSeconds   float64 `json:"user_s"`
	SystemSeconds float64 `json:"system_s"`
	MaxRSSKB      int64   `json:"maxrss_kb"` // kilobytes on Linux
	ExitCode      int     `json:"exit_code"`
}

func main() {
	out := flag.String("o", "", "file to write the usage JSON to")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rusage -o FILE PROGRAM [ARGS…]")
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(1)
	}
	go func() {
		<-stop
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}()
	err := cmd.Wait()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(1)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	u := Usage{ExitCode: cmd.ProcessState.ExitCode()}
	if ru != nil {
		u.UserSeconds = float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
		u.SystemSeconds = float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
		u.MaxRSSKB = int64(ru.Maxrss)
	}
	data, _ := json.Marshal(u)
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(1)
	}
	if u.ExitCode < 0 {
		os.Exit(1) // killed by a signal
	}
	os.Exit(u.ExitCode)
}
