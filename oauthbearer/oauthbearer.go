package oauthbearer

import (
	"context"
	"time"
)

// Token is one OAUTHBEARER token as the broker receives it.
type Token struct {
	// Value is the token itself, sent to the broker as is (a JWS for brokers that
	// validate JWTs).
	Value string
	// Expiry is when the token stops being valid; the client asks for a new one
	// before then.
	Expiry time.Time
	// Principal names the client on whose behalf the token was issued (the JWT's
	// subject, usually).
	Principal string
	// Extensions are SASL extensions sent with the token (KIP-342), e.g. a
	// logical cluster or identity pool id some brokers ask for. Keys are letters
	// only; nil sends none.
	Extensions map[string]string
}

// TokenFunc returns a fresh token. config is the client's sasl.oauthbearer.config
// property, as librdkafka hands it to Python's oauth_cb. ctx ends when the client
// closes. An error fails the authentication: the client reports it through its error
// callback and asks again later.
type TokenFunc func(ctx context.Context, config string) (Token, error)
