// Package oauthbearer holds what an application hands rdstreams when it supplies
// OAUTHBEARER tokens itself: a [Token] and the [TokenFunc] that produces one.
//
// Python → Go: confluent-kafka-python's oauth_cb configuration entry is a function
// called with the sasl.oauthbearer.config string that returns (token, expiry in seconds
// since the epoch, principal, extensions). In Go it is a [TokenFunc] given to the
// producer's and the consumer's WithOAuthBearer option; it returns a [Token] whose
// Expiry is a time.Time. librdkafka asks for a token before the first connection and
// again when about 80 % of the previous token's lifetime has passed; the function runs
// on a goroutine of the client's, so it must not call back into that client.
//
// Without a TokenFunc, librdkafka can fetch tokens itself from an OpenID Connect token
// endpoint with the client-credentials grant, configured by properties alone
// (sasl.oauthbearer.method=oidc, sasl.oauthbearer.client.id,
// sasl.oauthbearer.client.secret, sasl.oauthbearer.token.endpoint.url); this package is
// not needed for that.
package oauthbearer
