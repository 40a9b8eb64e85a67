package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// ACLOperation is what an ACL allows or denies.
type ACLOperation int

// ACL operations, as Kafka names them. ACLOperationAny is for filters only.
const (
	ACLOperationAny             = ACLOperation(ckafka.ACLOperationAny)
	ACLOperationAll             = ACLOperation(ckafka.ACLOperationAll)
	ACLOperationRead            = ACLOperation(ckafka.ACLOperationRead)
	ACLOperationWrite           = ACLOperation(ckafka.ACLOperationWrite)
	ACLOperationCreate          = ACLOperation(ckafka.ACLOperationCreate)
	ACLOperationDelete          = ACLOperation(ckafka.ACLOperationDelete)
	ACLOperationAlter           = ACLOperation(ckafka.ACLOperationAlter)
	ACLOperationDescribe        = ACLOperation(ckafka.ACLOperationDescribe)
	ACLOperationClusterAction   = ACLOperation(ckafka.ACLOperationClusterAction)
	ACLOperationDescribeConfigs = ACLOperation(ckafka.ACLOperationDescribeConfigs)
	ACLOperationAlterConfigs    = ACLOperation(ckafka.ACLOperationAlterConfigs)
	ACLOperationIdempotentWrite = ACLOperation(ckafka.ACLOperationIdempotentWrite)
)

var operationNames = map[ACLOperation]string{
	ACLOperationAny: "ANY", ACLOperationAll: "ALL", ACLOperationRead: "READ", ACLOperationWrite: "WRITE",
	ACLOperationCreate: "CREATE", ACLOperationDelete: "DELETE", ACLOperationAlter: "ALTER",
	ACLOperationDescribe: "DESCRIBE", ACLOperationClusterAction: "CLUSTER_ACTION",
	ACLOperationDescribeConfigs: "DESCRIBE_CONFIGS", ACLOperationAlterConfigs: "ALTER_CONFIGS",
	ACLOperationIdempotentWrite: "IDEMPOTENT_WRITE",
}

// String is Kafka's name of the operation: "READ", "DESCRIBE_CONFIGS", …
func (o ACLOperation) String() string {
	if s, ok := operationNames[o]; ok {
		return s
	}
	return fmt.Sprintf("ACLOperation(%d)", int(o))
}

// ACLPermission says whether an ACL allows or denies.
type ACLPermission int

// ACL permissions. ACLPermissionAny is for filters only.
const (
	ACLPermissionAny   = ACLPermission(ckafka.ACLPermissionTypeAny)
	ACLPermissionDeny  = ACLPermission(ckafka.ACLPermissionTypeDeny)
	ACLPermissionAllow = ACLPermission(ckafka.ACLPermissionTypeAllow)
)

// String is "ANY", "DENY" or "ALLOW".
func (p ACLPermission) String() string {
	switch p {
	case ACLPermissionAny:
		return "ANY"
	case ACLPermissionDeny:
		return "DENY"
	case ACLPermissionAllow:
		return "ALLOW"
	}
	return fmt.Sprintf("ACLPermission(%d)", int(p))
}

// PatternType says how an ACL's resource name matches resources.
type PatternType int

// Pattern types. PatternAny and PatternMatch are for filters only: PatternMatch finds
// the ACLs that apply to the name (literal, prefixed and wildcard ones).
const (
	PatternAny      = PatternType(ckafka.ResourcePatternTypeAny)
	PatternMatch    = PatternType(ckafka.ResourcePatternTypeMatch)
	PatternLiteral  = PatternType(ckafka.ResourcePatternTypeLiteral)  // the name itself ("*": every resource)
	PatternPrefixed = PatternType(ckafka.ResourcePatternTypePrefixed) // every name that starts with it
)

// String is "ANY", "MATCH", "LITERAL" or "PREFIXED".
func (p PatternType) String() string {
	switch p {
	case PatternAny:
		return "ANY"
	case PatternMatch:
		return "MATCH"
	case PatternLiteral:
		return "LITERAL"
	case PatternPrefixed:
		return "PREFIXED"
	}
	return fmt.Sprintf("PatternType(%d)", int(p))
}

// ACL is one access control entry: Principal may (or may not) do Operation on the
// resources ResourceName and PatternType pick, from Host.
type ACL struct {
	ResourceType ResourceType // ResourceTopic, ResourceGroup, ResourceBroker (Kafka's cluster), ResourceTransactionalID
	ResourceName string       // for ResourceBroker: "kafka-cluster"
	PatternType  PatternType  // PatternLiteral or PatternPrefixed
	// Principal is "User:NAME" ("User:*" for everyone).
	Principal  string
	Host       string // "*" for any host
	Operation  ACLOperation
	Permission ACLPermission
}

// String is e.g. "ALLOW User:alice READ topic:orders (LITERAL) from *".
func (a ACL) String() string {
	return fmt.Sprintf("%s %s %s %s:%s (%s) from %s", a.Permission, a.Principal, a.Operation, a.ResourceType, a.ResourceName, a.PatternType, a.Host)
}

func (a ACL) engine() ckafka.ACLBinding {
	return ckafka.ACLBinding{
		Type: ckafka.ResourceType(a.ResourceType), Name: a.ResourceName, ResourcePatternType: ckafka.ResourcePatternType(a.PatternType),
		Principal: a.Principal, Host: a.Host, Operation: ckafka.ACLOperation(a.Operation), PermissionType: ckafka.ACLPermissionType(a.Permission),
	}
}

func aclOf(b ckafka.ACLBinding) ACL {
	return ACL{
		ResourceType: ResourceType(b.Type), ResourceName: b.Name, PatternType: PatternType(b.ResourcePatternType),
		Principal: b.Principal, Host: b.Host, Operation: ACLOperation(b.Operation), Permission: ACLPermission(b.PermissionType),
	}
}

// ACLFilter picks ACLs: an ACL matches when it matches each field. The Any values
// (ResourceAny, PatternAny, ACLOperationAny, ACLPermissionAny) and empty strings match
// anything; PatternMatch matches the ACLs that apply to ResourceName.
type ACLFilter struct {
	ResourceType ResourceType
	ResourceName string
	PatternType  PatternType
	Principal    string
	Host         string
	Operation    ACLOperation
	Permission   ACLPermission
}

// AnyACL is the filter that matches every ACL.
var AnyACL = ACLFilter{ResourceType: ResourceAny, PatternType: PatternAny, Operation: ACLOperationAny, Permission: ACLPermissionAny}

func (f ACLFilter) engine() ckafka.ACLBindingFilter { return ACL(f).engine() }

// String is as ACL's, with "*" for fields that match anything.
func (f ACLFilter) String() string {
	or := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return fmt.Sprintf("%s %s %s %s:%s (%s) from %s", f.Permission, or(f.Principal), f.Operation, f.ResourceType, or(f.ResourceName), f.PatternType, or(f.Host))
}

// validACL refuses, before asking the broker, an ACL librdkafka would refuse without
// saying which (Any values, an empty name or principal).
func validACL(op string, i int, a ACL) error {
	bad := func(why string) error {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "%s: acls[%d] (%s): %s", op, i, a, why)
	}
	switch {
	case a.ResourceType == ResourceAny || a.ResourceType == ResourceUnknown:
		return bad("give a resource type (topic, group, broker, transactional_id)")
	case a.ResourceName == "":
		return bad("no resource name")
	case a.PatternType != PatternLiteral && a.PatternType != PatternPrefixed:
		return bad("the pattern type must be LITERAL or PREFIXED")
	case a.Principal == "":
		return bad("no principal (User:NAME)")
	case a.Host == "":
		return bad(`no host ("*" for any)`)
	case a.Operation == ACLOperationAny || operationNames[a.Operation] == "":
		return bad("give an operation")
	case a.Permission != ACLPermissionAllow && a.Permission != ACLPermissionDeny:
		return bad("the permission must be ALLOW or DENY")
	}
	return nil
}

// CreateACLs creates ACLs (Python's create_acls), one result per ACL in the order
// given, named by the ACL's String. The broker refuses one alone, e.g. a principal
// without its type ("alice" instead of "User:alice"); the others are still created.
// The broker's authorizer applies new ACLs a moment after this returns.
func (c *Client) CreateACLs(ctx context.Context, acls ...ACL) (ItemResults, error) {
	for i, a := range acls {
		if err := validACL("create ACLs", i, a); err != nil {
			return nil, err
		}
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	out := make(ItemResults, len(acls))
	if len(acls) == 0 {
		return out, nil
	}
	bindings := make(ckafka.ACLBindings, len(acls))
	for i, a := range acls {
		bindings[i] = a.engine()
	}
	res, err := c.admin.CreateACLs(k.ctx, bindings, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	if len(res) != len(acls) {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "create ACLs: %d results for %d ACLs", len(res), len(acls))
	}
	for i, r := range res {
		out[i].Name = acls[i].String()
		if r.Error.Code() != ckafka.ErrNoError {
			kerr := ckconv.FromCK(r.Error)
			out[i].Err = errtext.WithText(kerr, fmt.Sprintf("ACL %s: %s", acls[i], kerr.Str()))
		}
	}
	return out, nil
}

// DescribeACLs returns the ACLs filter matches (Python's describe_acls), sorted by
// resource, principal, operation.
func (c *Client) DescribeACLs(ctx context.Context, filter ACLFilter) ([]ACL, error) {
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	res, err := c.admin.DescribeACLs(k.ctx, filter.engine(), k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	if res.Error.Code() != ckafka.ErrNoError {
		kerr := ckconv.FromCK(res.Error)
		return nil, errtext.WithText(kerr, fmt.Sprintf("describe ACLs %s: %s", filter, kerr.Str()))
	}
	return sortedACLs(res.ACLBindings), nil
}

func sortedACLs(bs ckafka.ACLBindings) []ACL {
	out := make([]ACL, len(bs))
	for i, b := range bs {
		out[i] = aclOf(b)
	}
	sortACLs(out)
	return out
}

func sortACLs(acls []ACL) {
	key := func(a ACL) string {
		return fmt.Sprintf("%02d %s %02d %s %s %02d %02d", a.ResourceType, a.ResourceName, a.PatternType, a.Principal, a.Host, a.Operation, a.Permission)
	}
	slices.SortFunc(acls, func(a, b ACL) int { return strings.Compare(key(a), key(b)) })
}

// DeletedACLs is what DeleteACLs did for one filter.
type DeletedACLs struct {
	Filter ACLFilter
	ACLs   []ACL // the ACLs deleted, sorted as DescribeACLs sorts
	Err    error
}

// DeleteACLs deletes the ACLs each filter matches (Python's delete_acls) and returns,
// per filter in the order given, the ACLs it deleted or its own error.
func (c *Client) DeleteACLs(ctx context.Context, filters ...ACLFilter) ([]DeletedACLs, error) {
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	out := make([]DeletedACLs, len(filters))
	if len(filters) == 0 {
		return out, nil
	}
	ck := make(ckafka.ACLBindingFilters, len(filters))
	for i, f := range filters {
		ck[i] = f.engine()
	}
	res, err := c.admin.DeleteACLs(k.ctx, ck, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	if len(res) != len(filters) {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "delete ACLs: %d results for %d filters", len(res), len(filters))
	}
	for i, r := range res {
		out[i].Filter = filters[i]
		if r.Error.Code() != ckafka.ErrNoError {
			kerr := ckconv.FromCK(r.Error)
			out[i].Err = errtext.WithText(kerr, fmt.Sprintf("delete ACLs %s: %s", filters[i], kerr.Str()))
			continue
		}
		out[i].ACLs = sortedACLs(r.ACLBindings)
	}
	return out, nil
}
