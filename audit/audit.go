// Package audit is Haven's append-only audit log, as NEN 7513 asks of
// systems that hold patient data: every read or change of a client's record
// by staff, and every sign-in, failure and role change, is one entry saying
// when, who (user and role), whose record, what action on what object, from
// which session and request, and with what outcome.
//
// Entries form a keyed chain: each stores an HMAC-SHA256 of its own content
// and of the MAC of the entry before it, under a key that is not in the
// database (HAVEN_AUDIT_KEY, named by the key id each entry stores, so keys
// rotate). Changing, inserting, removing or renumbering rows breaks the
// chain, and without the key nobody can compute a chain that holds again;
// Verify (and `haven audit verify`) detects it. No code in Haven updates or
// deletes an entry, and database triggers refuse it.
//
// What a key cannot show is that the newest entries were deleted: the
// chain that is left is whole. Anchors show it. The audit-anchor job
// copies the chain head (sequence number, MAC, key id) to the log and to
// an append-only file kept outside the database (anchor.go), and Verify
// given those anchors fails when the table is shorter than one of them or
// disagrees with it.
//
// Entries written before the chain was keyed (schema migration
// 0016_audit_keyed_chain) keep their plain SHA-256 hash and an empty key id.
// They are accepted only as the beginning of the log, before the first
// keyed entry and no later than the earliest anchor, whose value commits to
// every entry before it. Without that anchor an unkeyed entry fails
// verification: otherwise anybody able to write to the database could
// recompute the whole log as "legacy" entries.
//
// The log holds no IP address and no free text: actors and subjects are
// random user ids, actions and outcomes come from fixed vocabularies.
package audit

import (
	"crypto/hmac"
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
	ActionSignIn         = "auth.sign_in"
	ActionSignInMFA      = "auth.sign_in_mfa"
	ActionMFAEnrol       = "auth.mfa_enrol"
	ActionSignUp         = "auth.sign_up"
	ActionRecover        = "auth.recover"
	ActionRefreshReuse   = "auth.refresh_reuse"
	ActionSignOut        = "auth.sign_out"
	ActionPasswordChange = "auth.password_change"
	ActionRoleChange     = "user.role_change"
	ActionUserUpdate     = "user.update"
	ActionInvite         = "user.invite"
	ActionInviteAccept   = "user.invite_accept"
	ActionAdminCreate    = "user.admin_create"
	ActionAccountErase   = "account.erase"
	ActionAccountExport  = "account.export"
	ActionClientRead     = "client.read"
	ActionClientChange   = "client.change"
	ActionClientList     = "client.list"
	ActionClientAssign   = "client.assign"
	ActionClientUnassign = "client.unassign"
	ActionSelftestClaim  = "selftest.claim"
	ActionAuditSearch    = "audit.search"
	// The guided trajectory: the client's own steps; a staff member's
	// reads and changes of a client's care are client.read and
	// client.change, with the object saying what.
	ActionTrajectoryApply   = "trajectory.apply"
	ActionTrajectoryChange  = "trajectory.change"
	ActionMessageSend       = "message.send"
	ActionAlertAcknowledged = "alert.acknowledge"
	ActionAccessLogViewed   = "audit.own_access_log"
	// A coordinator's change of a self-help programme's pace (the object
	// names the programme and the days).
	ActionPaceChange = "selfhelp.pace_change"
)

// ErrTampered is returned by Verify when the chain is broken.
var ErrTampered = errors.New("audit: the chain is broken")

// ErrUnknownKey means an entry was MACed with a key id this process lacks.
var ErrUnknownKey = errors.New("audit: unknown key id")

// Entry is one audit record. Seq, At, KeyID, PrevHash and Hash are set by
// Append.
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
	// KeyID names the key Hash is an HMAC under; "" for a legacy entry,
	// whose Hash is a plain SHA-256.
	KeyID    string
	PrevHash string
	// Hash is the entry's MAC (hex): HMAC-SHA256 of its content and
	// PrevHash under the key KeyID names.
	Hash string
}

// TableName is the table created by the migrations.
func (Entry) TableName() string { return "audit_entries" }

// Key is one HMAC-SHA256 key of the chain and its id.
type Key struct {
	ID     string
	Secret []byte
}

// MinKeyBytes is the shortest key accepted (the HMAC-SHA256 block would
// take up to 64; less than the hash size weakens it).
const MinKeyBytes = 32

// maxKeyID is the width of the key_id column.
const maxKeyID = 32

// genesis is the PrevHash of the first entry.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// computeHash is the legacy (v1) hash: a plain SHA-256 of the entry's
// content and PrevHash. Anybody can recompute it, which is why new entries
// are MACed (computeMAC); it is kept to verify entries written before.
func computeHash(e *Entry) string {
	sum := sha256.Sum256(encode(e, "v1"))
	return hex.EncodeToString(sum[:])
}

// computeMAC is the v2 MAC: HMAC-SHA256 under key of the same encoding,
// tagged v2 and naming the key id.
func computeMAC(key []byte, e *Entry) string {
	m := hmac.New(sha256.New, key)
	m.Write(encode(e, "v2"))
	return hex.EncodeToString(m.Sum(nil))
}

// encode writes the entry's content and PrevHash in an unambiguous
// encoding (every field length-prefixed). v2 adds the key id after the
// version tag; v1 is exactly the encoding of the unkeyed chain.
func encode(e *Entry, version string) []byte {
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
	field(version)
	if version != "v1" {
		field(e.KeyID)
	}
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
	return []byte(b.String())
}

// Str returns a pointer to s, or nil for "" (for the optional fields).
func Str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
