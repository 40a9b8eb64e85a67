package oauthbearer_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/oauthbearer"
)

// A TokenFunc that reads the principal from sasl.oauthbearer.config ("principal=NAME")
// and would ask an identity provider for the token; here it makes one up.
func ExampleTokenFunc() {
	var fetch oauthbearer.TokenFunc = func(ctx context.Context, config string) (oauthbearer.Token, error) {
		principal := "anonymous"
		for _, field := range strings.Fields(config) {
			if name, ok := strings.CutPrefix(field, "principal="); ok {
				principal = name
			}
		}
		if err := ctx.Err(); err != nil {
			return oauthbearer.Token{}, err
		}
		return oauthbearer.Token{
			Value:     "token-for-" + principal,
			Expiry:    time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			Principal: principal,
		}, nil
	}
	tok, err := fetch(context.Background(), "principal=alice scope=kafka")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Principal, tok.Value, tok.Expiry.Format(time.DateOnly))
	// Output: alice token-for-alice 2030-01-01
}
