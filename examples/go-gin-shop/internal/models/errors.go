package models

import "errors"

// Domain errors shared by repositories, services and handlers. The error
// middleware maps them to HTTP status codes.
var (
	ErrNotFound           = errors.New("not found")
	ErrConflict           = errors.New("already exists")
	ErrValidation         = errors.New("validation failed")
	ErrInvalidCredentials = errors.New("invalid email or password")
	ErrInsufficientStock  = errors.New("insufficient stock")
)
