// Package audit is Haven's append-only audit log, as NEN 7513 asks of
// systems that hold patient data: every read or change of a client's record
// by staff, and every sign-in, failure and role change, is one entry saying
// when, who (user and role), whose record, what action on what object, from
// which session and request, and with what outcome.
//
// Entries form a hash chain: each stores the SHA-256 of its own content and
// of the entry before it, so changing, inserting or removing a row breaks
// the chain, which Verify (and `haven audit verify`) detects. No code in
// Haven updates or deletes an entry, and database triggers refuse it.
//
// The log holds no IP address and no free text: actors and subjects are
// random user ids, actions and outcomes come from fixed vocabularies.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Outcomes of an audited action.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// Actions. Keep them short, stable and free of personal data.
const (
	ActionSignIn          = "auth.sign_in"
	ActionSignInMFA       = "auth.sign_in_mfa"
	ActionMFAEnrol        = "auth.mfa_enrol"
	ActionSignUp          = "auth.sign_up"
	ActionRecover         = "auth.recover"
	ActionRefreshReuse    = "auth.refresh_reuse"
	ActionSignOut         = "auth.sign_out"
	ActionPasswordChange  = "auth.password_change"
	ActionRoleChange      = "user.role_change"
	ActionUserUpdate      = "user.update"
	ActionInvite          = "user.invite"
	ActionInviteAccept    = "user.invite_accept"
	ActionAdminCreate     = "user.admin_create"
	ActionAccountErase    = "account.erase"
	ActionAccountExport   = "account.export"
	ActionClientRead      = "client.read"
	ActionClientChange    = "client.change"
	ActionClientList      = "client.list"
	ActionClientAssign    = "client.assign"
	ActionClientUnassign  = "client.unassign"
	ActionSelftestClaim   = "selftest.claim"
	ActionAuditSearch     = "audit.search"
	ActionAccessLogViewed = "audit.own_access_log"
)

// ErrTampered is returned by Verify when the chain is broken.
var ErrTampered = errors.New("audit: the chain is broken")

// Entry is one audit record. Seq, At, PrevHash and Hash are set by Append.
type Entry struct {
	Seq       int64 `gorm:"primaryKey;autoIncrement:false"`
	At        time.Time
	ActorID   *string
	ActorRole string
	SessionID *string
	SubjectID *string
	Action    string
	Object    string
	RequestID string
	Outcome   string
	PrevHash  string
	Hash      string
}

// TableName is the table created by the migrations.
func (Entry) TableName() string { return "audit_entries" }

// genesis is the PrevHash of the first entry.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// computeHash hashes the entry's content and PrevHash in an unambiguous
// encoding (every field length-prefixed).
func computeHash(e *Entry) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(';')
	}
	opt := func(s *string) {
		if s == nil {
			field("\x00")
			return
		}
		field(*s)
	}
	field("v1")
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	opt(e.ActorID)
	field(e.ActorRole)
	opt(e.SessionID)
	opt(e.SubjectID)
	field(e.Action)
	field(e.Object)
	field(e.RequestID)
	field(e.Outcome)
	field(e.PrevHash)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Str returns a pointer to s, or nil for "" (for the optional fields).
func Str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
