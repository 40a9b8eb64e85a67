package producer_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/oauthbearer"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// WithOAuthBearer (Python's oauth_cb): the producer and the consumer log in to a
// broker that validates tokens with tokens the application's function returns, given
// sasl.oauthbearer.config, before anything is polled; a function that fails makes the
// client report _AUTHENTICATION naming the function's error.
func TestOAuthBearerTokenFunc(t *testing.T) {
	idp := testkafka.StartIdentityProvider(t)
	b := testkafka.StartOAuthBroker(t, idp)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	topic := testkafka.UniqueName("oauth-cb")
	require.NoError(t, testkafka.CreateTopic(ctx, b.Bootstrap, topic, 1, nil))
	conf := func() map[string]any {
		return map[string]any{
			"bootstrap.servers":       b.OAuthBootstrap,
			"security.protocol":       "SASL_PLAINTEXT",
			"sasl.mechanisms":         "OAUTHBEARER",
			"sasl.oauthbearer.config": "principal=alice",
		}
	}
	var calls atomic.Int64
	var config atomic.Value
	tokens := func(ctx context.Context, cfg string) (oauthbearer.Token, error) {
		calls.Add(1)
		config.Store(cfg)
		return oauthbearer.Token{Value: idp.Token(t, "alice", time.Minute), Principal: "alice",
			Expiry: time.Now().Add(time.Minute)}, nil
	}

	p, err := producer.New(conf(), producer.WithOAuthBearer(tokens))
	require.NoError(t, err)
	defer p.Close()
	var delivered atomic.Value
	require.NoError(t, p.Produce(topic, []byte("by token"), producer.OnDelivery(func(err error, _ *message.Message) {
		delivered.Store(errOr(err))
	})))
	require.Zero(t, p.Flush(30*time.Second), "delivered through the OAUTHBEARER listener")
	assert.Equal(t, "ok", delivered.Load())
	assert.Positive(t, calls.Load())
	assert.Equal(t, "principal=alice", config.Load())

	c, err := consumer.New(map[string]any{
		"bootstrap.servers": b.OAuthBootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "OAUTHBEARER",
		"sasl.oauthbearer.config": "principal=alice",
	}, consumer.WithOAuthBearer(tokens))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)}))
	m := c.Poll(30 * time.Second)
	require.NotNil(t, m)
	require.NoError(t, m.Err())
	assert.Equal(t, "by token", string(m.Value()))

	failures := make(chan *kafkaerror.Error, 16)
	bad, err := producer.New(conf(), producer.WithOAuthBearer(func(context.Context, string) (oauthbearer.Token, error) {
		return oauthbearer.Token{}, errors.New("identity provider says no")
	}), producer.WithErrorCallback(func(err *kafkaerror.Error) {
		select {
		case failures <- err:
		default:
		}
	}))
	require.NoError(t, err)
	defer bad.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		bad.Poll(100 * time.Millisecond)
		select {
		case e := <-failures:
			t.Logf("failing token function: %v", e)
			if strings.Contains(e.Error(), "identity provider says no") {
				assert.Equal(t, kafkaerror.Authentication, e.Code())
				return
			}
		default:
		}
		require.True(t, time.Now().Before(deadline), "no error naming the token function's failure")
	}
}

func errOr(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}
