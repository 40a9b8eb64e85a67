package testkafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// Stand-ins for the wrong places a client can be pointed at, for tests of how
// connection failures are reported. The real broker covers the rest: its PLAINTEXT
// listener for a TLS client, its SASL_PLAINTEXT listener for a client without SASL or
// with a wrong password.

// ClosedPort is a loopback address nothing listens on: a port the kernel gave out and
// that was closed again, so connecting to it is refused.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("closing %s: %v", addr, err)
	}
	return addr
}

// TLSListener is the loopback address of a TLS server whose certificate (for
// 127.0.0.1, self-signed) no client trusts: a TLS client's handshake fails to verify
// it, and a client that does not speak TLS is hung up on at its first request, as a
// Kafka SSL listener does. The server stops when the test ends.
func TLSListener(t testing.TB) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	tmpl := serverCertificate("rdstreams untrusted test listener", time.Now())
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("making a certificate: %v", err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				// The handshake fails either way: the client rejects the certificate,
				// or what it sent is no handshake at all.
				_ = conn.(*tls.Conn).Handshake()
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
	})
	return l.Addr().String()
}
