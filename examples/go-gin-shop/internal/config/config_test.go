package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadAppliesDefaults(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://localhost/shop")
	t.Setenv("JWT_SECRET", "secret")

	cfg, err := Load()
	require.NoError(t, err)

	assert.Equal(t, "8080", cfg.Port)
	assert.Equal(t, "migrations", cfg.MigrationsDir)
	assert.False(t, cfg.AutoMigrate)
	assert.Equal(t, 24*time.Hour, cfg.TokenTTL)
	assert.Equal(t, 100, cfg.RateLimitRequests)
	assert.Equal(t, time.Minute, cfg.RateLimitWindow)
}

func TestLoadRequiresSecrets(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://localhost/shop")
	t.Setenv("JWT_SECRET", "")

	_, err := Load()
	assert.EqualError(t, err, "JWT_SECRET is required")
}

func TestLoadRejectsBadDuration(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://localhost/shop")
	t.Setenv("JWT_SECRET", "secret")
	t.Setenv("RATE_LIMIT_WINDOW", "soon")

	_, err := Load()
	assert.ErrorContains(t, err, "RATE_LIMIT_WINDOW")
}
