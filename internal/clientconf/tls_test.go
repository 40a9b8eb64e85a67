package clientconf

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
