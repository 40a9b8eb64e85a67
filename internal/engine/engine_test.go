package engine_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/engine"
)

// The library linked is the one whose API librdkafka.h declares.
func TestLibraryVersion(t *testing.T) {
	n, s := engine.Version()
	assert.Equalf(t, engine.DeclaredVersion, n, "linked librdkafka %s (%#x); librdkafka.h declares %#x: check every declaration against the new header, then update DeclaredVersion",
		s, n, engine.DeclaredVersion)
	assert.Equal(t, "2.11.1", s)
}

// librdkafka.h compiles together with the real rdkafka.h and rdkafka_mock.h of the
// librdkafka that is linked: a prototype or constant that disagrees with them is a
// compile error here.
func TestDeclarationsMatchLibrdkafka(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/confluentinc/confluent-kafka-go/v2").Output()
	require.NoError(t, err, "locating confluent-kafka-go in the module cache")
	vendor := filepath.Join(strings.TrimSpace(string(out)), "kafka", "librdkafka_vendor")
	own, err := filepath.Abs("librdkafka.h")
	require.NoError(t, err)

	src := filepath.Join(t.TempDir(), "check.c")
	require.NoError(t, os.WriteFile(src, []byte(`
#include "rdkafka.h"
#include "rdkafka_mock.h"
#include "`+own+`"

/* The constants librdkafka.h defines for librdkafka's enumerations. */
_Static_assert(RDS_PRODUCER == RD_KAFKA_PRODUCER, "RDS_PRODUCER");
_Static_assert(RDS_CONF_OK == RD_KAFKA_CONF_OK, "RDS_CONF_OK");
_Static_assert(sizeof(int) == sizeof(rd_kafka_resp_err_t), "error codes are int-sized");
`), 0o600))
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	cmd := exec.Command(cc, "-std=gnu11", "-Wall", "-Werror", "-fsyntax-only", "-I", vendor, src)
	msg, err := cmd.CombinedOutput()
	require.NoErrorf(t, err, "%s:\n%s", strings.Join(cmd.Args, " "), msg)
}
