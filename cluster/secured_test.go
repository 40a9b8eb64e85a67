package cluster_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// securedClient is a client of the secured broker with config, closed when the test ends.
func securedClient(t *testing.T, config map[string]any) *cluster.Client {
	t.Helper()
	cfg := map[string]any{"log_level": 3}
	for k, v := range config {
		cfg[k] = v
	}
	c, err := cluster.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	return c
}

// TestSecuredAdmin runs the ACL and SCRAM tests against one secured broker of its own:
// ACLs need the authorizer, which the shared test broker runs without, and SCRAM
// users are best changed on a broker nobody else logs into.
func TestSecuredAdmin(t *testing.T) {
	sb := testkafka.StartSecureBroker(t)
	// The PLAINTEXT listener's ANONYMOUS principal is a super user.
	admin := securedClient(t, map[string]any{"bootstrap.servers": sb.Bootstrap})
	t.Run("ACLs", func(t *testing.T) { testACLs(t, sb, admin) })
	t.Run("SCRAM", func(t *testing.T) { testSCRAM(t, sb, admin) })
}

// ACLs are created (a principal without its type fails alone, with the broker's
// code), described with filters, in force for the user, and deleted.
func testACLs(t *testing.T, sb *testkafka.SecureBroker, admin *cluster.Client) {
	ctx := testCtx(t)
	topic := testkafka.UniqueName("acl-topic")
	require.NoError(t, admin.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: 1}))
	alice := securedClient(t, sb.Config(sb.Alice))
	_, err := alice.TopicMetadata(ctx, topic)
	requireCode(t, err, kafkaerror.TopicAuthorizationFailed)

	aliceRead := cluster.ACL{ResourceType: cluster.ResourceTopic, ResourceName: topic, PatternType: cluster.PatternLiteral,
		Principal: "User:alice", Host: "*", Operation: cluster.ACLOperationRead, Permission: cluster.ACLPermissionAllow}
	bobWrite := cluster.ACL{ResourceType: cluster.ResourceTopic, ResourceName: topic[:8], PatternType: cluster.PatternPrefixed,
		Principal: "User:bob", Host: "*", Operation: cluster.ACLOperationWrite, Permission: cluster.ACLPermissionAllow}
	untyped := aliceRead
	untyped.Principal = "alice"
	res, err := admin.CreateACLs(ctx, aliceRead, bobWrite, untyped)
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, cluster.ItemResult{Name: aliceRead.String()}, res[0])
	assert.NoError(t, res[1].Err)
	kerr := requireCode(t, res[2].Err, kafkaerror.InvalidRequest) // the broker's code
	assert.Contains(t, kerr.Str(), "ACL ALLOW alice READ topic:"+topic)
	assert.Contains(t, kerr.Str(), "principal")
	t.Logf("an untyped principal: %s: %s", kerr.Name(), kerr.Str())

	// The authorizer applies ACLs from the metadata log: asked until it lists them.
	onTopic := cluster.ACLFilter{ResourceType: cluster.ResourceTopic, ResourceName: topic, PatternType: cluster.PatternAny,
		Operation: cluster.ACLOperationAny, Permission: cluster.ACLPermissionAny}
	var found []cluster.ACL
	until(t, "the ACLs of "+topic+" listed", func() bool {
		found, err = admin.DescribeACLs(ctx, onTopic)
		require.NoError(t, err)
		return len(found) > 0
	})
	assert.Equal(t, []cluster.ACL{aliceRead}, found)
	byBob := cluster.AnyACL
	byBob.Principal = "User:bob"
	found, err = admin.DescribeACLs(ctx, byBob)
	require.NoError(t, err)
	assert.Equal(t, []cluster.ACL{bobWrite}, found)
	matching := onTopic
	matching.PatternType = cluster.PatternMatch // every ACL that applies to the topic
	found, err = admin.DescribeACLs(ctx, matching)
	require.NoError(t, err)
	assert.ElementsMatch(t, []cluster.ACL{aliceRead, bobWrite}, found)

	until(t, "alice may describe "+topic, func() bool {
		_, err := alice.TopicMetadata(ctx, topic)
		return err == nil
	})

	byAlice := cluster.AnyACL
	byAlice.Principal = "User:alice"
	byNobody := cluster.AnyACL
	byNobody.Principal = "User:" + testkafka.UniqueName("nobody")
	deleted, err := admin.DeleteACLs(ctx, byAlice, byNobody)
	require.NoError(t, err)
	require.Len(t, deleted, 2)
	require.NoError(t, deleted[0].Err)
	assert.Equal(t, []cluster.ACL{aliceRead}, deleted[0].ACLs)
	assert.Equal(t, byAlice, deleted[0].Filter)
	require.NoError(t, deleted[1].Err)
	assert.Empty(t, deleted[1].ACLs)
	until(t, "alice's ACL gone", func() bool {
		found, err = admin.DescribeACLs(ctx, byAlice)
		require.NoError(t, err)
		return len(found) == 0
	})

	_, err = admin.CreateACLs(ctx, cluster.ACL{ResourceType: cluster.ResourceAny, ResourceName: topic, PatternType: cluster.PatternLiteral,
		Principal: "User:alice", Host: "*", Operation: cluster.ACLOperationRead, Permission: cluster.ACLPermissionAllow})
	requireCode(t, err, kafkaerror.InvalidArg)
}

// SCRAM credentials are described (an unknown user fails alone), upserted — the new
// user logs in — and deleted; too few iterations and deleting what is not there fail
// alone with the broker's codes.
func testSCRAM(t *testing.T, sb *testkafka.SecureBroker, admin *cluster.Client) {
	ctx := testCtx(t)
	nobody := testkafka.UniqueName("nobody")
	got, err := admin.DescribeUserScramCredentials(ctx, sb.Alice.Name, nobody)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.NoError(t, got[0].Err)
	assert.Equal(t, sb.Alice.Name, got[0].User)
	require.Len(t, got[0].Credentials, 1)
	assert.Equal(t, cluster.ScramSHA512, got[0].Credentials[0].Mechanism)
	assert.GreaterOrEqual(t, got[0].Credentials[0].Iterations, 4096)
	kerr := requireCode(t, got[1].Err, kafkaerror.ResourceNotFound)
	assert.Contains(t, kerr.Str(), nobody)

	all, err := admin.DescribeUserScramCredentials(ctx)
	require.NoError(t, err)
	var names []string
	for _, u := range all {
		names = append(names, u.User)
	}
	assert.Subset(t, names, []string{sb.Admin.Name, sb.Alice.Name, sb.Bob.Name})
	assert.IsNonDecreasing(t, names)

	carol := testkafka.UniqueName("carol")
	weak := testkafka.UniqueName("weak")
	res, err := admin.AlterUserScramCredentials(ctx,
		cluster.ScramUpsert(carol, cluster.ScramSHA512, 8192, "carol-secret"),
		cluster.ScramUpsert(weak, cluster.ScramSHA256, 10, "x"),
		cluster.ScramDelete(nobody, cluster.ScramSHA256))
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, cluster.ItemResult{Name: carol}, res[0])
	kerr = requireCode(t, res[1].Err, kafkaerror.UnacceptableCredential)
	assert.Contains(t, kerr.Str(), weak)
	kerr = requireCode(t, res[2].Err, kafkaerror.ResourceNotFound)
	assert.Contains(t, kerr.Str(), nobody)

	got, err = admin.DescribeUserScramCredentials(ctx, carol)
	require.NoError(t, err)
	require.NoError(t, got[0].Err)
	assert.Equal(t, []cluster.ScramCredential{{Mechanism: cluster.ScramSHA512, Iterations: 8192}}, got[0].Credentials)

	// carol logs in with the new password (the broker learns it from the metadata log).
	login := sb.Config(testkafka.User{Name: carol, Password: "carol-secret"})
	until(t, carol+" logs in", func() bool {
		c, err := cluster.New(login)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.DescribeCluster(ctx)
		return err == nil
	})

	res, err = admin.AlterUserScramCredentials(ctx, cluster.ScramDelete(carol, cluster.ScramSHA512))
	require.NoError(t, err)
	require.NoError(t, res.Err())
	got, err = admin.DescribeUserScramCredentials(ctx, carol)
	require.NoError(t, err)
	requireCode(t, got[0].Err, kafkaerror.ResourceNotFound)

	_, err = admin.AlterUserScramCredentials(ctx, cluster.ScramUpsert(carol, cluster.ScramSHA512, 8192, ""))
	requireCode(t, err, kafkaerror.InvalidArg)
	assert.NotContains(t, cluster.ScramUpsert(carol, cluster.ScramSHA512, 8192, "carol-secret").String(), "carol-secret")
}
