package repository

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/backend-planner/examples/go-gin-shop/internal/models"
)

// ProductFilter narrows a product listing.
type ProductFilter struct {
	Search string
	Limit  int
	Offset int
}

// ProductRepository stores and loads catalogue products.
type ProductRepository interface {
	List(ctx context.Context, filter ProductFilter) ([]models.Product, int64, error)
	FindByID(ctx context.Context, id uint) (*models.Product, error)
	Create(ctx context.Context, product *models.Product) error
	Update(ctx context.Context, product *models.Product) error
	Delete(ctx context.Context, id uint) error
	AdjustStock(ctx context.Context, id uint, delta int) (*models.Product, error)
}

type productRepository struct {
	db *gorm.DB
}

// NewProductRepository returns a gorm-backed ProductRepository.
func NewProductRepository(db *gorm.DB) ProductRepository {
	return &productRepository{db: db}
}

func (r *productRepository) List(ctx context.Context, filter ProductFilter) ([]models.Product, int64, error) {
	query := r.db.WithContext(ctx).Model(&models.Product{})
	if filter.Search != "" {
		query = query.Where("name ILIKE ?", "%"+filter.Search+"%")
	}

	var total int64
	if err := query.Count(&total).Error; err != nil {
		return nil, 0, translateError(err)
	}

	var products []models.Product
	err := query.Order("id").Limit(filter.Limit).Offset(filter.Offset).Find(&products).Error
	if err != nil {
		return nil, 0, translateError(err)
	}
	return products, total, nil
}

func (r *productRepository) FindByID(ctx context.Context, id uint) (*models.Product, error) {
	var product models.Product
	if err := r.db.WithContext(ctx).First(&product, id).Error; err != nil {
		return nil, translateError(err)
	}
	return &product, nil
}

func (r *productRepository) Create(ctx context.Context, product *models.Product) error {
	return translateError(r.db.WithContext(ctx).Create(product).Error)
}

func (r *productRepository) Update(ctx context.Context, product *models.Product) error {
	result := r.db.WithContext(ctx).Model(product).Select("*").Omit("created_at").Updates(product)
	if result.Error != nil {
		return translateError(result.Error)
	}
	if result.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

func (r *productRepository) Delete(ctx context.Context, id uint) error {
	result := r.db.WithContext(ctx).Delete(&models.Product{}, id)
	if result.Error != nil {
		return translateError(result.Error)
	}
	if result.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

// AdjustStock adds delta (negative to take stock) inside a transaction with
// a row lock, so concurrent orders cannot oversell.
func (r *productRepository) AdjustStock(ctx context.Context, id uint, delta int) (*models.Product, error) {
	var product models.Product
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&product, id).Error; err != nil {
			return translateError(err)
		}
		if product.Stock+delta < 0 {
			return models.ErrInsufficientStock
		}
		product.Stock += delta
		return translateError(tx.Model(&product).Update("stock", product.Stock).Error)
	})
	if err != nil {
		return nil, err
	}
	return &product, nil
}
