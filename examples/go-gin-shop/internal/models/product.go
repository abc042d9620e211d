package models

import "time"

// Product is a catalogue entry (table products, migrations 000002 and 000003).
type Product struct {
	ID          uint      `gorm:"primaryKey" json:"id"`
	SKU         string    `gorm:"column:sku;size:64;not null;uniqueIndex" json:"sku"`
	Name        string    `gorm:"size:255;not null" json:"name"`
	Description string    `gorm:"not null;default:''" json:"description"`
	PriceCents  int64     `gorm:"not null" json:"price_cents"`
	Currency    string    `gorm:"size:3;not null;default:USD" json:"currency"`
	Stock       int       `gorm:"not null;default:0" json:"stock"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// InStock reports whether at least qty units can be sold.
func (p *Product) InStock(qty int) bool {
	return qty > 0 && p.Stock >= qty
}
