//go:build !cgo

package clientconf

// rdstreams drives librdkafka, a C library, through cgo. Without cgo (CGO_ENABLED=0, or
// no C compiler found when cross-compiling) the build stops here with a compile error
// that says so, beside the undefined C names it would otherwise show alone. It lives in
// this package because every client package imports it.
type cgoRequired rdstreams_needs_cgo__build_with_CGO_ENABLED_1_and_a_C_compiler_such_as_gcc
