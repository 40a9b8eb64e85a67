// Package schemaregistry is a client of a Confluent-compatible schema registry: the Go
// form of confluent-kafka-python's SchemaRegistryClient. It registers and looks up
// schemas, reads subjects and their versions, tests compatibility, and reads and sets
// the compatibility level (globally or per subject). Schemas by id and the ids of
// registered schemas are cached, as in Python, so a serializer asks the registry once
// per schema, not once per message.
//
// [New] takes Python's configuration names: url (several, comma-separated, are tried in
// turn), basic.auth.user.info ("user:password"), bearer.auth.token, ssl.ca.location,
// ssl.certificate.location, ssl.key.location, timeout (seconds) and cache.capacity.
//
// A registry that answers with an error gives an [*Error] whose text is the registry's
// message followed by "(HTTP status code N, SR code M)", as Python's
// SchemaRegistryError reads; [errors.As] gives its HTTPStatus and Code. Every call takes
// a context whose deadline bounds the request.
//
// The serializers in package serde and its subpackages use this client; rdstreams' tests
// run it against Apicurio Registry's Confluent-compatible API (registry/registry.sh).
package schemaregistry
