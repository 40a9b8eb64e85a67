package main

import (
	"bytes"
	"fmt"
	"strings"
)

// unescape reads --delimiter: \n, \t, \r, \0, \\, \xHH and \e are escapes, everything
// else stands for itself, and an unknown escape is an error.
func Example_unescape() {
	for _, arg := range []string{`\n`, ` | `, `\t--\x41\0`, `\q`} {
		d, err := unescape(arg)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s → %q\n", arg, d)
	}
	// Output:
	// \n → "\n"
	//  |  → " | "
	// \t--\x41\0 → "\t--A\x00"
	// error: "\\q": unknown escape \q (known: \n \t \r \0 \e \\ \xHH)
}

// A usage error is one line on standard error and exit code 2; --help lists the
// commands and exits 0.
func Example_run() {
	var stdout, stderr bytes.Buffer
	code := run([]string{"frobnicate"}, strings.NewReader(""), &stdout, &stderr)
	fmt.Printf("exit %d: %s", code, stderr.String())

	stdout.Reset()
	code = run([]string{"--help"}, strings.NewReader(""), &stdout, &stderr)
	fmt.Printf("exit %d: %s\n", code, strings.SplitN(stdout.String(), "\n", 2)[0])
	for _, c := range commands {
		fmt.Println(c.name, strings.Contains(stdout.String(), "  "+c.name+" "))
	}
	// Output:
	// exit 2: rdstreams: unknown command "frobnicate" (see rdstreams --help)
	// exit 0: rdstreams: publish to and read from hop-style kafka:// streams.
	// publish true
	// subscribe true
	// tail true
	// topics true
	// groups true
	// perf true
	// version true
	// help true
}
