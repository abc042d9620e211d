package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

func TestAllowResetsAfterWindow(t *testing.T) {
	rl := NewRateLimiter(2, time.Minute)
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	rl.now = func() time.Time { return now }

	ok, remaining, _ := rl.Allow("10.0.0.1")
	assert.True(t, ok)
	assert.Equal(t, 1, remaining)

	ok, remaining, _ = rl.Allow("10.0.0.1")
	assert.True(t, ok)
	assert.Equal(t, 0, remaining)

	ok, _, reset := rl.Allow("10.0.0.1")
	assert.False(t, ok)
	assert.Equal(t, now.Add(time.Minute), reset)

	ok, _, _ = rl.Allow("10.0.0.2")
	assert.True(t, ok, "limits are per client")

	now = now.Add(time.Minute)
	ok, remaining, _ = rl.Allow("10.0.0.1")
	assert.True(t, ok, "a new window starts after the old one ends")
	assert.Equal(t, 1, remaining)
}

func TestMiddlewareRejectsOverLimit(t *testing.T) {
	gin.SetMode(gin.TestMode)
	router := gin.New()
	router.Use(NewRateLimiter(1, time.Minute).Middleware())
	router.GET("/ping", func(c *gin.Context) { c.String(http.StatusOK, "pong") })

	first := httptest.NewRecorder()
	router.ServeHTTP(first, httptest.NewRequest(http.MethodGet, "/ping", nil))
	assert.Equal(t, http.StatusOK, first.Code)
	assert.Equal(t, "1", first.Header().Get("X-RateLimit-Limit"))
	assert.Equal(t, "0", first.Header().Get("X-RateLimit-Remaining"))

	second := httptest.NewRecorder()
	router.ServeHTTP(second, httptest.NewRequest(http.MethodGet, "/ping", nil))
	assert.Equal(t, http.StatusTooManyRequests, second.Code)
	assert.NotEmpty(t, second.Header().Get("Retry-After"))
}
