package clientconf

import (
	"fmt"
	"strings"
)

// TLSVerifyHint is what Conn.ExplainError adds to a failed certificate verification for a
// client with this configuration, "" when the client does not verify host names.
//
// librdkafka words every verification failure alike ("broker certificate could not be
// verified, verify that ssl.ca.location is correctly configured …"), whether the CA is
// wrong or the certificate does not name the host the client connected to. The second
// cause is as common (a certificate for an IP address, bootstrap.servers naming the
// host), so a client that checks host names is told about it too.
func TLSVerifyHint(config map[string]any) string {
	protocol, _ := property(config, "security.protocol")
	if p := strings.ToLower(fmt.Sprint(protocol)); p != "ssl" && p != "sasl_ssl" {
		return ""
	}
	if algo, ok := property(config, "ssl.endpoint.identification.algorithm"); ok && strings.EqualFold(fmt.Sprint(algo), "none") {
		return ""
	}
	return "; or, if the CA is right, the broker's certificate does not name the host " +
		"connected to (host-name verification is on: ssl.endpoint.identification.algorithm=https)"
}
