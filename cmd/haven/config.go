package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/haven-mh/haven/api/lang"
)

// config is everything Haven reads from its environment. Every variable is
// listed, with its default, in README.md.
type config struct {
	Addr            string         // HAVEN_ADDR
	DatabaseURL     string         // DATABASE_URL
	DataDir         string         // HAVEN_DATA_DIR
	LogLevel        slog.Level     // HAVEN_LOG_LEVEL
	LogFormat       string         // HAVEN_LOG_FORMAT
	MigrateOnStart  bool           // HAVEN_MIGRATE_ON_START
	DefaultLanguage string         // HAVEN_DEFAULT_LANGUAGE
	DefaultCountry  string         // HAVEN_DEFAULT_COUNTRY
	CrisisFile      string         // HAVEN_CRISIS_FILE
	TrustedProxies  []string       // HAVEN_TRUSTED_PROXIES
	HSTS            bool           // HAVEN_HSTS
	MaxBodyBytes    int64          // HAVEN_MAX_BODY_BYTES
	ShutdownTimeout time.Duration  // HAVEN_SHUTDOWN_TIMEOUT
	DBMaxOpenConns  int            // HAVEN_DB_MAX_OPEN_CONNS
	Auth            authConfig     // accounts.go
	Selfhelp        selfhelpConfig // selfhelp.go
	Audit           auditConfig    // audit.go
}

// loadConfig reads the configuration through getenv, so tests can pass
// their own environment.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Addr:            or(getenv("HAVEN_ADDR"), ":8080"),
		DatabaseURL:     getenv("DATABASE_URL"),
		DataDir:         or(getenv("HAVEN_DATA_DIR"), "data"),
		LogFormat:       or(getenv("HAVEN_LOG_FORMAT"), "text"),
		DefaultLanguage: or(getenv("HAVEN_DEFAULT_LANGUAGE"), "nl"),
		DefaultCountry:  strings.ToUpper(getenv("HAVEN_DEFAULT_COUNTRY")),
		CrisisFile:      getenv("HAVEN_CRISIS_FILE"),
	}
	var errs []string
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("HAVEN_LOG_LEVEL"), "info"))); err != nil {
		errs = append(errs, "HAVEN_LOG_LEVEL must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, "HAVEN_LOG_FORMAT must be text or json")
	}
	if !lang.IsSupported(c.DefaultLanguage) {
		errs = append(errs, fmt.Sprintf("HAVEN_DEFAULT_LANGUAGE must be one of %v", lang.Supported))
	}
	var err error
	if c.MigrateOnStart, err = parseBool(getenv("HAVEN_MIGRATE_ON_START"), true); err != nil {
		errs = append(errs, "HAVEN_MIGRATE_ON_START: "+err.Error())
	}
	if c.HSTS, err = parseBool(getenv("HAVEN_HSTS"), false); err != nil {
		errs = append(errs, "HAVEN_HSTS: "+err.Error())
	}
	if c.MaxBodyBytes, err = parseInt(getenv("HAVEN_MAX_BODY_BYTES"), 64<<10); err != nil || c.MaxBodyBytes < 1024 {
		errs = append(errs, "HAVEN_MAX_BODY_BYTES must be a number of bytes, at least 1024")
	}
	conns, err := parseInt(getenv("HAVEN_DB_MAX_OPEN_CONNS"), 20)
	if err != nil || conns < 1 {
		errs = append(errs, "HAVEN_DB_MAX_OPEN_CONNS must be a positive number")
	}
	c.DBMaxOpenConns = int(conns)
	if c.ShutdownTimeout, err = time.ParseDuration(or(getenv("HAVEN_SHUTDOWN_TIMEOUT"), "20s")); err != nil || c.ShutdownTimeout <= 0 {
		errs = append(errs, "HAVEN_SHUTDOWN_TIMEOUT must be a duration such as 20s")
	}
	for _, p := range strings.Split(getenv("HAVEN_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	c.Auth = loadAuthConfig(getenv, &errs)
	c.Selfhelp = loadSelfhelpConfig(getenv, &errs)
	c.Audit = loadAuditConfig(getenv, c.DataDir, &errs)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func parseBool(v string, def bool) (bool, error) {
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%q is not true or false", v)
	}
	return b, nil
}

func parseInt(v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	return strconv.ParseInt(v, 10, 64)
}
