package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// auth creates the identity tables: users (pseudonymous clients and invited
// staff), sign-in sessions with their refresh tokens, second-factor recovery
// codes, invitations and the client–clinician assignments that decide who
// may see whose record. Secrets are stored only as hashes; no table holds an
// IP address or a user agent.
func auth() *gormigrate.Migration {
	type user struct {
		ID               string     `gorm:"primaryKey;size:36"`
		Role             string     `gorm:"size:16;not null;index"`
		Status           string     `gorm:"size:16;not null"`
		Nickname         *string    `gorm:"size:64"`
		NicknameKey      *string    `gorm:"size:64;uniqueIndex"`
		PasswordHash     *string    `gorm:"size:255"`
		RecoveryCodeHash *string    `gorm:"size:64"`
		Email            *string    `gorm:"size:254"`
		TOTPSecret       *string    `gorm:"column:totp_secret;size:64"`
		TOTPEnabledAt    *time.Time `gorm:"column:totp_enabled_at"`
		TOTPLastStep     int64      `gorm:"column:totp_last_step;not null;default:0"`
		Capacity         int        `gorm:"not null;default:0"`
		CreatedAt        time.Time  `gorm:"not null;index"`
		UpdatedAt        time.Time  `gorm:"not null"`
		ErasedAt         *time.Time
	}
	type authSession struct {
		ID           string     `gorm:"primaryKey;size:36"`
		UserID       string     `gorm:"size:36;not null;index"`
		CreatedAt    time.Time  `gorm:"not null"`
		LastUsedAt   time.Time  `gorm:"not null"`
		ExpiresAt    time.Time  `gorm:"not null"`
		RevokedAt    *time.Time `gorm:"index"`
		RevokeReason *string    `gorm:"size:32"`
	}
	type authRefreshToken struct {
		TokenHash string     `gorm:"primaryKey;size:64"`
		SessionID string     `gorm:"size:36;not null;index"`
		CreatedAt time.Time  `gorm:"not null"`
		ExpiresAt time.Time  `gorm:"not null"`
		UsedAt    *time.Time `gorm:""`
	}
	type authRecoveryCode struct {
		ID        uint64     `gorm:"primaryKey;autoIncrement"`
		UserID    string     `gorm:"size:36;not null;index"`
		CodeHash  string     `gorm:"size:64;not null;uniqueIndex"`
		CreatedAt time.Time  `gorm:"not null"`
		UsedAt    *time.Time `gorm:""`
	}
	type authInvitation struct {
		ID             string     `gorm:"primaryKey;size:36"`
		TokenHash      string     `gorm:"size:64;not null;uniqueIndex"`
		Role           string     `gorm:"size:16;not null"`
		Capacity       int        `gorm:"not null;default:0"`
		CreatedBy      string     `gorm:"size:36;not null"`
		CreatedAt      time.Time  `gorm:"not null"`
		ExpiresAt      time.Time  `gorm:"not null"`
		AcceptedAt     *time.Time `gorm:""`
		AcceptedUserID *string    `gorm:"size:36"`
	}
	type clientAssignment struct {
		ClientID    string    `gorm:"primaryKey;size:36"`
		ClinicianID string    `gorm:"size:36;not null;index"`
		AssignedBy  string    `gorm:"size:36;not null"`
		AssignedAt  time.Time `gorm:"not null"`
	}
	return createTables("0002_auth",
		table{"users", &user{}},
		table{"auth_sessions", &authSession{}},
		table{"auth_refresh_tokens", &authRefreshToken{}},
		table{"auth_recovery_codes", &authRecoveryCode{}},
		table{"auth_invitations", &authInvitation{}},
		table{"client_assignments", &clientAssignment{}},
	)
}
