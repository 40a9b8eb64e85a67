package clientconf_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A build without cgo fails with an error that names the cause and the fix, whichever
// rdstreams package is built.
func TestBuildWithoutCgoSaysCgoIsNeeded(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run this test: %v", err)
	}
	cmd := exec.Command(goTool, "build", "-o", os.DevNull, "github.com/rdstreams/rdstreams/producer")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("CGO_ENABLED=0 go build succeeded; it cannot, rdstreams needs cgo")
	}
	if !strings.Contains(string(out), "rdstreams_needs_cgo__build_with_CGO_ENABLED_1") {
		t.Errorf("CGO_ENABLED=0 go build fails without saying cgo is needed:\n%s", out)
	}
}
