package api_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

// services builds the domain services on d the way cmd/haven does, with
// cheap password hashing so tests stay fast.
type services struct {
	selftest *selftest.Service
	advice   *selftest.AdviceCatalog
	crisis   *selftest.CrisisContacts
	auth     *auth.Service
	audit    *audit.Log
	selfhelp *modules.Service
}

func newServices(t testing.TB, d *db.DB, now func() time.Time, throttle auth.ThrottleConfig) services {
	t.Helper()
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	advice, err := selftest.LoadAdvice()
	if err != nil {
		t.Fatal(err)
	}
	crisis, err := selftest.LoadCrisisContacts("")
	if err != nil {
		t.Fatal(err)
	}
	st := selftest.NewService(catalog, selftest.NewStore(d.DB), now)
	lib, err := modules.LoadLibrary(func(id string) bool { _, err := catalog.Instrument(id); return err == nil })
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New([]seal.Key{{ID: "test", Secret: bytes.Repeat([]byte{5}, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	sh := modules.NewService(lib, modules.NewStore(d.DB), sealer, now)
	tokens, err := auth.NewTokens([]auth.Key{{ID: "t1", Secret: []byte("0123456789abcdef0123456789abcdef")}}, 10*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.NewLog(d.DB, []audit.Key{{ID: "a1", Secret: []byte("0123456789abcdef0123456789abcdef")}}, now)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.NewService(auth.NewStore(d.DB), tokens, log, auth.Config{
		Argon2:   auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		Throttle: throttle,
	}, now, st, sh)
	if err != nil {
		t.Fatal(err)
	}
	return services{selftest: st, advice: advice, crisis: crisis, auth: svc, audit: log, selfhelp: sh}
}
