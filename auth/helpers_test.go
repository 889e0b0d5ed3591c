package auth_test

import (
	"encoding/json"
	"time"

	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// totpCode is the authenticator app's code for secret at t.
func totpCode(secret string, t time.Time) (string, error) { return wiretest.TOTPCode(secret, t), nil }
