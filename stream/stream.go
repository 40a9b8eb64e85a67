package stream

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
)

// Mode is how a stream is opened: for reading or for writing.
type Mode int

// The modes; ParseMode also takes hop-client's "r" and "w".
const (
	Read Mode = iota + 1
	Write
)

// ParseMode reads "r"/"read" or "w"/"write".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "r", "read":
		return Read, nil
	case "w", "write":
		return Write, nil
	}
	return 0, kafkaerror.Newf(kafkaerror.InvalidArg, "stream: mode %q is neither \"r\" nor \"w\"", s)
}

// Option configures Open.
type Option func(*options)

type options struct {
	group        string
	start        StartPosition
	resetOnStart bool
	persist      bool
	auth         bool
	authPath     string
	cred         *Credential
	autoCommit   bool
	config       map[string]any
	logger       *slog.Logger
	closeTimeout time.Duration
	onCommit     consumer.CommitFunc
	balanced     bool
}

// Group sets the consumer group id of a reader (default: a group.id given with Config,
// else "<username>-" plus ten random characters, or just the ten characters without
// auth). A Group and a Config group.id that differ make Open fail.
//
// As in hop-client, the group keeps a reader's positions: a reader starts each
// partition where its group left off, and commits there. It does not share out the
// partitions: every reader of the group reads every message (see Balanced for that).
func Group(id string) Option { return func(o *options) { o.group = id } }

// Balanced makes a reader a member of its consumer group, as Kafka's consumer groups
// work: the group shares the URL's topics' partitions out among the Balanced readers
// that belong to it, each message goes to one of them, and the partitions move
// (rebalance) as readers come and go. This is rdstreams' addition: hop-client (through
// adc-streaming) always reads every partition itself and uses its group only to keep
// positions, which is what a reader without Balanced does.
//
// A Balanced reader may open a topic that does not exist yet: reading reports
// kafkaerror.UnknownTopicOrPart (and, without Persist, ends there); with Persist it
// reads the topic once it is created. Do not mix Balanced and other readers in one
// group: the broker refuses the commits of a reader that is not a member while the
// group has members.
func Balanced() Option { return func(o *options) { o.balanced = true } }

// StartAt sets where a reader starts in partitions its group has no committed offset
// for (default Latest, as in hop-client). With committed offsets the group resumes
// after them: pykafka's auto_offset_reset. A partition added to a topic while a
// Persist reader runs, which holds only messages written since the reader opened,
// is read from its beginning instead of Latest.
func StartAt(p StartPosition) Option { return func(o *options) { o.start = p } }

// ResetOnStart makes a reader start at its StartAt position even where its group has
// committed offsets: pykafka's reset_offset_on_start=True.
func ResetOnStart() Option { return func(o *options) { o.resetOnStart = true } }

// Persist keeps a reader listening forever, across the end of the stream and broker
// restarts; without it a reader stops once every assigned partition has reached its end.
func Persist() Option { return func(o *options) { o.persist = true } }

// NoAuth connects without credentials (PLAINTEXT unless Config says otherwise).
func NoAuth() Option { return func(o *options) { o.auth = false } }

// AuthFile reads credentials from path instead of DefaultAuthPath().
func AuthFile(path string) Option { return func(o *options) { o.auth, o.authPath = true, path } }

// WithCredential uses these credentials instead of an auth file.
func WithCredential(c Credential) Option {
	return func(o *options) { o.auth, o.cred = true, &c }
}

// AutoCommit sets whether a reader commits what it returns (default true). With false,
// only messages passed to MarkDone are committed, so a restarted reader gets back every
// message it had not marked done.
func AutoCommit(on bool) Option { return func(o *options) { o.autoCommit = on } }

// Config adds librdkafka properties to the underlying consumer or producer.
func Config(props map[string]any) Option {
	return func(o *options) {
		for k, v := range props {
			o.config[k] = v
		}
	}
}

// WithLogger sends librdkafka's log lines to logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithCommitCallback receives the results of a reader's commits: the automatic ones
// and the final one Close makes (not MarkDone's, which returns its own). err is nil
// when the commit request succeeded; each partition may still carry its own Err. It
// runs inside the Messages iteration or inside Close, on their goroutine. A commit
// Close could not finish within its bound reports nothing.
func WithCommitCallback(fn consumer.CommitFunc) Option {
	return func(o *options) { o.onCommit = fn }
}

// WithCloseTimeout bounds Close (default 30s for writers, 10s for readers).
func WithCloseTimeout(d time.Duration) Option { return func(o *options) { o.closeTimeout = d } }

// Stream is an open kafka:// stream, for reading or for writing (hop-client's opened
// stream). Close it when done.
type Stream struct {
	url      *URL
	mode     Mode
	opts     options
	username string

	c         *consumer.Consumer // Read
	readMu    sync.Mutex         // one reader iteration at a time
	tracker   *endTracker
	pos       *positions
	watch     *partitionWatch // looks for new partitions (Persist, not Balanced)
	marksOnce sync.Once
	marks     *marker // MarkDone's and MarkDoneAsync's commits (see marker)

	p            *producer.Producer // Write
	writeMu      sync.Mutex
	failures     []error           // delivery failures, reported by Close
	writerClosed bool              // under writeMu
	clientErr    *kafkaerror.Error // the writer's last client-wide error, under writeMu

	closeOnce sync.Once
	closeErr  error
}

// DefaultOpenTimeout bounds Open of a reader, which asks the broker about the URL's
// topics and its group's committed offsets.
const DefaultOpenTimeout = 30 * time.Second

// Open opens url for reading or writing. See the Option functions for what can be set.
// By default it authenticates with the credentials in the auth file that match the
// URL's broker and username (NoAuth for an open broker).
//
// A reader follows hop-client: it reads every partition of every topic in the URL,
// starting each where its group left off, else at StartAt; its group keeps its
// positions but does not share out the partitions (Balanced does). Open of a reader
// asks the broker for the topics' partitions and the group's committed offsets, and
// returns positioned (see Stream.Positioned); a topic that does not exist is an error
// with code kafkaerror.UnknownTopicOrPart that names it. It waits at most
// DefaultOpenTimeout for the broker (OpenContext takes a context instead). Open of a
// writer does not wait for the broker.
func Open(rawURL string, mode Mode, opts ...Option) (*Stream, error) {
	return OpenContext(context.Background(), rawURL, mode, opts...)
}

// OpenContext is Open bounded by ctx instead of DefaultOpenTimeout (a ctx without a
// deadline still gets DefaultOpenTimeout). Only the opening is bounded: the stream
// lives on after ctx ends.
func OpenContext(ctx context.Context, rawURL string, mode Mode, opts ...Option) (*Stream, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	o := options{start: Latest, auth: true, autoCommit: true, config: map[string]any{}, logger: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	config := map[string]any{"bootstrap.servers": u.Bootstrap()}
	username := ""
	if o.auth {
		cred, err := credentialFor(u, o)
		if err != nil {
			return nil, err
		}
		for k, v := range cred.Config() {
			config[k] = v
		}
		username = cred.Username
	}
	for k, v := range o.config {
		config[k] = v
	}
	s := &Stream{url: u, mode: mode, opts: o, username: username}
	switch mode {
	case Read:
		err = s.openReader(ctx, config)
	case Write:
		err = s.openWriter(config)
	default:
		err = kafkaerror.Newf(kafkaerror.InvalidArg, "stream: unknown mode %d (use stream.Read or stream.Write)", mode)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// credentialFor picks the stream's credentials: given explicitly, or from the auth file.
func credentialFor(u *URL, o options) (Credential, error) {
	if o.cred != nil {
		return *o.cred, nil
	}
	path := o.authPath
	if path == "" {
		path = DefaultAuthPath()
	}
	creds, err := LoadAuth(path)
	if err != nil {
		return Credential{}, err
	}
	return SelectCredential(creds, u)
}

// readerGroup is the group a reader joins: the Group option, else a group.id given
// with Config, else a random one (defaultGroup). Both given and different is an error.
func readerGroup(group string, config map[string]any, username string) (string, error) {
	v, ok := config["group.id"]
	if !ok {
		if group == "" {
			group = defaultGroup(username)
		}
		return group, nil
	}
	id, isString := v.(string)
	switch {
	case !isString || id == "":
		return "", kafkaerror.Newf(kafkaerror.InvalidArg, "stream: Config group.id %#v: want a non-empty string", v)
	case group != "" && group != id:
		return "", kafkaerror.Newf(kafkaerror.InvalidArg, "stream: Group(%q) and Config group.id %q disagree: give one", group, id)
	}
	return id, nil
}

// defaultGroup is "<username>-" plus ten random [A-Z0-9], or just the ten.
func defaultGroup(username string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	if username == "" {
		return string(b)
	}
	return username + "-" + string(b)
}

// URL is the stream's parsed URL.
func (s *Stream) URL() *URL { return s.url }

// Close ends the stream. A writer delivers what is queued and returns an error
// describing every message that could not be delivered; a reader finishes the commits
// of MarkDoneAsync, commits (with auto-commit), leaves its group if Balanced, and
// returns the MarkDoneAsync commits that failed. Both return within the close timeout
// (WithCloseTimeout). Close is idempotent.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		switch {
		case s.c != nil:
			s.closeErr = s.closeReader()
		case s.p != nil:
			s.closeErr = s.closeWriter()
		}
	})
	return s.closeErr
}

// closeReader waits for the outstanding MarkDoneAsync commits, then closes the
// consumer, all within the close timeout.
func (s *Stream) closeReader() error {
	ctx := context.Background()
	timeout := s.opts.closeTimeout
	if timeout == 0 {
		timeout = consumer.DefaultCloseTimeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	s.pos.close()
	s.watch.stop(ctx)
	marksErr := s.marker().drain(ctx)
	return errors.Join(marksErr, s.c.CloseContext(ctx))
}

var errNotReader = kafkaerror.Newf(kafkaerror.InvalidArg, "stream: opened for writing, not reading")
var errNotWriter = kafkaerror.Newf(kafkaerror.InvalidArg, "stream: opened for reading, not writing")

func joinErrs(errs []error) error { return errors.Join(errs...) }
