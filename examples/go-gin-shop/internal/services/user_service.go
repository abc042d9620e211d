// Package services holds the business logic between handlers and repositories.
package services

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/backend-planner/examples/go-gin-shop/internal/models"
	"github.com/backend-planner/examples/go-gin-shop/internal/repository"
)

const minPasswordLength = 8

// RegisterInput is what a new customer provides.
type RegisterInput struct {
	Email    string
	Name     string
	Password string
}

// UserService registers and authenticates users.
type UserService interface {
	Register(ctx context.Context, in RegisterInput) (*models.User, error)
	Login(ctx context.Context, email, password string) (string, *models.User, error)
	Get(ctx context.Context, id uint) (*models.User, error)
}

type userService struct {
	users    repository.UserRepository
	tokens   *TokenService
	hashCost int
}

// NewUserService wires a UserService.
func NewUserService(users repository.UserRepository, tokens *TokenService) UserService {
	return &userService{users: users, tokens: tokens, hashCost: bcrypt.DefaultCost}
}

func (s *userService) Register(ctx context.Context, in RegisterInput) (*models.User, error) {
	email := strings.TrimSpace(strings.ToLower(in.Email))
	if email == "" || strings.TrimSpace(in.Name) == "" {
		return nil, fmt.Errorf("%w: email and name are required", models.ErrValidation)
	}
	if len(in.Password) < minPasswordLength {
		return nil, fmt.Errorf("%w: password must be at least %d characters", models.ErrValidation, minPasswordLength)
	}

	if _, err := s.users.FindByEmail(ctx, email); err == nil {
		return nil, fmt.Errorf("%w: email %s is taken", models.ErrConflict, email)
	} else if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}

	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.hashCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}

	user := &models.User{
		Email:        email,
		Name:         strings.TrimSpace(in.Name),
		PasswordHash: string(hash),
		Role:         models.RoleCustomer,
	}
	if err := s.users.Create(ctx, user); err != nil {
		return nil, err
	}
	return user, nil
}

func (s *userService) Login(ctx context.Context, email, password string) (string, *models.User, error) {
	user, err := s.users.FindByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return "", nil, models.ErrInvalidCredentials
	}
	if err != nil {
		return "", nil, err
	}
	if err := bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte(password)); err != nil {
		return "", nil, models.ErrInvalidCredentials
	}

	token, err := s.tokens.Issue(user)
	if err != nil {
		return "", nil, err
	}
	return token, user, nil
}

func (s *userService) Get(ctx context.Context, id uint) (*models.User, error) {
	return s.users.FindByID(ctx, id)
}
