package kafkaerror

import "fmt"

// Error is a Kafka or librdkafka error, the Go form of the Python client's KafkaError.
// Calls return it as *Error; messages and partitions carry it in their Err fields.
type Error struct {
	code             Code
	str              string
	fatal            bool
	retriable        bool
	txnRequiresAbort bool
}

// Flags are the error's properties besides its code and text.
type Flags struct {
	Fatal            bool // the client instance can no longer be used
	Retriable        bool // the same operation may succeed if retried
	TxnRequiresAbort bool // the current transaction must be aborted
}

// New returns an error with the given code and text; an empty text means the code's
// description.
func New(code Code, str string, flags Flags) *Error {
	if str == "" {
		str = code.Description()
	}
	return &Error{code: code, str: str, fatal: flags.Fatal, retriable: flags.Retriable, txnRequiresAbort: flags.TxnRequiresAbort}
}

// Newf is New with a formatted text and no flags.
func Newf(code Code, format string, args ...any) *Error {
	return New(code, fmt.Sprintf(format, args...), Flags{})
}

// Code is the librdkafka error code.
func (e *Error) Code() Code { return e.code }

// Name is the code's enum name, e.g. "_PARTITION_EOF".
func (e *Error) Name() string { return e.code.Name() }

// Str is the human-readable text: specific to this error where librdkafka gave one,
// else the code's description.
func (e *Error) Str() string { return e.str }

// Error is the human-readable text, the same as Str (use Name or Code for the code).
func (e *Error) Error() string { return e.str }

// Fatal reports that the client instance is no longer usable (for example an
// idempotent producer that lost messages); close it and create a new one.
func (e *Error) Fatal() bool { return e.fatal }

// Retriable reports that the failed operation may succeed if tried again.
func (e *Error) Retriable() bool { return e.retriable }

// TxnRequiresAbort reports that the current transaction failed and must be aborted
// before a new one begins.
func (e *Error) TxnRequiresAbort() bool { return e.txnRequiresAbort }

// Is reports whether target is the same code: a Code, or an *Error with that code.
// It makes errors.Is(err, kafkaerror.QueueFull) and errors.Is(err, ErrBufferFull) work.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.code == t
	case *Error:
		return t != nil && e.code == t.code
	}
	return false
}

// ErrBufferFull is the Go spelling of Python's BufferError: the producer's queue is full
// (queue.buffering.max.messages or .kbytes). It matches the code QueueFull; serve
// delivery reports with Poll and try again, or use the producer's blocking form.
var ErrBufferFull = New(QueueFull, "producer queue is full: serve delivery reports with Poll, then retry", Flags{Retriable: true})

// ErrClosed is returned by every call on a closed client (a closed consumer's Poll
// returns a message whose Err is ErrClosed). Its code is Destroy (_DESTROY), which
// librdkafka also uses for work cut short by a client's shutdown.
var ErrClosed = New(Destroy, "client is closed", Flags{})
