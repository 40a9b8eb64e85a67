// Package testregistry gives tests the schema registry that `make test` starts beside
// the broker (Apicurio Registry, registry/registry.sh): its URL from
// SCHEMA_REGISTRY_URL, a client of it, and subject names no other test uses. Tests
// that need the registry never skip: without SCHEMA_REGISTRY_URL they fail and say how
// to start one.
package testregistry
