// Package models holds the gorm models mapped to the tables in migrations/.
package models

import "time"

// Roles a user can have.
const (
	RoleCustomer = "customer"
	RoleAdmin    = "admin"
)

// User is a shop account (table users, migration 000001).
type User struct {
	ID           uint      `gorm:"primaryKey" json:"id"`
	Email        string    `gorm:"size:255;not null" json:"email"`
	Name         string    `gorm:"size:255;not null" json:"name"`
	PasswordHash string    `gorm:"size:255;not null" json:"-"`
	Role         string    `gorm:"size:32;not null;default:customer" json:"role"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// IsAdmin reports whether the user may manage the catalogue.
func (u *User) IsAdmin() bool {
	return u.Role == RoleAdmin
}
