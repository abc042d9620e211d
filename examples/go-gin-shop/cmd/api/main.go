// Command api serves the shop's HTTP API.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/backend-planner/examples/go-gin-shop/internal/config"
	"github.com/backend-planner/examples/go-gin-shop/internal/database"
	"github.com/backend-planner/examples/go-gin-shop/internal/handlers"
	"github.com/backend-planner/examples/go-gin-shop/internal/middleware"
	"github.com/backend-planner/examples/go-gin-shop/internal/repository"
	"github.com/backend-planner/examples/go-gin-shop/internal/routes"
	"github.com/backend-planner/examples/go-gin-shop/internal/services"
)

func main() {
	if err := run(); err != nil {
		slog.Error("api stopped", "error", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}

	if cfg.AutoMigrate {
		if err := database.Migrate(cfg.DatabaseURL, cfg.MigrationsDir); err != nil {
			return err
		}
	}

	db, err := database.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	defer sqlDB.Close()

	tokens := services.NewTokenService(cfg.JWTSecret, cfg.TokenTTL)
	userService := services.NewUserService(repository.NewUserRepository(db), tokens)
	productService := services.NewProductService(repository.NewProductRepository(db))

	router := gin.New()
	router.Use(gin.Logger(), gin.Recovery(), middleware.ErrorHandler())
	routes.Register(router, routes.Handlers{
		Health:   handlers.NewHealthHandler(sqlDB),
		Users:    handlers.NewUserHandler(userService),
		Products: handlers.NewProductHandler(productService),
	}, tokens, middleware.NewRateLimiter(cfg.RateLimitRequests, cfg.RateLimitWindow))

	srv := &http.Server{
		Addr:              ":" + cfg.Port,
		Handler:           router,
		ReadHeaderTimeout: 5 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	errCh := make(chan error, 1)
	go func() {
		slog.Info("listening", "addr", srv.Addr)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errCh <- err
		}
		close(errCh)
	}()

	select {
	case err := <-errCh:
		return err
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
