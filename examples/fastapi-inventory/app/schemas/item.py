from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ItemBase(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    description: str = ""
    unit_price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class ItemCreate(ItemBase):
    sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class ItemUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = None
    unit_price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class ItemRead(ItemBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    total_quantity: int
    created_at: datetime
    updated_at: datetime
