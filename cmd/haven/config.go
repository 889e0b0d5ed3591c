package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/haven-mh/haven/api/lang"
	"github.com/haven-mh/haven/cmd/haven/wire"
)

// config is everything Haven reads from its environment. Every variable is
// listed, with its default, in README.md.
type config struct {
	Addr            string        // HAVEN_ADDR
	DatabaseURL     string        // DATABASE_URL
	DataDir         string        // HAVEN_DATA_DIR
	LogLevel        slog.Level    // HAVEN_LOG_LEVEL
	LogFormat       string        // HAVEN_LOG_FORMAT
	MigrateOnStart  bool          // HAVEN_MIGRATE_ON_START
	DefaultLanguage string        // HAVEN_DEFAULT_LANGUAGE
	TrustedProxies  []string      // HAVEN_TRUSTED_PROXIES
	HSTS            bool          // HAVEN_HSTS
	MaxBodyBytes    int64         // HAVEN_MAX_BODY_BYTES
	ShutdownTimeout time.Duration // HAVEN_SHUTDOWN_TIMEOUT
	DBMaxOpenConns  int           // HAVEN_DB_MAX_OPEN_CONNS
	Jobs            bool          // HAVEN_JOBS
	// Faults: request and readiness deadlines, the shutdown drain, the
	// SQLite free-space floor (faults.go).
	Faults faultConfig
	// Wire is what the domain services are built from: HAVEN_DATA_DIR,
	// HAVEN_CRISIS_FILE, HAVEN_DEFAULT_COUNTRY, HAVEN_TIMEZONE, the keys,
	// token lifetimes and e-mail settings (domains.go).
	Wire wire.Config
}

// loadConfig reads the configuration through getenv, so tests can pass
// their own environment. Any variable may be given as NAME_FILE instead
// (see fileEnv), which is how secrets come in from files.
func loadConfig(getenv func(string) string) (config, error) {
	files := &fileEnv{getenv: getenv, readFile: os.ReadFile}
	getenv = files.get
	c := config{
		Addr:            or(getenv("HAVEN_ADDR"), ":8080"),
		DatabaseURL:     getenv("DATABASE_URL"),
		DataDir:         or(getenv("HAVEN_DATA_DIR"), "data"),
		LogFormat:       or(getenv("HAVEN_LOG_FORMAT"), "text"),
		DefaultLanguage: or(getenv("HAVEN_DEFAULT_LANGUAGE"), "nl"),
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
	// 0 leaves the pool to db.DefaultMaxOpenConns (4 per core).
	conns, err := parseInt(getenv("HAVEN_DB_MAX_OPEN_CONNS"), 0)
	if err != nil || conns < 0 || (conns == 0 && getenv("HAVEN_DB_MAX_OPEN_CONNS") != "") {
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
	if c.Jobs, err = parseBool(getenv("HAVEN_JOBS"), true); err != nil {
		errs = append(errs, "HAVEN_JOBS: "+err.Error())
	}
	c.Faults = loadFaultConfig(getenv, &errs)
	c.Wire = loadWireConfig(getenv, c, &errs)
	errs = append(files.errs, errs...)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// fileEnv wraps getenv so that every variable NAME may instead be given as
// NAME_FILE, the path of a file holding the value (one trailing newline is
// dropped). That keeps secrets such as DATABASE_URL, HAVEN_ENCRYPTION_KEYS
// and HAVEN_JWT_KEYS out of the environment and the process list: compose
// secrets, systemd credentials, Kubernetes secret volumes. Setting both
// NAME and NAME_FILE, an unreadable file or an empty one is a configuration
// error, never a silent fallback to a default (which for the encryption
// key would mean a new key). Errors name the variable and the path, never
// the content.
type fileEnv struct {
	getenv   func(string) string
	readFile func(string) ([]byte, error)
	errs     []string
	seen     map[string]bool
}

func (e *fileEnv) get(name string) string {
	value, path := e.getenv(name), e.getenv(name+"_FILE")
	if path == "" {
		return value
	}
	fail := func(msg string) string {
		if !e.seen[name] {
			if e.seen == nil {
				e.seen = map[string]bool{}
			}
			e.seen[name] = true
			e.errs = append(e.errs, msg)
		}
		return ""
	}
	if value != "" {
		return fail(fmt.Sprintf("set %s or %s_FILE, not both", name, name))
	}
	b, err := e.readFile(path)
	if err != nil {
		return fail(fmt.Sprintf("%s_FILE: %v", name, err))
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if strings.TrimSpace(v) == "" {
		return fail(fmt.Sprintf("%s_FILE: %s is empty", name, path))
	}
	return v
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
