package cluster

import (
	"fmt"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// ResourceType is the kind of thing a config or an ACL is about.
type ResourceType int

// Resource types. For ACLs, ResourceBroker is Kafka's CLUSTER resource (named
// "kafka-cluster"); ResourceAny is for ACL filters only.
const (
	ResourceUnknown         ResourceType = ResourceType(ckafka.ResourceUnknown)
	ResourceAny             ResourceType = ResourceType(ckafka.ResourceAny)
	ResourceTopic           ResourceType = ResourceType(ckafka.ResourceTopic)
	ResourceGroup           ResourceType = ResourceType(ckafka.ResourceGroup)
	ResourceBroker          ResourceType = ResourceType(ckafka.ResourceBroker)
	ResourceTransactionalID ResourceType = ResourceBroker + 1 // librdkafka's RD_KAFKA_RESOURCE_TRANSACTIONAL_ID
)

var resourceNames = map[ResourceType]string{
	ResourceUnknown: "unknown", ResourceAny: "any", ResourceTopic: "topic", ResourceGroup: "group",
	ResourceBroker: "broker", ResourceTransactionalID: "transactional_id",
}

// String is the type's lower-case name: "topic", "group", "broker", "transactional_id",
// "any", "unknown".
func (t ResourceType) String() string {
	if s, ok := resourceNames[t]; ok {
		return s
	}
	return fmt.Sprintf("ResourceType(%d)", int(t))
}

// ParseResourceType reads a type's name, in any case ("cluster" is ResourceBroker).
func ParseResourceType(s string) (ResourceType, bool) {
	s = strings.ToLower(s)
	if s == "cluster" {
		return ResourceBroker, true
	}
	for t, name := range resourceNames {
		if name == s {
			return t, true
		}
	}
	return ResourceUnknown, false
}
