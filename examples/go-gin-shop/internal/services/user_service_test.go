package services

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/backend-planner/examples/go-gin-shop/internal/models"
)

// memoryUserRepository is an in-memory repository.UserRepository.
type memoryUserRepository struct {
	byID map[uint]*models.User
}

func newMemoryUserRepository() *memoryUserRepository {
	return &memoryUserRepository{byID: map[uint]*models.User{}}
}

func (r *memoryUserRepository) Create(_ context.Context, user *models.User) error {
	for _, u := range r.byID {
		if u.Email == user.Email {
			return models.ErrConflict
		}
	}
	user.ID = uint(len(r.byID) + 1)
	r.byID[user.ID] = user
	return nil
}

func (r *memoryUserRepository) FindByID(_ context.Context, id uint) (*models.User, error) {
	if u, ok := r.byID[id]; ok {
		return u, nil
	}
	return nil, models.ErrNotFound
}

func (r *memoryUserRepository) FindByEmail(_ context.Context, email string) (*models.User, error) {
	for _, u := range r.byID {
		if u.Email == strings.ToLower(email) {
			return u, nil
		}
	}
	return nil, models.ErrNotFound
}

func newTestUserService() (*userService, *TokenService) {
	tokens := NewTokenService("test-secret", time.Hour)
	return &userService{users: newMemoryUserRepository(), tokens: tokens, hashCost: bcrypt.MinCost}, tokens
}

func TestRegisterHashesPasswordAndDefaultsRole(t *testing.T) {
	svc, _ := newTestUserService()

	user, err := svc.Register(context.Background(), RegisterInput{
		Email: "Ada@Example.com", Name: "Ada", Password: "correct horse",
	})
	require.NoError(t, err)

	assert.Equal(t, "ada@example.com", user.Email)
	assert.Equal(t, models.RoleCustomer, user.Role)
	assert.NotEqual(t, "correct horse", user.PasswordHash)
	assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte("correct horse")))
}

func TestRegisterRejectsDuplicateEmail(t *testing.T) {
	svc, _ := newTestUserService()
	in := RegisterInput{Email: "ada@example.com", Name: "Ada", Password: "correct horse"}

	_, err := svc.Register(context.Background(), in)
	require.NoError(t, err)

	_, err = svc.Register(context.Background(), in)
	assert.ErrorIs(t, err, models.ErrConflict)
}

func TestRegisterRejectsShortPassword(t *testing.T) {
	svc, _ := newTestUserService()

	_, err := svc.Register(context.Background(), RegisterInput{Email: "a@b.c", Name: "A", Password: "short"})
	assert.ErrorIs(t, err, models.ErrValidation)
}

func TestLoginIssuesTokenForValidCredentials(t *testing.T) {
	svc, tokens := newTestUserService()
	ctx := context.Background()
	_, err := svc.Register(ctx, RegisterInput{Email: "ada@example.com", Name: "Ada", Password: "correct horse"})
	require.NoError(t, err)

	token, user, err := svc.Login(ctx, "ada@example.com", "correct horse")
	require.NoError(t, err)

	claims, err := tokens.Parse(token)
	require.NoError(t, err)
	assert.Equal(t, user.ID, claims.UserID)
	assert.Equal(t, models.RoleCustomer, claims.Role)
}

func TestLoginRejectsWrongPasswordAndUnknownEmail(t *testing.T) {
	svc, _ := newTestUserService()
	ctx := context.Background()
	_, err := svc.Register(ctx, RegisterInput{Email: "ada@example.com", Name: "Ada", Password: "correct horse"})
	require.NoError(t, err)

	_, _, err = svc.Login(ctx, "ada@example.com", "wrong password")
	assert.ErrorIs(t, err, models.ErrInvalidCredentials)

	_, _, err = svc.Login(ctx, "nobody@example.com", "correct horse")
	assert.ErrorIs(t, err, models.ErrInvalidCredentials)
}
