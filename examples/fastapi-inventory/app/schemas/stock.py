from pydantic import BaseModel, ConfigDict, Field


class StockSet(BaseModel):
    quantity: int = Field(ge=0)


class StockAdjust(BaseModel):
    delta: int = Field(description="Units to add (positive) or remove (negative)")


class StockLevelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: int
    warehouse_id: int
    quantity: int
