// Package groupmeta lets the consumer hand its group metadata to the producer's
// transactions without either package exposing the engine's type.
//
// Consumer.GroupMetadata Wraps the engine's consumer group metadata into the
// *producer.GroupMetadata that Producer.SendOffsetsToTransaction takes; Unwrap gives
// the engine's metadata back, for tests.
package groupmeta
