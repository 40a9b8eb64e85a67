package cluster

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// ConfigResource names what a configuration belongs to: a topic or a broker.
type ConfigResource struct {
	Type ResourceType // ResourceTopic or ResourceBroker (ResourceGroup for group configs)
	// Name is the topic's name or the broker's id in decimal ("1"); an empty broker
	// name is the cluster-wide default of every broker.
	Name string
}

// TopicResource is the configuration of a topic.
func TopicResource(name string) ConfigResource {
	return ConfigResource{Type: ResourceTopic, Name: name}
}

// BrokerResource is the configuration of the broker with the given id.
func BrokerResource(id int32) ConfigResource {
	return ConfigResource{Type: ResourceBroker, Name: strconv.Itoa(int(id))}
}

// String is "topic:NAME" or "broker:ID".
func (r ConfigResource) String() string { return r.Type.String() + ":" + r.Name }

func (r ConfigResource) engine() ckafka.ConfigResource {
	return ckafka.ConfigResource{Type: ckafka.ResourceType(r.Type), Name: r.Name}
}

// ConfigSource says where a property's value comes from.
type ConfigSource int

// Config sources, as Kafka names them.
const (
	ConfigSourceUnknown              = ConfigSource(ckafka.ConfigSourceUnknown)
	ConfigSourceDynamicTopic         = ConfigSource(ckafka.ConfigSourceDynamicTopic)         // set on the topic
	ConfigSourceDynamicBroker        = ConfigSource(ckafka.ConfigSourceDynamicBroker)        // set on this broker at run time
	ConfigSourceDynamicDefaultBroker = ConfigSource(ckafka.ConfigSourceDynamicDefaultBroker) // set for all brokers at run time
	ConfigSourceStaticBroker         = ConfigSource(ckafka.ConfigSourceStaticBroker)         // server.properties
	ConfigSourceDefault              = ConfigSource(ckafka.ConfigSourceDefault)              // Kafka's default
	ConfigSourceGroup                = ConfigSource(ckafka.ConfigSourceGroup)                // set on the group
)

var sourceNames = map[ConfigSource]string{
	ConfigSourceUnknown:              "UNKNOWN_CONFIG",
	ConfigSourceDynamicTopic:         "DYNAMIC_TOPIC_CONFIG",
	ConfigSourceDynamicBroker:        "DYNAMIC_BROKER_CONFIG",
	ConfigSourceDynamicDefaultBroker: "DYNAMIC_DEFAULT_BROKER_CONFIG",
	ConfigSourceStaticBroker:         "STATIC_BROKER_CONFIG",
	ConfigSourceDefault:              "DEFAULT_CONFIG",
	ConfigSourceGroup:                "GROUP_CONFIG",
}

// String is Kafka's name of the source: "DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG", …
func (s ConfigSource) String() string {
	if n, ok := sourceNames[s]; ok {
		return n
	}
	return fmt.Sprintf("ConfigSource(%d)", int(s))
}

// ConfigEntry is one property of a resource's configuration.
type ConfigEntry struct {
	Name string
	// Value is the value in force; empty for a sensitive property, whose value the
	// broker does not disclose.
	Value  string
	Source ConfigSource
	// Default is true when the value is Kafka's or the broker's default, not set for
	// this resource.
	Default   bool
	ReadOnly  bool
	Sensitive bool
	// Synonyms are the values the property takes from other sources, the most
	// specific first (e.g. retention.ms of a topic: DYNAMIC_TOPIC_CONFIG, then the
	// broker's log.retention.ms). The engine keeps one synonym per name, as Python's
	// ConfigEntry.synonyms dict does: where several sources use the same name (a
	// broker property set dynamically, with a default too), only one of them is here.
	Synonyms []ConfigSynonym
}

// ConfigSynonym is one source's value of a property.
type ConfigSynonym struct {
	Name   string
	Value  string
	Source ConfigSource
}

// ResourceConfig is one resource's configuration, as DescribeConfigs returns it.
type ResourceConfig struct {
	Resource ConfigResource
	Entries  []ConfigEntry // sorted by name
	// Err is this resource's own error, e.g. UNKNOWN_TOPIC_OR_PART for a topic that
	// does not exist.
	Err error
}

// Entry returns the entry with the given name, or nil.
func (rc ResourceConfig) Entry(name string) *ConfigEntry {
	i, ok := slices.BinarySearchFunc(rc.Entries, name, func(e ConfigEntry, name string) int { return strings.Compare(e.Name, name) })
	if !ok {
		return nil
	}
	return &rc.Entries[i]
}

// validResources refuses a resource without a name (except the brokers' default), of
// a type configs do not have, or named twice.
func validResources(op string, rs []ConfigResource) error {
	seen := make(map[ConfigResource]bool, len(rs))
	for i, r := range rs {
		switch {
		case r.Type != ResourceTopic && r.Type != ResourceBroker && r.Type != ResourceGroup:
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: resources[%d] (%s): only topics, brokers and groups have configs", op, i, r)
		case r.Name == "" && r.Type != ResourceBroker:
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: resources[%d] (%s) has no name", op, i, r)
		case seen[r]:
			return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: %s is named twice", op, r)
		}
		seen[r] = true
	}
	return nil
}

// resourceError converts an engine error about one config resource, naming it.
func resourceError(r ConfigResource, e ckafka.Error) *kafkaerror.Error {
	return aboutError(r.Type.String(), r.Name, e)
}

// DescribeConfigs returns the configuration of each resource (Python's
// describe_configs), one per resource in the order given, every property with its
// source, whether it is a default, read-only or sensitive, and its synonyms. A
// resource fails alone (its Err); the returned error is for a failure of the whole
// call.
func (c *Client) DescribeConfigs(ctx context.Context, resources ...ConfigResource) ([]ResourceConfig, error) {
	if err := validResources("describe configs", resources); err != nil {
		return nil, err
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	out := make([]ResourceConfig, len(resources))
	if len(resources) == 0 {
		return out, nil
	}
	ck := make([]ckafka.ConfigResource, len(resources))
	for i, r := range resources {
		ck[i] = r.engine()
	}
	res, err := c.admin.DescribeConfigs(k.ctx, ck, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	byRes := make(map[ConfigResource]ckafka.ConfigResourceResult, len(res))
	for _, r := range res {
		byRes[ConfigResource{Type: ResourceType(r.Type), Name: r.Name}] = r
	}
	for i, r := range resources {
		out[i].Resource = r
		got, ok := byRes[r]
		switch {
		case !ok:
			out[i].Err = kafkaerror.Newf(kafkaerror.Fail, "describe configs: %s left out of the broker's answer", r)
			continue
		case got.Error.Code() != ckafka.ErrNoError:
			out[i].Err = resourceError(r, got.Error)
			continue
		}
		out[i].Entries = make([]ConfigEntry, 0, len(got.Config))
		for _, e := range got.Config {
			out[i].Entries = append(out[i].Entries, configEntry(e))
		}
		slices.SortFunc(out[i].Entries, func(a, b ConfigEntry) int { return strings.Compare(a.Name, b.Name) })
	}
	return out, nil
}

func configEntry(e ckafka.ConfigEntryResult) ConfigEntry {
	ce := ConfigEntry{Name: e.Name, Value: e.Value, Source: ConfigSource(e.Source), Default: e.IsDefault,
		ReadOnly: e.IsReadOnly, Sensitive: e.IsSensitive}
	if len(e.Synonyms) > 0 {
		// The engine keeps synonyms in a map by name, losing Kafka's order; the one in
		// force (the entry's own source) goes first, then by source precedence.
		for _, s := range e.Synonyms {
			ce.Synonyms = append(ce.Synonyms, ConfigSynonym{Name: s.Name, Value: s.Value, Source: ConfigSource(s.Source)})
		}
		slices.SortStableFunc(ce.Synonyms, func(a, b ConfigSynonym) int {
			return cmp.Compare(sourceRank(a.Source), sourceRank(b.Source))
		})
	}
	return ce
}

// sourceRank orders sources from most to least specific, as Kafka lists synonyms.
func sourceRank(s ConfigSource) int {
	switch s {
	case ConfigSourceDynamicTopic, ConfigSourceGroup:
		return 0
	case ConfigSourceDynamicBroker:
		return 1
	case ConfigSourceDynamicDefaultBroker:
		return 2
	case ConfigSourceStaticBroker:
		return 3
	case ConfigSourceDefault:
		return 4
	}
	return 5
}

// ConfigOpType is what IncrementalAlterConfigs does to a property.
type ConfigOpType int

// The incremental operations.
const (
	ConfigSet      = ConfigOpType(ckafka.AlterConfigOpTypeSet)      // set the value
	ConfigDelete   = ConfigOpType(ckafka.AlterConfigOpTypeDelete)   // back to the default
	ConfigAppend   = ConfigOpType(ckafka.AlterConfigOpTypeAppend)   // add to a list property
	ConfigSubtract = ConfigOpType(ckafka.AlterConfigOpTypeSubtract) // remove from a list property
)

// String is "set", "delete", "append" or "subtract".
func (o ConfigOpType) String() string {
	switch o {
	case ConfigSet:
		return "set"
	case ConfigDelete:
		return "delete"
	case ConfigAppend:
		return "append"
	case ConfigSubtract:
		return "subtract"
	}
	return fmt.Sprintf("ConfigOpType(%d)", int(o))
}

// ConfigOp is one change to one property.
type ConfigOp struct {
	Name  string
	Op    ConfigOpType
	Value string // none for ConfigDelete
}

// ConfigAlteration is the changes IncrementalAlterConfigs makes to one resource.
type ConfigAlteration struct {
	Resource ConfigResource
	Ops      []ConfigOp
}

// IncrementalAlterConfigs changes the given properties of each resource and leaves
// the others as they are (Python's incremental_alter_configs), one result per resource
// in the order given. A resource fails alone: an unknown property or a bad value with
// INVALID_CONFIG, an unknown topic with UNKNOWN_TOPIC_OR_PART, each error naming the
// resource; a failed resource changes nothing. The returned error is for a failure of
// the whole call.
func (c *Client) IncrementalAlterConfigs(ctx context.Context, alterations ...ConfigAlteration) (ItemResults, error) {
	const op = "incremental alter configs"
	rs := make([]ConfigResource, len(alterations))
	for i, a := range alterations {
		rs[i] = a.Resource
		if len(a.Ops) == 0 {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: %s: no changes given", op, a.Resource)
		}
		for j, o := range a.Ops {
			if o.Name == "" {
				return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: %s: ops[%d] has no property name", op, a.Resource, j)
			}
			if o.Op < ConfigSet || o.Op > ConfigSubtract {
				return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: %s: property %q: unknown operation %s", op, a.Resource, o.Name, o.Op)
			}
		}
	}
	if err := validResources(op, rs); err != nil {
		return nil, err
	}
	ck := make([]ckafka.ConfigResource, len(alterations))
	for i, a := range alterations {
		ck[i] = a.Resource.engine()
		for _, o := range a.Ops {
			ck[i].Config = append(ck[i].Config, ckafka.ConfigEntry{Name: o.Name, Value: o.Value, IncrementalOperation: ckafka.AlterConfigOpType(o.Op)})
		}
	}
	return c.alterConfigs(ctx, rs, ck, c.admin.IncrementalAlterConfigs)
}

// ConfigReplacement is the whole dynamic configuration AlterConfigs gives a resource.
type ConfigReplacement struct {
	Resource ConfigResource
	Values   map[string]string
}

// AlterConfigs replaces each resource's dynamic configuration with Values (Python's
// alter_configs): a property set before and not in Values goes back to its default.
// Kafka deprecates this in favour of IncrementalAlterConfigs, which changes only what
// it names. Results as IncrementalAlterConfigs.
func (c *Client) AlterConfigs(ctx context.Context, replacements ...ConfigReplacement) (ItemResults, error) {
	rs := make([]ConfigResource, len(replacements))
	ck := make([]ckafka.ConfigResource, len(replacements))
	for i, r := range replacements {
		rs[i] = r.Resource
		ck[i] = r.Resource.engine()
		for name, v := range r.Values {
			if name == "" {
				return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "alter configs: %s: a property with an empty name", r.Resource)
			}
			// The zero Operation, set, is the only one there is.
			ck[i].Config = append(ck[i].Config, ckafka.ConfigEntry{Name: name, Value: v})
		}
	}
	if err := validResources("alter configs", rs); err != nil {
		return nil, err
	}
	return c.alterConfigs(ctx, rs, ck, c.admin.AlterConfigs)
}

type alterFunc func(context.Context, []ckafka.ConfigResource, ...ckafka.AlterConfigsAdminOption) ([]ckafka.ConfigResourceResult, error)

func (c *Client) alterConfigs(ctx context.Context, rs []ConfigResource, ck []ckafka.ConfigResource, alter alterFunc) (ItemResults, error) {
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	out := make(ItemResults, len(rs))
	if len(rs) == 0 {
		return out, nil
	}
	res, err := alter(k.ctx, ck, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	byRes := make(map[ConfigResource]ckafka.Error, len(res))
	for _, r := range res {
		byRes[ConfigResource{Type: ResourceType(r.Type), Name: r.Name}] = r.Error
	}
	for i, r := range rs {
		out[i].Name = r.String()
		e, ok := byRes[r]
		switch {
		case !ok:
			out[i].Err = kafkaerror.Newf(kafkaerror.Fail, "alter configs: %s left out of the broker's answer", r)
		case e.Code() != ckafka.ErrNoError:
			out[i].Err = resourceError(r, e)
		}
	}
	return out, nil
}
