package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// ScramMechanism is a SCRAM hash.
type ScramMechanism int

// The SCRAM mechanisms Kafka knows.
const (
	ScramSHA256 = ScramMechanism(ckafka.ScramMechanismSHA256)
	ScramSHA512 = ScramMechanism(ckafka.ScramMechanismSHA512)
)

// String is "SCRAM-SHA-256" or "SCRAM-SHA-512", the sasl.mechanisms names.
func (m ScramMechanism) String() string {
	switch m {
	case ScramSHA256:
		return "SCRAM-SHA-256"
	case ScramSHA512:
		return "SCRAM-SHA-512"
	}
	return fmt.Sprintf("ScramMechanism(%d)", int(m))
}

// ScramCredential is one of a user's SCRAM credentials (never its password or salt).
type ScramCredential struct {
	Mechanism  ScramMechanism
	Iterations int
}

// UserScramCredentials is what DescribeUserScramCredentials says about one user.
type UserScramCredentials struct {
	User        string
	Credentials []ScramCredential // SCRAM-SHA-256 first
	// Err is this user's own error: RESOURCE_NOT_FOUND for a user without credentials.
	Err error
}

// DescribeUserScramCredentials describes the SCRAM credentials of the given users, one
// result per user in the order given, or of every user that has any, sorted by name,
// when none are given (Python's describe_user_scram_credentials).
func (c *Client) DescribeUserScramCredentials(ctx context.Context, users ...string) ([]UserScramCredentials, error) {
	seen := map[string]bool{}
	for i, u := range users {
		if u == "" {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "describe SCRAM credentials: users[%d] is empty", i)
		}
		if seen[u] {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "describe SCRAM credentials: user %q is named twice", u)
		}
		seen[u] = true
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	res, err := c.admin.DescribeUserScramCredentials(k.ctx, users, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	conv := func(u string, d ckafka.UserScramCredentialsDescription) UserScramCredentials {
		out := UserScramCredentials{User: u}
		if d.Error.Code() != ckafka.ErrNoError {
			out.Err = aboutError("user", u, d.Error)
			return out
		}
		for _, ci := range d.ScramCredentialInfos {
			out.Credentials = append(out.Credentials, ScramCredential{Mechanism: ScramMechanism(ci.Mechanism), Iterations: ci.Iterations})
		}
		slices.SortFunc(out.Credentials, func(a, b ScramCredential) int { return int(a.Mechanism) - int(b.Mechanism) })
		return out
	}
	if len(users) == 0 {
		out := make([]UserScramCredentials, 0, len(res.Descriptions))
		for u, d := range res.Descriptions {
			out = append(out, conv(u, d))
		}
		slices.SortFunc(out, func(a, b UserScramCredentials) int { return strings.Compare(a.User, b.User) })
		return out, nil
	}
	out := make([]UserScramCredentials, len(users))
	for i, u := range users {
		d, ok := res.Descriptions[u]
		if !ok {
			out[i] = UserScramCredentials{User: u, Err: kafkaerror.Newf(kafkaerror.Fail, "user %q: left out of the broker's answer", u)}
			continue
		}
		out[i] = conv(u, d)
	}
	return out, nil
}

// ScramAlteration is one change AlterUserScramCredentials makes: ScramUpsert or
// ScramDelete make one.
type ScramAlteration struct {
	user       string
	mechanism  ScramMechanism
	iterations int
	password   []byte
	salt       []byte
	delete     bool
}

// ScramUpsert sets user's credential for mechanism: the password, hashed with
// iterations rounds (Kafka's minimum is 4096) and a random salt. A user that does not
// exist is created.
func ScramUpsert(user string, mechanism ScramMechanism, iterations int, password string) ScramAlteration {
	return ScramAlteration{user: user, mechanism: mechanism, iterations: iterations, password: []byte(password)}
}

// ScramDelete deletes user's credential for mechanism.
func ScramDelete(user string, mechanism ScramMechanism) ScramAlteration {
	return ScramAlteration{user: user, mechanism: mechanism, delete: true}
}

// String is e.g. "upsert SCRAM-SHA-512 credential of user \"carol\"" (never the password).
func (a ScramAlteration) String() string {
	verb := "upsert"
	if a.delete {
		verb = "delete"
	}
	return fmt.Sprintf("%s %s credential of user %q", verb, a.mechanism, a.user)
}

// AlterUserScramCredentials upserts and deletes SCRAM credentials (Python's
// alter_user_scram_credentials) and returns one result per user, in the order the
// users first appear. A user fails alone: too few iterations is
// UNACCEPTABLE_CREDENTIAL, deleting a credential that does not exist
// RESOURCE_NOT_FOUND; all changes of a failed user are dropped.
func (c *Client) AlterUserScramCredentials(ctx context.Context, alterations ...ScramAlteration) (ItemResults, error) {
	var ups []ckafka.UserScramCredentialUpsertion
	var dels []ckafka.UserScramCredentialDeletion
	var users []string
	seen := map[string]bool{}
	for i, a := range alterations {
		bad := func(why string) error {
			return kafkaerror.Newf(kafkaerror.InvalidArg, "alter SCRAM credentials: alterations[%d] (%s): %s", i, a, why)
		}
		switch {
		case a.user == "":
			return nil, bad("no user name")
		case a.mechanism != ScramSHA256 && a.mechanism != ScramSHA512:
			return nil, bad("the mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512")
		case !a.delete && len(a.password) == 0:
			return nil, bad("an empty password")
		}
		if !seen[a.user] {
			seen[a.user] = true
			users = append(users, a.user)
		}
		if a.delete {
			dels = append(dels, ckafka.UserScramCredentialDeletion{User: a.user, Mechanism: ckafka.ScramMechanism(a.mechanism)})
			continue
		}
		ups = append(ups, ckafka.UserScramCredentialUpsertion{User: a.user, Password: a.password, Salt: a.salt,
			ScramCredentialInfo: ckafka.ScramCredentialInfo{Mechanism: ckafka.ScramMechanism(a.mechanism), Iterations: a.iterations}})
	}
	k, err := c.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer k.end()
	out := make(ItemResults, len(users))
	if len(users) == 0 {
		return out, nil
	}
	res, err := c.admin.AlterUserScramCredentials(k.ctx, ups, dels, k.adminTimeout())
	if err = k.answer(err); err != nil {
		return nil, err
	}
	for i, u := range users {
		out[i].Name = u
		e, ok := res.Errors[u]
		switch {
		case !ok:
			out[i].Err = kafkaerror.Newf(kafkaerror.Fail, "alter SCRAM credentials: user %q left out of the broker's answer", u)
		case e.Code() != ckafka.ErrNoError:
			out[i].Err = aboutError("user", u, e)
		}
	}
	return out, nil
}
