package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backend-planner/examples/go-gin-shop/internal/middleware"
	"github.com/backend-planner/examples/go-gin-shop/internal/models"
	"github.com/backend-planner/examples/go-gin-shop/internal/services"
)

// fakeProductService keeps products in a map; it implements services.ProductService.
type fakeProductService struct {
	products map[uint]*models.Product
}

func (f *fakeProductService) List(_ context.Context, _ string, limit, offset int) (*services.ProductPage, error) {
	page := &services.ProductPage{Limit: limit, Offset: offset, Total: int64(len(f.products))}
	for _, p := range f.products {
		page.Items = append(page.Items, *p)
	}
	return page, nil
}

func (f *fakeProductService) Get(_ context.Context, id uint) (*models.Product, error) {
	if p, ok := f.products[id]; ok {
		return p, nil
	}
	return nil, models.ErrNotFound
}

func (f *fakeProductService) Create(_ context.Context, in services.ProductInput) (*models.Product, error) {
	p := &models.Product{
		ID: uint(len(f.products) + 1), SKU: in.SKU, Name: in.Name,
		PriceCents: in.PriceCents, Currency: in.Currency, Stock: in.Stock,
	}
	f.products[p.ID] = p
	return p, nil
}

func (f *fakeProductService) Update(ctx context.Context, id uint, in services.ProductInput) (*models.Product, error) {
	p, err := f.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Name, p.PriceCents = in.Name, in.PriceCents
	return p, nil
}

func (f *fakeProductService) Delete(_ context.Context, id uint) error {
	if _, ok := f.products[id]; !ok {
		return models.ErrNotFound
	}
	delete(f.products, id)
	return nil
}

func (f *fakeProductService) AdjustStock(ctx context.Context, id uint, delta int) (*models.Product, error) {
	p, err := f.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Stock+delta < 0 {
		return nil, models.ErrInsufficientStock
	}
	p.Stock += delta
	return p, nil
}

func newProductRouter(svc services.ProductService) *gin.Engine {
	gin.SetMode(gin.TestMode)
	router := gin.New()
	router.Use(middleware.ErrorHandler())

	h := NewProductHandler(svc)
	router.GET("/products/:id", h.Get)
	router.POST("/products", h.Create)
	router.DELETE("/products/:id", h.Delete)
	router.POST("/products/:id/stock", h.AdjustStock)
	return router
}

func TestGetProduct(t *testing.T) {
	svc := &fakeProductService{products: map[uint]*models.Product{
		1: {ID: 1, SKU: "MUG-01", Name: "Mug", PriceCents: 1200, Currency: "USD", Stock: 3},
	}}
	router := newProductRouter(svc)

	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/products/1", nil))
	require.Equal(t, http.StatusOK, rec.Code)

	var got models.Product
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, "MUG-01", got.SKU)

	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/products/99", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)

	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/products/abc", nil))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
}

func TestCreateProductValidatesBody(t *testing.T) {
	router := newProductRouter(&fakeProductService{products: map[uint]*models.Product{}})

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/products", strings.NewReader(`{"name":"Mug"}`))
	req.Header.Set("Content-Type", "application/json")
	router.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusBadRequest, rec.Code)

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/products",
		strings.NewReader(`{"sku":"MUG-01","name":"Mug","price_cents":1200,"currency":"USD","stock":5}`))
	req.Header.Set("Content-Type", "application/json")
	router.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusCreated, rec.Code)
}

func TestAdjustStockRejectsOversell(t *testing.T) {
	svc := &fakeProductService{products: map[uint]*models.Product{
		1: {ID: 1, SKU: "MUG-01", Name: "Mug", Stock: 2},
	}}
	router := newProductRouter(svc)

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/products/1/stock", strings.NewReader(`{"delta":-5}`))
	req.Header.Set("Content-Type", "application/json")
	router.ServeHTTP(rec, req)

	assert.Equal(t, http.StatusConflict, rec.Code)
	assert.Equal(t, 2, svc.products[1].Stock)
}

func TestDeleteProduct(t *testing.T) {
	svc := &fakeProductService{products: map[uint]*models.Product{1: {ID: 1, SKU: "MUG-01", Name: "Mug"}}}
	router := newProductRouter(svc)

	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/products/1", nil))
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Empty(t, svc.products)
}
