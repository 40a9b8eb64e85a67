package testkafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// SecureBroker is a disposable broker of a test's own in broker/kafka.sh's secured mode:
// besides the PLAINTEXT and SASL_PLAINTEXT listeners of every Broker it has a SASL_SSL
// listener (SCRAM-SHA-512 over TLS) whose certificate was generated for this broker, and
// the StandardAuthorizer is on with allow.everyone.if.no.acl.found=false, so that users
// other than the super users may do only what ACLs grant them.
//
// The super users are Admin and ANONYMOUS, which is whoever connects to the PLAINTEXT
// listener (Bootstrap): tests set up topics and ACLs there. Alice and Bob have no rights
// until Grant gives them some.
type SecureBroker struct {
	*Broker

	// SSLBootstrap is the SASL_SSL listener, "127.0.0.1:port". Its certificate names the
	// IP address 127.0.0.1 and nothing else, so a client bootstrapping through
	// "localhost:port" (SSLBootstrapByName) fails host-name verification.
	SSLBootstrap string
	// SSLBootstrapByName is SSLBootstrap with "localhost" for the address.
	SSLBootstrapByName string
	// CAFile is the PEM certificate of the CA that signed the broker's certificate:
	// ssl.ca.location for a verified connection.
	CAFile string
	// WrongCAFile is the PEM certificate of another CA, which signed nothing the broker
	// shows: verification against it fails.
	WrongCAFile string
	// Admin is a super user; Alice and Bob are ordinary users without any ACL at start.
	Admin, Alice, Bob User
	// LogFile is the broker's log (authentication failures are logged there at INFO).
	LogFile string
}

// User is a SCRAM-SHA-512 user of a SecureBroker.
type User struct {
	Name     string
	Password string
}

// String is the user's name (never the password).
func (u User) String() string { return u.Name }

// StartSecureBroker generates a CA, a server certificate for 127.0.0.1 signed by it and a
// second, unrelated CA (ECDSA P-256, valid for a day, written to the test's temporary
// folder); starts a broker in the secured mode on free ports with the SCRAM users Admin
// (a super user), Alice and Bob (random passwords); checks that Admin can fetch metadata
// over SASL_SSL with the CA; and stops the broker when the test ends. It takes about as
// long as StartBroker (27–30 s each, measured side by side on a busy machine).
func StartSecureBroker(t testing.TB) *SecureBroker {
	t.Helper()
	libs := Env(t, "KAFKA_LIBS")
	tlsDir := t.TempDir()
	files, err := writeTLSFiles(tlsDir)
	if err != nil {
		t.Fatalf("generating the TLS certificates: %v", err)
	}
	home := t.TempDir()
	ports := freePorts(t, 4)
	sb := &SecureBroker{
		SSLBootstrap:       fmt.Sprintf("127.0.0.1:%d", ports[3]),
		SSLBootstrapByName: fmt.Sprintf("localhost:%d", ports[3]),
		CAFile:             files.ca,
		WrongCAFile:        files.wrongCA,
		Admin:              User{Name: "admin", Password: randomPassword()},
		Alice:              User{Name: "alice", Password: randomPassword()},
		Bob:                User{Name: "bob", Password: randomPassword()},
		LogFile:            filepath.Join(home, "broker.log"),
	}
	sb.Broker = &Broker{
		Bootstrap:     fmt.Sprintf("127.0.0.1:%d", ports[0]),
		SASLBootstrap: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		env: append(os.Environ(),
			"KAFKA_HOME="+home,
			"KAFKA_LIBS="+libs,
			"KAFKA_PORT="+strconv.Itoa(ports[0]),
			"KAFKA_SASL_PORT="+strconv.Itoa(ports[1]),
			"KAFKA_CONTROLLER_PORT="+strconv.Itoa(ports[2]),
			"KAFKA_SSL_PORT="+strconv.Itoa(ports[3]),
			"KAFKA_TLS_DIR="+tlsDir,
			"KAFKA_SCRAM_USER="+sb.Admin.Name,
			"KAFKA_SCRAM_PASSWORD="+sb.Admin.Password,
			"KAFKA_EXTRA_SCRAM="+sb.Alice.Name+"="+sb.Alice.Password+","+sb.Bob.Name+"="+sb.Bob.Password,
		),
	}
	sb.run(t, "up")
	t.Cleanup(func() { sb.run(t, "down") })
	// kafka.sh checked PLAINTEXT and SASL_PLAINTEXT; the TLS listener is checked here.
	if err := sb.adminMetadata(sb.Config(sb.Admin)); err != nil {
		t.Fatalf("the broker's SASL_SSL listener %s does not answer admin: %v", sb.SSLBootstrap, err)
	}
	return sb
}

// Config is the client configuration (librdkafka properties) for u over the SASL_SSL
// listener, verifying the broker with CAFile: bootstrap.servers, security.protocol,
// sasl.mechanisms, sasl.username, sasl.password and ssl.ca.location. Callers add or
// override what they need (group.id, a wrong password, another CA …).
func (b *SecureBroker) Config(u User) map[string]any {
	return map[string]any{
		"bootstrap.servers": b.SSLBootstrap,
		"security.protocol": "SASL_SSL",
		"sasl.mechanisms":   "SCRAM-SHA-512",
		"sasl.username":     u.Name,
		"sasl.password":     u.Password,
		"ssl.ca.location":   b.CAFile,
	}
}

func (b *SecureBroker) adminMetadata(config map[string]any) error {
	cm := ckafka.ConfigMap{"log_level": 3}
	for k, v := range config {
		cm[k] = v
	}
	a, err := ckafka.NewAdminClient(&cm)
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = a.GetMetadata(nil, true, 15000)
	return err
}

// ACL is one permission Grant gives: User may do Operation on the Resource named Name
// (a literal name, not a prefix), from any host.
type ACL struct {
	User string
	// Resource is "topic", "group", "cluster" or "transactional_id" (any case).
	Resource string
	Name     string
	// Operation is "READ", "WRITE", "DESCRIBE", "CREATE", "ALL", … (any case).
	Operation string
}

// String is e.g. "User:alice READ topic orders".
func (a ACL) String() string {
	return fmt.Sprintf("User:%s %s %s %s", a.User, strings.ToUpper(a.Operation), strings.ToLower(a.Resource), a.Name)
}

// Grant creates ALLOW ACLs through the PLAINTEXT listener (whose ANONYMOUS principal is
// a super user) and returns once the broker's authorizer lists them, so that they are in
// force for the next request. The test fails when the broker refuses one.
func (b *SecureBroker) Grant(t testing.TB, acls ...ACL) {
	t.Helper()
	a, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": b.Bootstrap, "log_level": 3})
	if err != nil {
		t.Fatalf("admin client: %v", err)
	}
	defer a.Close()
	bindings := make(ckafka.ACLBindings, 0, len(acls))
	for _, acl := range acls {
		rt, err := ckafka.ResourceTypeFromString(acl.Resource)
		if err != nil || rt == ckafka.ResourceUnknown || rt == ckafka.ResourceAny {
			t.Fatalf("Grant %s: unknown resource type %q", acl, acl.Resource)
		}
		op, err := ckafka.ACLOperationFromString(acl.Operation)
		if err != nil || op == ckafka.ACLOperationUnknown || op == ckafka.ACLOperationAny {
			t.Fatalf("Grant %s: unknown operation %q", acl, acl.Operation)
		}
		bindings = append(bindings, ckafka.ACLBinding{
			Type: rt, Name: acl.Name, ResourcePatternType: ckafka.ResourcePatternTypeLiteral,
			Principal: "User:" + acl.User, Host: "*", Operation: op,
			PermissionType: ckafka.ACLPermissionTypeAllow,
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.CreateACLs(ctx, bindings)
	if err != nil {
		t.Fatalf("creating ACLs %v: %v", acls, err)
	}
	for i, r := range res {
		if r.Error.Code() != ckafka.ErrNoError {
			t.Fatalf("creating ACL %s: %v", acls[i], r.Error)
		}
	}
	// The authorizer applies ACLs from the metadata log; DescribeACLs answers from it.
	for i, binding := range bindings {
		for {
			filter := ckafka.ACLBindingFilter(binding)
			found, err := a.DescribeACLs(ctx, filter)
			if err == nil && found.Error.Code() == ckafka.ErrNoError && len(found.ACLBindings) > 0 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("ACL %s not in force after 30 s (last answer: %v)", acls[i], err)
			case <-time.After(50 * time.Millisecond): // no event tells when the authorizer has it
			}
		}
	}
}

// tlsFiles are the PEM files writeTLSFiles wrote.
type tlsFiles struct {
	ca      string // CA certificate
	server  string // server.pem: the server's PKCS#8 key, then its certificate and the CA's
	wrongCA string // an unrelated CA's certificate
}

// writeTLSFiles generates a CA, a server certificate for IP 127.0.0.1 alone signed by it,
// and an unrelated CA, and writes them to dir as ca.pem, server.pem (the unencrypted
// PKCS#8 key followed by the chain, the form broker/kafka.sh's secured mode reads) and
// wrong-ca.pem.
func writeTLSFiles(dir string) (tlsFiles, error) {
	files := tlsFiles{
		ca:      filepath.Join(dir, "ca.pem"),
		server:  filepath.Join(dir, "server.pem"),
		wrongCA: filepath.Join(dir, "wrong-ca.pem"),
	}
	now := time.Now()
	caCert, caKey, err := newCA("rdstreams test CA", now)
	if err != nil {
		return files, err
	}
	wrongCert, _, err := newCA("rdstreams unrelated CA", now)
	if err != nil {
		return files, err
	}
	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return files, err
	}
	tmpl := serverCertificate("rdstreams test broker", now)
	serverDER, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &serverKey.PublicKey, caKey)
	if err != nil {
		return files, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(serverKey)
	if err != nil {
		return files, err
	}
	server := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	server = append(server, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverDER})...)
	server = append(server, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})...)
	for path, data := range map[string][]byte{
		files.ca:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}),
		files.wrongCA: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: wrongCert.Raw}),
		files.server:  server,
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return files, err
		}
	}
	return files, nil
}

// newCA makes a self-signed CA certificate and its key.
func newCA(name string, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// serial is a random 128-bit certificate serial number.
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	return n.Add(n, big.NewInt(1))
}

// randomPassword is 24 random hex digits.
func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// serverCertificate is the template of a day-long server certificate for 127.0.0.1
// only (no host name), named cn.
func serverCertificate(cn string, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
}
