package api_test

import (
	"log/slog"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api"
	"github.com/haven-mh/haven/cmd/haven/wire"
)

// register adds the API to engine on the services, the way cmd/haven does
// (the services come from wiretest.New, which calls wire.New).
func register(t testing.TB, engine *gin.Engine, svcs *wire.Services, log *slog.Logger, db api.Pinger, maxBody int64) {
	t.Helper()
	if db == nil {
		db = svcs.DB
	}
	err := api.Register(engine, api.Deps{
		Log: log, DB: db, Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp,
		DefaultLanguage: "nl", Version: "test", MaxBodyBytes: maxBody,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}
