package engine

/*
#include <stdlib.h>
#include "librdkafka.h"
*/
import "C"

import (
	"unsafe"

	"github.com/rdstreams/rdstreams/kafkaerror"

	// Carries the static librdkafka to the link (see the package documentation).
	_ "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// DeclaredVersion is the librdkafka version (rd_kafka_version's 0xMMmmrrxx) whose API
// librdkafka.h declares.
const DeclaredVersion = 0x020b01ff

// Version is the linked librdkafka's version number and string, e.g. 0x020b01ff "2.11.1".
func Version() (int, string) {
	return int(C.rd_kafka_version()), C.GoString(C.rd_kafka_version_str())
}

// errText is librdkafka's text for an error code.
func errText(code C.int) string { return C.GoString(C.rd_kafka_err2str(code)) }

// errBufSize is the size of the buffers librdkafka writes error texts into.
const errBufSize = 512

// newConf makes a configuration from properties; the caller owns it until rd_kafka_new
// takes it. A property librdkafka refuses is a kafkaerror.InvalidArg error in its words,
// which name the property.
func newConf(props map[string]string) (*C.rd_kafka_conf_t, error) {
	conf := C.rd_kafka_conf_new()
	errbuf := (*C.char)(C.malloc(errBufSize))
	defer C.free(unsafe.Pointer(errbuf))
	for k, v := range props {
		ck, cv := C.CString(k), C.CString(v)
		res := C.rd_kafka_conf_set(conf, ck, cv, errbuf, errBufSize)
		C.free(unsafe.Pointer(ck))
		C.free(unsafe.Pointer(cv))
		if res != C.RDS_CONF_OK {
			C.rd_kafka_conf_destroy(conf)
			return nil, kafkaerror.New(kafkaerror.InvalidArg, C.GoString(errbuf), kafkaerror.Flags{})
		}
	}
	return conf, nil
}
