// Package repository implements persistence on top of gorm. Every method
// translates gorm errors into the domain errors of package models.
package repository

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/backend-planner/examples/go-gin-shop/internal/models"
)

// UserRepository stores and loads users.
type UserRepository interface {
	Create(ctx context.Context, user *models.User) error
	FindByID(ctx context.Context, id uint) (*models.User, error)
	FindByEmail(ctx context.Context, email string) (*models.User, error)
}

type userRepository struct {
	db *gorm.DB
}

// NewUserRepository returns a gorm-backed UserRepository.
func NewUserRepository(db *gorm.DB) UserRepository {
	return &userRepository{db: db}
}

func (r *userRepository) Create(ctx context.Context, user *models.User) error {
	user.Email = strings.ToLower(user.Email)
	return translateError(r.db.WithContext(ctx).Create(user).Error)
}

func (r *userRepository) FindByID(ctx context.Context, id uint) (*models.User, error) {
	var user models.User
	if err := r.db.WithContext(ctx).First(&user, id).Error; err != nil {
		return nil, translateError(err)
	}
	return &user, nil
}

func (r *userRepository) FindByEmail(ctx context.Context, email string) (*models.User, error) {
	var user models.User
	err := r.db.WithContext(ctx).
		Where("lower(email) = ?", strings.ToLower(email)).
		First(&user).Error
	if err != nil {
		return nil, translateError(err)
	}
	return &user, nil
}

// translateError maps gorm's errors (TranslateError is enabled in
// database.Open) to the domain errors the services understand.
func translateError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return models.ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return models.ErrConflict
	default:
		return err
	}
}
