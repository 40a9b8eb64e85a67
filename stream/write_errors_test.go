package stream_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
)

// A writer whose login is refused says so when it cannot deliver: the refused login,
// naming mechanism and user, not the "all brokers down" that follows it (nor the
// password).
func TestWriterWithWrongPasswordSaysSo(t *testing.T) {
	sasl := testkafka.Env(t, "KAFKA_SASL_BOOTSTRAP")
	user := testkafka.Env(t, "KAFKA_SCRAM_USER")
	password := "not-" + testkafka.Env(t, "KAFKA_SCRAM_PASSWORD")
	w, err := stream.Open(fmt.Sprintf("kafka://%s/%s", sasl, testkafka.UniqueName("refused")), stream.Write,
		stream.WithCredential(stream.Credential{Username: user, Password: password,
			Protocol: "SASL_PLAINTEXT", Mechanism: "SCRAM-SHA-512"}),
		stream.WithCloseTimeout(3*time.Second),
		stream.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))) // the refused login is expected
	require.NoError(t, err)
	require.NoError(t, w.Write([]byte("x")))
	err = w.Close()
	require.Error(t, err)
	assert.ErrorIs(t, err, kafkaerror.Authentication)
	assert.Contains(t, err.Error(), fmt.Sprintf(`SCRAM-SHA-512 login as user %q refused`, user))
	assert.NotContains(t, err.Error(), password)
}
