// Package routes registers every HTTP route of the API in one place.
package routes

import (
	"github.com/gin-gonic/gin"

	"github.com/backend-planner/examples/go-gin-shop/internal/handlers"
	"github.com/backend-planner/examples/go-gin-shop/internal/middleware"
	"github.com/backend-planner/examples/go-gin-shop/internal/models"
	"github.com/backend-planner/examples/go-gin-shop/internal/services"
)

// Handlers bundles the handler structs the routes dispatch to.
type Handlers struct {
	Health   *handlers.HealthHandler
	Users    *handlers.UserHandler
	Products *handlers.ProductHandler
}

// Register mounts the probes at the root and the API under /api/v1.
func Register(r *gin.Engine, h Handlers, tokens *services.TokenService, limiter *middleware.RateLimiter) {
	r.GET("/healthz", h.Health.Live)
	r.GET("/readyz", h.Health.Ready)

	v1 := r.Group("/api/v1")
	v1.Use(limiter.Middleware())

	// Public endpoints.
	v1.POST("/users", h.Users.Register)
	v1.POST("/auth/login", h.Users.Login)
	v1.GET("/products", h.Products.List)
	v1.GET("/products/:id", h.Products.Get)

	// Authenticated endpoints.
	authed := v1.Group("")
	authed.Use(middleware.Auth(tokens))
	authed.GET("/users/me", h.Users.Me)

	// Admin-only endpoints.
	admin := authed.Group("")
	admin.Use(middleware.RequireRole(models.RoleAdmin))
	admin.GET("/users/:id", h.Users.Get)
	admin.POST("/products", h.Products.Create)
	admin.PUT("/products/:id", h.Products.Update)
	admin.DELETE("/products/:id", h.Products.Delete)
	admin.POST("/products/:id/stock", h.Products.AdjustStock)
}
