package middleware

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// RateLimiter is a fixed-window request limiter keyed by client IP.
//
// TODO: counters live in process memory and are never evicted, so every
// instance enforces its own limit and the map grows with each new client IP.
// Move the counters to a shared store with expiry before running more than
// one replica.
type RateLimiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	clients map[string]*counter
	now     func() time.Time
}

type counter struct {
	start time.Time
	count int
}

// NewRateLimiter allows limit requests per client in every window.
func NewRateLimiter(limit int, every time.Duration) *RateLimiter {
	return &RateLimiter{
		limit:   limit,
		window:  every,
		clients: make(map[string]*counter),
		now:     time.Now,
	}
}

// Allow records one request for key and reports whether it is within the
// limit, how many requests are left and when the current window resets.
func (rl *RateLimiter) Allow(key string) (ok bool, remaining int, reset time.Time) {
	rl.mu.Lock()
	defer rl.mu.Unlock()

	now := rl.now()
	w, found := rl.clients[key]
	if !found || now.Sub(w.start) >= rl.window {
		w = &counter{start: now}
		rl.clients[key] = w
	}
	reset = w.start.Add(rl.window)

	if w.count >= rl.limit {
		return false, 0, reset
	}
	w.count++
	return true, rl.limit - w.count, reset
}

// Middleware enforces the limit and sets the X-RateLimit-* headers.
func (rl *RateLimiter) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		ok, remaining, reset := rl.Allow(c.ClientIP())

		c.Header("X-RateLimit-Limit", strconv.Itoa(rl.limit))
		c.Header("X-RateLimit-Remaining", strconv.Itoa(remaining))
		c.Header("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))

		if !ok {
			retryAfter := int(reset.Sub(rl.now()).Seconds()) + 1
			c.Header("Retry-After", strconv.Itoa(retryAfter))
			c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "rate limit exceeded"})
			return
		}
		c.Next()
	}
}
