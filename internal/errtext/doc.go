// Package errtext words rdstreams' errors: it puts what a call was asked in front of
// a *kafkaerror.Error's text while keeping its code and flags (Prefixed, WithText), so
// errors.Is and the Fatal and Retriable checks answer as before, and it carries an
// error in the Message that reports it to a consumer (EventMessage).
package errtext
