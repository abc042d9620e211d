"""SQLAlchemy models. Importing this package registers every table on Base.metadata
(alembic/env.py relies on that for autogenerate)."""

from app.models.base import Base
from app.models.item import Item
from app.models.stock_level import StockLevel
from app.models.warehouse import Warehouse

__all__ = ["Base", "Item", "StockLevel", "Warehouse"]
