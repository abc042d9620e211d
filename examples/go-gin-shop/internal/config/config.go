// Package config loads the API's settings from environment variables.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config holds every setting the API reads at start-up.
type Config struct {
	Port              string
	DatabaseURL       string
	MigrationsDir     string
	AutoMigrate       bool
	JWTSecret         string
	TokenTTL          time.Duration
	RateLimitRequests int
	RateLimitWindow   time.Duration
}

// Load reads the configuration from the environment, applying defaults
// for everything except the secrets.
func Load() (Config, error) {
	cfg := Config{
		Port:          getenv("PORT", "8080"),
		DatabaseURL:   os.Getenv("DATABASE_URL"),
		MigrationsDir: getenv("MIGRATIONS_DIR", "migrations"),
		JWTSecret:     os.Getenv("JWT_SECRET"),
	}

	var err error
	if cfg.AutoMigrate, err = strconv.ParseBool(getenv("AUTO_MIGRATE", "false")); err != nil {
		return Config{}, fmt.Errorf("AUTO_MIGRATE: %w", err)
	}
	if cfg.TokenTTL, err = time.ParseDuration(getenv("TOKEN_TTL", "24h")); err != nil {
		return Config{}, fmt.Errorf("TOKEN_TTL: %w", err)
	}
	if cfg.RateLimitRequests, err = strconv.Atoi(getenv("RATE_LIMIT_REQUESTS", "100")); err != nil {
		return Config{}, fmt.Errorf("RATE_LIMIT_REQUESTS: %w", err)
	}
	if cfg.RateLimitWindow, err = time.ParseDuration(getenv("RATE_LIMIT_WINDOW", "1m")); err != nil {
		return Config{}, fmt.Errorf("RATE_LIMIT_WINDOW: %w", err)
	}

	if cfg.DatabaseURL == "" {
		return Config{}, errors.New("DATABASE_URL is required")
	}
	if cfg.JWTSecret == "" {
		return Config{}, errors.New("JWT_SECRET is required")
	}
	if cfg.RateLimitRequests <= 0 {
		return Config{}, errors.New("RATE_LIMIT_REQUESTS must be positive")
	}
	return cfg, nil
}

func getenv(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return fallback
}
