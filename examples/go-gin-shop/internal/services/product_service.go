package services

import (
	"context"
	"fmt"
	"strings"

	"github.com/backend-planner/examples/go-gin-shop/internal/models"
	"github.com/backend-planner/examples/go-gin-shop/internal/repository"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// ProductInput is the writable part of a product.
type ProductInput struct {
	SKU         string
	Name        string
	Description string
	PriceCents  int64
	Currency    string
	Stock       int
}

// ProductPage is one page of a product listing.
type ProductPage struct {
	Items  []models.Product `json:"items"`
	Total  int64            `json:"total"`
	Limit  int              `json:"limit"`
	Offset int              `json:"offset"`
}

// ProductService manages the catalogue and its stock levels.
type ProductService interface {
	List(ctx context.Context, search string, limit, offset int) (*ProductPage, error)
	Get(ctx context.Context, id uint) (*models.Product, error)
	Create(ctx context.Context, in ProductInput) (*models.Product, error)
	Update(ctx context.Context, id uint, in ProductInput) (*models.Product, error)
	Delete(ctx context.Context, id uint) error
	AdjustStock(ctx context.Context, id uint, delta int) (*models.Product, error)
}

type productService struct {
	products repository.ProductRepository
}

// NewProductService wires a ProductService.
func NewProductService(products repository.ProductRepository) ProductService {
	return &productService{products: products}
}

func (s *productService) List(ctx context.Context, search string, limit, offset int) (*ProductPage, error) {
	if limit <= 0 {
		limit = defaultPageSize
	}
	if limit > maxPageSize {
		limit = maxPageSize
	}
	if offset < 0 {
		offset = 0
	}

	items, total, err := s.products.List(ctx, repository.ProductFilter{
		Search: strings.TrimSpace(search),
		Limit:  limit,
		Offset: offset,
	})
	if err != nil {
		return nil, err
	}
	return &ProductPage{Items: items, Total: total, Limit: limit, Offset: offset}, nil
}

func (s *productService) Get(ctx context.Context, id uint) (*models.Product, error) {
	return s.products.FindByID(ctx, id)
}

func (s *productService) Create(ctx context.Context, in ProductInput) (*models.Product, error) {
	if err := normalize(&in); err != nil {
		return nil, err
	}
	product := &models.Product{}
	apply(product, in)
	if err := s.products.Create(ctx, product); err != nil {
		return nil, err
	}
	return product, nil
}

func (s *productService) Update(ctx context.Context, id uint, in ProductInput) (*models.Product, error) {
	if err := normalize(&in); err != nil {
		return nil, err
	}
	product, err := s.products.FindByID(ctx, id)
	if err != nil {
		return nil, err
	}
	apply(product, in)
	if err := s.products.Update(ctx, product); err != nil {
		return nil, err
	}
	return product, nil
}

func (s *productService) Delete(ctx context.Context, id uint) error {
	return s.products.Delete(ctx, id)
}

func (s *productService) AdjustStock(ctx context.Context, id uint, delta int) (*models.Product, error) {
	if delta == 0 {
		return nil, fmt.Errorf("%w: delta must not be zero", models.ErrValidation)
	}
	return s.products.AdjustStock(ctx, id, delta)
}

func normalize(in *ProductInput) error {
	in.SKU = strings.ToUpper(strings.TrimSpace(in.SKU))
	in.Name = strings.TrimSpace(in.Name)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "USD"
	}

	switch {
	case in.SKU == "":
		return fmt.Errorf("%w: sku is required", models.ErrValidation)
	case in.Name == "":
		return fmt.Errorf("%w: name is required", models.ErrValidation)
	case in.PriceCents < 0:
		return fmt.Errorf("%w: price_cents must not be negative", models.ErrValidation)
	case len(in.Currency) != 3:
		return fmt.Errorf("%w: currency must be an ISO 4217 code", models.ErrValidation)
	case in.Stock < 0:
		return fmt.Errorf("%w: stock must not be negative", models.ErrValidation)
	}
	return nil
}

func apply(p *models.Product, in ProductInput) {
	p.SKU = in.SKU
	p.Name = in.Name
	p.Description = in.Description
	p.PriceCents = in.PriceCents
	p.Currency = in.Currency
	p.Stock = in.Stock
}
