//go:build !cgo

package ckconv

// rdstreams drives librdkafka, a C library, through cgo. Without cgo (CGO_ENABLED=0, or
// no C compiler found when cross-compiling) the build stops here with a compile error
// that says so, beside the "undefined: ckafka…" errors it would otherwise show alone.
type cgoRequired rdstreams_needs_cgo__build_with_CGO_ENABLED_1_and_a_C_compiler_such_as_gcc
