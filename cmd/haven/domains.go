package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db/seal"
)

// loadWireConfig reads what the domain services are built from; it appends
// what is wrong to errs.
func loadWireConfig(getenv func(string) string, c config, errs *[]string) wire.Config {
	w := wire.Config{
		DataDir:        c.DataDir,
		CrisisFile:     getenv("HAVEN_CRISIS_FILE"),
		DefaultCountry: strings.ToUpper(getenv("HAVEN_DEFAULT_COUNTRY")),
		SMTPURL:        getenv("HAVEN_SMTP_URL"),
		MailFrom:       getenv("HAVEN_MAIL_FROM"),
		PublicURL:      strings.TrimRight(or(getenv("HAVEN_PUBLIC_URL"), "http://localhost:8080"), "/"),
	}
	tz := or(getenv("HAVEN_TIMEZONE"), "Europe/Brussels")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		*errs = append(*errs, fmt.Sprintf("HAVEN_TIMEZONE %q is not a time zone such as Europe/Brussels", tz))
	}
	w.Location = loc
	if v := getenv("HAVEN_SELFHELP_LESSON_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 60 {
			*errs = append(*errs, "HAVEN_SELFHELP_LESSON_DAYS must be a whole number of days from 0 to 60")
		}
		w.LessonDays = &n
	}
	w.SessionCacheTTL = 2 * time.Second
	if v := getenv("HAVEN_SESSION_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			*errs = append(*errs, "HAVEN_SESSION_CACHE_TTL must be a duration from 0s to 1m")
		}
		w.SessionCacheTTL = d
	}
	if v := getenv("HAVEN_PASSWORD_HASH_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1024 {
			*errs = append(*errs, "HAVEN_PASSWORD_HASH_CONCURRENCY must be a whole number from 1 to 1024")
		}
		w.PasswordHashConcurrency = n
	}
	if spec := getenv("HAVEN_ENCRYPTION_KEYS"); spec != "" {
		keys, err := seal.ParseKeys(spec)
		if err != nil {
			*errs = append(*errs, "HAVEN_ENCRYPTION_KEYS: "+strings.TrimPrefix(err.Error(), "seal: "))
		}
		w.EncryptionKeys = keys
	}
	if spec := getenv("HAVEN_JWT_KEYS"); spec != "" {
		keys, err := auth.ParseKeys(spec)
		if err != nil {
			*errs = append(*errs, "HAVEN_JWT_KEYS: "+strings.TrimPrefix(err.Error(), "auth: "))
		}
		w.JWTKeys = keys
	}
	dur := func(name, def string, lo, hi time.Duration) time.Duration {
		d, err := time.ParseDuration(or(getenv(name), def))
		if err != nil || d < lo || d > hi {
			*errs = append(*errs, fmt.Sprintf("%s must be a duration between %s and %s", name, lo, hi))
		}
		return d
	}
	w.AccessTokenTTL = dur("HAVEN_ACCESS_TOKEN_TTL", "10m", time.Minute, auth.MaxAccessTTL)
	w.RefreshTokenTTL = dur("HAVEN_REFRESH_TOKEN_TTL", "336h", time.Hour, 90*24*time.Hour)
	w.SessionMaxAge = dur("HAVEN_SESSION_MAX_AGE", "720h", time.Hour, 365*24*time.Hour)
	if v := getenv("HAVEN_REPORT_MIN_CELL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			*errs = append(*errs, "HAVEN_REPORT_MIN_CELL must be a whole number from 1 to 1000")
		}
		w.ReportMinCell = n
	}
	loadAuditConfig(getenv, &w, errs)
	if w.SMTPURL != "" && w.MailFrom == "" {
		*errs = append(*errs, "HAVEN_MAIL_FROM is required with HAVEN_SMTP_URL")
	}
	return w
}
