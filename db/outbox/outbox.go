// Package outbox sends Haven's e-mail notifications reliably and
// discreetly. A notification is a row written in the same transaction as
// the event it is about (a message, an assignment, a questionnaire due), so
// it is never lost and never sent for something that did not happen; a job
// sends the rows with retries and growing back-off, so a failing mail
// server never slows a request. Messages are content-free ("You have a new
// message in Haven"), go only to people who gave an address, and never
// carry or log the address or any health information.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/haven-mh/haven/db"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notification is one queued e-mail.
type Notification struct {
	ID uint64 `gorm:"primaryKey"`
	// Kind names the (content-free) message: "message", "assigned", …
	Kind string
	// RecipientID is the user it is for, or a role ("role:coordinator")
	// for everyone with it; the address is looked up when sending unless
	// AddressSealed carries it (a client's address given for one purpose).
	RecipientID    string
	AddressSealed  *string
	AddressContext string
	Language       string
	// Subject links it to what it is about (a trajectory id), so the
	// clinician can see whether their client's notification went out.
	Subject       string
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	SentAt        *time.Time
	FailedAt      *time.Time
	// LastError is the kind of the last failure (a Go type name), never a
	// server's answer (which may echo the address).
	LastError string
}

// TableName is the table created by the migrations.
func (Notification) TableName() string { return "outbox" }

// Enqueue adds n to the outbox on db — the transaction of the event.
func Enqueue(db *gorm.DB, n *Notification) error {
	if n.Kind == "" || (n.RecipientID == "" && n.AddressSealed == nil) {
		return errors.New("outbox: a notification needs a kind and a recipient")
	}
	if n.NextAttemptAt.IsZero() {
		n.NextAttemptAt = n.CreatedAt
	}
	if err := db.Create(n).Error; err != nil {
		return fmt.Errorf("outbox: enqueue: %w", err)
	}
	return nil
}

// Mailer sends one content-free e-mail of a kind, in a language.
type Mailer interface {
	Send(ctx context.Context, to, kind, lang string) error
}

// Addresses finds where a recipient's notifications go: a user's e-mail
// address, or every address of a role; none when they gave none.
type Addresses interface {
	NotificationAddresses(ctx context.Context, recipientID string) ([]string, error)
}

// Opener opens a sealed address (db/seal).
type Opener interface {
	Open(sealed, context string) ([]byte, error)
}

// Sender sends what is due.
type Sender struct {
	db        *gorm.DB
	mailer    Mailer
	addresses Addresses
	opener    Opener
	log       *slog.Logger
	// MaxAttempts before a notification is given up (8: about a day).
	MaxAttempts int
}

// NewSender returns a sender; without a mailer (no HAVEN_SMTP_URL) it
// logs each notification (its kind, never the address) instead of sending,
// and marks it not sent for want of a mail server (NotSentNoMailServer).
func NewSender(db *gorm.DB, mailer Mailer, addresses Addresses, opener Opener, log *slog.Logger) *Sender {
	return &Sender{db: db, mailer: mailer, addresses: addresses, opener: opener, log: log, MaxAttempts: 8}
}

// backoff is the wait after the nth failed attempt: one minute, doubling,
// at most six hours.
func backoff(n int) time.Duration {
	d := time.Minute << min(n-1, 10)
	return min(d, 6*time.Hour)
}

// Run sends up to 50 notifications that are due. Each row is claimed in
// its own transaction (FOR UPDATE SKIP LOCKED on PostgreSQL), so two
// replicas never send one twice. It returns how many it sent.
func (s *Sender) Run(ctx context.Context, now time.Time) (int, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Notification{}).Where("sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?", now).
		Order("id").Limit(50).Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("outbox: due: %w", err)
	}
	sent := 0
	var errs []error
	for _, id := range ids {
		ok, err := s.send(ctx, id, now)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

func (s *Sender) send(ctx context.Context, id uint64, now time.Time) (bool, error) {
	sent := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("id = ? AND sent_at IS NULL AND failed_at IS NULL", id)
		if tx.Dialector.Name() == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var n Notification
		if err := q.Take(&n).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return nil // sent or claimed by another replica
		} else if err != nil {
			return err
		}
		to, err := s.recipients(ctx, &n)
		// Nothing can be sent without a mail server or an address: the row
		// says so for good (never "sent"), and is not retried.
		notSent := ""
		switch {
		case err != nil:
		case s.mailer == nil:
			notSent = NotSentNoMailServer
			s.log.InfoContext(ctx, "notification not e-mailed: no mail server configured (HAVEN_SMTP_URL)", "kind", n.Kind, "id", n.ID, "recipients", len(to))
		case len(to) == 0:
			notSent = NotSentNoAddress
			s.log.InfoContext(ctx, "notification not e-mailed: no address", "kind", n.Kind, "id", n.ID)
		default:
			for _, addr := range to {
				if err = s.mailer.Send(ctx, addr, n.Kind, n.Language); err != nil {
					break
				}
			}
		}
		if notSent != "" {
			return tx.Model(&Notification{}).Where("id = ?", n.ID).Updates(map[string]any{"failed_at": now, "last_error": notSent}).Error
		}
		if err != nil {
			n.Attempts++
			cols := map[string]any{"attempts": n.Attempts, "last_error": fmt.Sprintf("%T", err), "next_attempt_at": now.Add(backoff(n.Attempts))}
			if n.Attempts >= s.MaxAttempts {
				cols["failed_at"] = now
			}
			s.log.WarnContext(ctx, "notification not sent", "kind", n.Kind, "id", n.ID, "attempt", n.Attempts, "error_kind", fmt.Sprintf("%T", err))
			return tx.Model(&Notification{}).Where("id = ?", n.ID).Updates(cols).Error
		}
		sent = true
		return tx.Model(&Notification{}).Where("id = ?", n.ID).Update("sent_at", now).Error
	})
	return sent, err
}

func (s *Sender) recipients(ctx context.Context, n *Notification) ([]string, error) {
	if n.AddressSealed != nil {
		addr, err := s.opener.Open(*n.AddressSealed, n.AddressContext)
		if err != nil {
			return nil, err
		}
		return []string{string(addr)}, nil
	}
	return s.addresses.NotificationAddresses(ctx, n.RecipientID)
}

// Why a notification was not sent and will not be: kept in LastError with
// FailedAt set, so no row without an e-mail going out ever says sent.
const (
	NotSentNoMailServer = "no_mail_server" // HAVEN_SMTP_URL was not set
	NotSentNoAddress    = "no_address"     // the recipient gave no address
)

// Outcomes of a notification (Status.Outcome).
const (
	OutcomePending      = "pending" // not sent yet; tried again with back-off
	OutcomeSent         = "sent"    // handed to the mail server
	OutcomeFailed       = "failed"  // given up after MaxAttempts failures
	OutcomeNoMailServer = NotSentNoMailServer
	OutcomeNoAddress    = NotSentNoAddress
)

// Status is what became of the notifications about a subject.
type Status struct {
	Kind      string
	CreatedAt time.Time
	SentAt    *time.Time
	FailedAt  *time.Time
	Attempts  int
	// Outcome is one of the Outcome constants.
	Outcome string
}

func statusOf(r Notification) Status {
	st := Status{Kind: r.Kind, CreatedAt: r.CreatedAt, SentAt: r.SentAt, FailedAt: r.FailedAt, Attempts: r.Attempts, Outcome: OutcomePending}
	switch {
	case r.SentAt != nil:
		st.Outcome = OutcomeSent
	case r.FailedAt != nil && (r.LastError == NotSentNoMailServer || r.LastError == NotSentNoAddress):
		st.Outcome = r.LastError
	case r.FailedAt != nil:
		st.Outcome = OutcomeFailed
	}
	return st
}

// Statuses returns the notifications about subject, newest first.
func Statuses(ctx context.Context, db *gorm.DB, subject string) ([]Status, error) {
	var rows []Notification
	if err := db.WithContext(ctx).Where("subject = ?", subject).Order("id DESC").Limit(100).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("outbox: statuses: %w", err)
	}
	out := make([]Status, 0, len(rows))
	for _, r := range rows {
		out = append(out, statusOf(r))
	}
	return out, nil
}

// Holder is the outbox's part in a person's data: the notifications about
// them (its DataName, ExportUser and EraseUser are auth's DataHolder).
type Holder struct{ DB *gorm.DB }

// DataName names the outbox's part of an account export.
func (Holder) DataName() string { return "notifications" }

// ExportUser lists the notifications queued for a user: kind and dates.
func (h Holder) ExportUser(ctx context.Context, userID string) (any, error) {
	var rows []Notification
	if err := h.DB.WithContext(ctx).Where("recipient_id = ?", userID).Order("id").Limit(10000).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("outbox: export: %w", err)
	}
	out := make([]Status, 0, len(rows))
	for _, r := range rows {
		out = append(out, statusOf(r))
	}
	return out, nil
}

// EraseUser deletes every notification for a user, sent or not.
func (h Holder) EraseUser(ctx context.Context, userID string) error {
	if err := h.DB.WithContext(ctx).Where("recipient_id = ?", userID).Delete(&Notification{}).Error; err != nil {
		return fmt.Errorf("outbox: erase: %w", err)
	}
	return nil
}

// SealedKeyIDs lists the encryption key ids of the sealed addresses
// waiting in the outbox.
func (h Holder) SealedKeyIDs(ctx context.Context) ([]string, error) {
	return db.SealedKeyIDsIn(ctx, h.DB, db.SealedColumn{Table: "outbox", Column: "address_sealed"})
}
