from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class WarehouseCreate(BaseModel):
    code: str = Field(min_length=2, max_length=16, pattern=r"^[A-Z0-9-]+$")
    name: str = Field(min_length=1, max_length=255)
    city: str = Field(min_length=1, max_length=128)


class WarehouseRead(WarehouseCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
