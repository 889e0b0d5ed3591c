package frontend

import (
	"testing"
	"time"

	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/selftest"
)

func newTestSite(t *testing.T) *Site {
	t.Helper()
	s, err := New(testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testDeps(t *testing.T) Deps {
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
	database := dbtest.Open(t)
	return Deps{
		Selftest:        selftest.NewService(catalog, selftest.NewStore(database.DB), time.Now),
		Advice:          advice,
		Crisis:          crisis,
		DefaultLanguage: "nl",
	}
}
