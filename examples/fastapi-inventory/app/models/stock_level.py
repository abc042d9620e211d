from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

if TYPE_CHECKING:
    from app.models.item import Item
    from app.models.warehouse import Warehouse


class StockLevel(Base):
    """Quantity of one item held in one warehouse."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("item_id", "warehouse_id", name="uq_stock_levels_item_warehouse"),
        CheckConstraint("quantity >= 0", name="ck_stock_levels_quantity_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )

    item: Mapped[Item] = relationship(back_populates="stock_levels")
    warehouse: Mapped[Warehouse] = relationship(back_populates="stock_levels")
