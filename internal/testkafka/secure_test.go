package testkafka

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"testing"
)

// The files StartSecureBroker gives the broker and the clients: server.pem holds an
// unencrypted PKCS#8 key and then the chain (the broker's certificate, then the CA's);
// the certificate verifies against ca.pem for 127.0.0.1 only, and not against
// wrong-ca.pem at all.
func TestWriteTLSFiles(t *testing.T) {
	files, err := writeTLSFiles(t.TempDir())
	if err != nil {
		t.Fatalf("writeTLSFiles: %v", err)
	}
	server, err := os.ReadFile(files.server)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []*pem.Block
	for rest := server; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	if len(blocks) != 3 || blocks[0].Type != "PRIVATE KEY" || blocks[1].Type != "CERTIFICATE" || blocks[2].Type != "CERTIFICATE" {
		t.Fatalf("server.pem holds %d blocks, want PRIVATE KEY, CERTIFICATE, CERTIFICATE", len(blocks))
	}
	if _, err := x509.ParsePKCS8PrivateKey(blocks[0].Bytes); err != nil {
		t.Fatalf("the key is not unencrypted PKCS#8: %v", err)
	}
	// The key belongs to the first certificate.
	if _, err := tls.X509KeyPair(server, server); err != nil {
		t.Fatalf("key and certificate do not pair: %v", err)
	}
	cert, err := x509.ParseCertificate(blocks[1].Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := func(path string) *x509.CertPool {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p := x509.NewCertPool()
		if !p.AppendCertsFromPEM(data) {
			t.Fatalf("%s holds no certificate", path)
		}
		return p
	}
	right, wrong := pool(files.ca), pool(files.wrongCA)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: right, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("verifying for 127.0.0.1 with the CA: %v", err)
	}
	var hostErr x509.HostnameError
	if _, err := cert.Verify(x509.VerifyOptions{Roots: right, DNSName: "localhost"}); !errors.As(err, &hostErr) {
		t.Errorf("verifying for localhost: %v, want a host name error", err)
	}
	var authErr x509.UnknownAuthorityError
	if _, err := cert.Verify(x509.VerifyOptions{Roots: wrong, DNSName: "127.0.0.1"}); !errors.As(err, &authErr) {
		t.Errorf("verifying with the wrong CA: %v, want an unknown authority error", err)
	}
	chainCA, err := x509.ParseCertificate(blocks[2].Bytes)
	if err != nil || !chainCA.IsCA {
		t.Errorf("the chain's second certificate is not the CA (err %v)", err)
	}
	for _, path := range []string{files.ca, files.server, files.wrongCA} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, perm)
		}
	}
}

// ACL names what it grants, the way Kafka's tools print a binding.
func TestACLString(t *testing.T) {
	a := ACL{User: "alice", Resource: "Topic", Name: "orders", Operation: "read"}
	if got, want := a.String(), "User:alice READ topic orders"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
