package ckconv

import (
	"errors"
	"testing"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

func TestTLSVerifyHintOnlyWhenHostNamesAreChecked(t *testing.T) {
	for _, tc := range []struct {
		config map[string]any
		hint   bool
	}{
		{map[string]any{}, false},
		{map[string]any{"security.protocol": "sasl_plaintext"}, false},
		{map[string]any{"security.protocol": "SSL"}, true},
		{map[string]any{"security.protocol": "sasl_ssl", "ssl.endpoint.identification.algorithm": "https"}, true},
		{map[string]any{"security.protocol": "sasl_ssl", "ssl.endpoint.identification.algorithm": "None"}, false},
	} {
		assert.Equal(t, tc.hint, TLSVerifyHint(tc.config) != "", "%v", tc.config)
	}
}

func TestClientErrorAddsTheHintToVerificationFailuresOnly(t *testing.T) {
	hint := TLSVerifyHint(map[string]any{"security.protocol": "ssl"})
	verify := ckafka.NewError(ckafka.ErrSsl, "ssl://localhost:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified", false)
	got := ClientError(verify, hint)
	assert.Equal(t, verify.String()+hint, got.Str())
	assert.Contains(t, got.Str(), "does not name the host")
	assert.True(t, errors.Is(got, kafkaerror.SSL), "the code is kept")

	other := ckafka.NewError(ckafka.ErrSsl, "ssl://h:9093/bootstrap: SSL handshake failed: unexpected message", false)
	assert.Equal(t, other.String(), ClientError(other, hint).Str(), "other TLS failures are left as they are")
	assert.Equal(t, verify.String(), ClientError(verify, "").Str(), "no hint when host names are not checked")
	transport := ckafka.NewError(ckafka.ErrTransport, "certificate verify failed (in some other text)", true)
	got = ClientError(transport, hint)
	assert.Equal(t, transport.String(), got.Str())
	assert.True(t, got.Fatal(), "flags are kept")
}
