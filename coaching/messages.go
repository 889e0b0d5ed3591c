package coaching

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/auth"
)

// MaxMessage caps a message's length.
const MaxMessage = 5000

// Message roles.
const (
	FromClient    = "client"
	FromClinician = "clinician"
)

// MessageView is a message as its reader sees it.
type MessageView struct {
	ID         string
	From       string // FromClient or FromClinician
	SenderName string
	Body       string
	SentAt     time.Time
	ReadAt     *time.Time
}

// Send adds a message to a trajectory's conversation, from its client or
// their clinician. key, when given (the Idempotency-Key of a request),
// makes a retry safe: the same key with the same body returns the message
// first sent (created false); with another body it is
// ErrIdempotencyKeyReused. The body is sealed and never logged.
func (s *Service) Send(ctx context.Context, p auth.Principal, id, body, key string) (*MessageView, bool, error) {
	body = strings.TrimSpace(body)
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return nil, false, invalid("body", "write a message")
	case n > MaxMessage:
		return nil, false, invalid("body", fmt.Sprintf("at most %d characters", MaxMessage))
	case len(key) > 200:
		return nil, false, invalid("idempotency_key", "at most 200 characters")
	}
	role := FromClient
	switch p.Role {
	case auth.RoleClient:
	case auth.RoleClinician:
		role = FromClinician
	default:
		return nil, false, auth.ErrForbidden
	}
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, false, err
	}
	if t.State != StateActive {
		return nil, false, &TransitionError{From: t.State, To: StateActive}
	}
	mac := s.bodyMAC(t.ID, body)
	if key != "" {
		if m, err := s.store.messageByKey(ctx, t.ID, p.UserID, key); err == nil {
			return s.retried(m, mac, body)
		} else if !errors.Is(err, ErrNotFound) {
			return nil, false, err
		}
	}
	now := s.now().UTC()
	m := &Message{ID: newID(), TrajectoryID: t.ID, SenderID: p.UserID, SenderRole: role, BodyMAC: mac, CreatedAt: now}
	if key != "" {
		m.IdempotencyKey = &key
	}
	if m.BodySealed, err = s.seal(body, "message:"+m.ID); err != nil {
		return nil, false, err
	}
	m.KeyID = keyID(m.BodySealed)
	err = s.store.Tx(ctx, func(st *Store) error {
		if err := st.addMessage(ctx, m); err != nil {
			return err
		}
		if role == FromClient {
			t.LastClientActivityAt = now
			return st.save(ctx, t, "last_client_activity_at")
		}
		return s.notifyClient(ctx, st, t, NotifyMessage)
	})
	if errors.Is(err, errDuplicate) && key != "" {
		// A concurrent retry with the same key won the race.
		first, ferr := s.store.messageByKey(ctx, t.ID, p.UserID, key)
		if ferr != nil {
			return nil, false, ferr
		}
		return s.retried(first, mac, body)
	}
	if err != nil {
		return nil, false, err
	}
	if err := s.record(ctx, p, t, audit.ActionMessageSend, "message:"+m.ID); err != nil {
		return nil, false, err
	}
	return &MessageView{ID: m.ID, From: role, Body: body, SentAt: now}, true, nil
}

// retried answers a send whose key was used already.
func (s *Service) retried(first *Message, mac, body string) (*MessageView, bool, error) {
	if !hmac.Equal([]byte(first.BodyMAC), []byte(mac)) {
		return nil, false, ErrIdempotencyKeyReused
	}
	return &MessageView{ID: first.ID, From: first.SenderRole, Body: body, SentAt: first.CreatedAt, ReadAt: first.ReadAt}, false, nil
}

// bodyMAC tells a retried message from another one without storing the
// body in a readable or guessable form.
func (s *Service) bodyMAC(trajectoryID, body string) string {
	mac := hmac.New(sha256.New, s.macKey)
	mac.Write([]byte(trajectoryID))
	mac.Write([]byte{0})
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

// Messages returns a trajectory's conversation, oldest first, and marks
// the other side's messages read. A clinician's read is audited.
func (s *Service) Messages(ctx context.Context, p auth.Principal, id string) ([]MessageView, error) {
	t, err := s.trajectoryFor(ctx, s.store, p, id, AccessCare)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleClient {
		if err := s.record(ctx, p, t, audit.ActionClientRead, "trajectory:"+t.ID+":messages"); err != nil {
			return nil, err
		}
	}
	ms, err := s.store.messages(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	ids := []string{t.ClientID}
	for _, m := range ms {
		ids = append(ids, m.SenderID)
	}
	names, err := s.people.Names(ctx, ids) // the clinician by their display name
	if err != nil {
		return nil, err
	}
	mine := FromClient
	if p.Role == auth.RoleClinician {
		mine = FromClinician
	}
	out := make([]MessageView, 0, len(ms))
	for _, m := range ms {
		body, err := s.open(m.BodySealed, "message:"+m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, MessageView{ID: m.ID, From: m.SenderRole, SenderName: names[m.SenderID], Body: body, SentAt: m.CreatedAt, ReadAt: m.ReadAt})
	}
	other := FromClinician
	if mine == FromClinician {
		other = FromClient
	}
	if err := s.store.markRead(ctx, t.ID, other, s.now().UTC()); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) addMessage(ctx context.Context, m *Message) error {
	if err := s.q(ctx).Create(m).Error; err != nil {
		if errors.Is(err, errDuplicate) {
			return errDuplicate
		}
		return fmt.Errorf("coaching: insert message: %w", err)
	}
	return nil
}

func (s *Store) messageByKey(ctx context.Context, trajectoryID, senderID, key string) (*Message, error) {
	var m Message
	err := s.q(ctx).Where("trajectory_id = ? AND sender_id = ? AND idempotency_key = ?", trajectoryID, senderID, key).Take(&m).Error
	if err != nil {
		return nil, notFound(err, "message")
	}
	return &m, nil
}

func (s *Store) messages(ctx context.Context, trajectoryID string) ([]Message, error) {
	var out []Message
	if err := s.q(ctx).Where("trajectory_id = ?", trajectoryID).Order("created_at, id").Limit(10000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("coaching: messages: %w", err)
	}
	return out, nil
}

// markRead marks the unread messages from role read.
func (s *Store) markRead(ctx context.Context, trajectoryID, from string, now time.Time) error {
	err := s.q(ctx).Model(&Message{}).Where("trajectory_id = ? AND sender_role = ? AND read_at IS NULL", trajectoryID, from).
		Update("read_at", now).Error
	if err != nil {
		return fmt.Errorf("coaching: mark read: %w", err)
	}
	return nil
}

// messageCounts counts a trajectory's messages from the client (in) and
// the clinician (out).
func (s *Store) messageCounts(ctx context.Context, trajectoryID string) (int, int, error) {
	var rows []struct {
		SenderRole string
		N          int
	}
	if err := s.q(ctx).Model(&Message{}).Select("sender_role, count(*) AS n").Where("trajectory_id = ?", trajectoryID).
		Group("sender_role").Scan(&rows).Error; err != nil {
		return 0, 0, fmt.Errorf("coaching: count messages: %w", err)
	}
	in, out := 0, 0
	for _, r := range rows {
		if r.SenderRole == FromClient {
			in = r.N
		} else {
			out = r.N
		}
	}
	return in, out, nil
}
