package handlers

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/backend-planner/examples/go-gin-shop/internal/middleware"
	"github.com/backend-planner/examples/go-gin-shop/internal/models"
	"github.com/backend-planner/examples/go-gin-shop/internal/services"
)

type registerRequest struct {
	Email    string `json:"email" binding:"required,email"`
	Name     string `json:"name" binding:"required"`
	Password string `json:"password" binding:"required"`
}

type loginRequest struct {
	Email    string `json:"email" binding:"required,email"`
	Password string `json:"password" binding:"required"`
}

type loginResponse struct {
	Token string       `json:"token"`
	User  *models.User `json:"user"`
}

// UserHandler serves registration, login and user lookups.
type UserHandler struct {
	users services.UserService
}

// NewUserHandler returns a UserHandler backed by users.
func NewUserHandler(users services.UserService) *UserHandler {
	return &UserHandler{users: users}
}

// Register handles POST /api/v1/users.
func (h *UserHandler) Register(c *gin.Context) {
	var req registerRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		_ = c.Error(fmt.Errorf("%w: %s", models.ErrValidation, err.Error()))
		return
	}

	user, err := h.users.Register(c.Request.Context(), services.RegisterInput{
		Email:    req.Email,
		Name:     req.Name,
		Password: req.Password,
	})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, user)
}

// Login handles POST /api/v1/auth/login.
func (h *UserHandler) Login(c *gin.Context) {
	var req loginRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		_ = c.Error(fmt.Errorf("%w: %s", models.ErrValidation, err.Error()))
		return
	}

	token, user, err := h.users.Login(c.Request.Context(), req.Email, req.Password)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, loginResponse{Token: token, User: user})
}

// Me handles GET /api/v1/users/me.
func (h *UserHandler) Me(c *gin.Context) {
	id, ok := middleware.UserID(c)
	if !ok {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "not authenticated"})
		return
	}
	h.respondWithUser(c, id)
}

// Get handles GET /api/v1/users/:id (admins only).
func (h *UserHandler) Get(c *gin.Context) {
	id, err := parseID(c.Param("id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	h.respondWithUser(c, id)
}

func (h *UserHandler) respondWithUser(c *gin.Context, id uint) {
	user, err := h.users.Get(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, user)
}
