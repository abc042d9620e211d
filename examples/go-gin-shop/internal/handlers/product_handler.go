package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/backend-planner/examples/go-gin-shop/internal/models"
	"github.com/backend-planner/examples/go-gin-shop/internal/services"
)

type productRequest struct {
	SKU         string `json:"sku" binding:"required"`
	Name        string `json:"name" binding:"required"`
	Description string `json:"description"`
	PriceCents  int64  `json:"price_cents" binding:"gte=0"`
	Currency    string `json:"currency"`
	Stock       int    `json:"stock" binding:"gte=0"`
}

func (r productRequest) toInput() services.ProductInput {
	return services.ProductInput{
		SKU:         r.SKU,
		Name:        r.Name,
		Description: r.Description,
		PriceCents:  r.PriceCents,
		Currency:    r.Currency,
		Stock:       r.Stock,
	}
}

type stockRequest struct {
	Delta int `json:"delta" binding:"required"`
}

// ProductHandler serves the product catalogue.
type ProductHandler struct {
	products services.ProductService
}

// NewProductHandler returns a ProductHandler backed by products.
func NewProductHandler(products services.ProductService) *ProductHandler {
	return &ProductHandler{products: products}
}

// List handles GET /api/v1/products?q=&limit=&offset=.
func (h *ProductHandler) List(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "0"))
	offset, _ := strconv.Atoi(c.DefaultQuery("offset", "0"))

	page, err := h.products.List(c.Request.Context(), c.Query("q"), limit, offset)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// Get handles GET /api/v1/products/:id.
func (h *ProductHandler) Get(c *gin.Context) {
	id, err := parseID(c.Param("id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	product, err := h.products.Get(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, product)
}

// Create handles POST /api/v1/products (admins only).
func (h *ProductHandler) Create(c *gin.Context) {
	var req productRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		_ = c.Error(fmt.Errorf("%w: %s", models.ErrValidation, err.Error()))
		return
	}
	product, err := h.products.Create(c.Request.Context(), req.toInput())
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, product)
}

// Update handles PUT /api/v1/products/:id (admins only).
func (h *ProductHandler) Update(c *gin.Context) {
	id, err := parseID(c.Param("id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	var req productRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		_ = c.Error(fmt.Errorf("%w: %s", models.ErrValidation, err.Error()))
		return
	}
	product, err := h.products.Update(c.Request.Context(), id, req.toInput())
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, product)
}

// Delete handles DELETE /api/v1/products/:id (admins only).
func (h *ProductHandler) Delete(c *gin.Context) {
	id, err := parseID(c.Param("id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := h.products.Delete(c.Request.Context(), id); err != nil {
		_ = c.Error(err)
		return
	}
	c.Status(http.StatusNoContent)
}

// AdjustStock handles POST /api/v1/products/:id/stock (admins only).
func (h *ProductHandler) AdjustStock(c *gin.Context) {
	id, err := parseID(c.Param("id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	var req stockRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		_ = c.Error(fmt.Errorf("%w: %s", models.ErrValidation, err.Error()))
		return
	}
	product, err := h.products.AdjustStock(c.Request.Context(), id, req.Delta)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, product)
}

// parseID reads a positive numeric path parameter.
func parseID(raw string) (uint, error) {
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%w: invalid id %q", models.ErrValidation, raw)
	}
	return uint(id), nil
}
