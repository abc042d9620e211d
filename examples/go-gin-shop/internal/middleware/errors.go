package middleware

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/backend-planner/examples/go-gin-shop/internal/models"
)

// ErrorHandler turns the last error a handler attached with c.Error into a
// JSON response, mapping the domain errors of package models to status codes.
func ErrorHandler() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()

		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors.Last().Err

		status := http.StatusInternalServerError
		switch {
		case errors.Is(err, models.ErrValidation):
			status = http.StatusBadRequest
		case errors.Is(err, models.ErrInvalidCredentials):
			status = http.StatusUnauthorized
		case errors.Is(err, models.ErrNotFound):
			status = http.StatusNotFound
		case errors.Is(err, models.ErrConflict), errors.Is(err, models.ErrInsufficientStock):
			status = http.StatusConflict
		}

		message := err.Error()
		if status == http.StatusInternalServerError {
			slog.Error("request failed", "method", c.Request.Method, "path", c.FullPath(), "error", err)
			message = "internal server error"
		}
		c.JSON(status, gin.H{"error": message})
	}
}
