from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import StockLevel


class StockLevelRepository:
    def __init__(self, db: Session) -> None:
        self.db = db

    def get_for_update(self, item_id: int, warehouse_id: int) -> StockLevel | None:
        """Row-locks the level (SELECT ... FOR UPDATE) so concurrent adjustments serialize."""
        stmt = (
            select(StockLevel)
            .where(StockLevel.item_id == item_id, StockLevel.warehouse_id == warehouse_id)
            .with_for_update()
        )
        return self.db.scalars(stmt).one_or_none()

    def list_for_item(self, item_id: int) -> Sequence[StockLevel]:
        stmt = (
            select(StockLevel)
            .where(StockLevel.item_id == item_id)
            .order_by(StockLevel.warehouse_id)
        )
        return self.db.scalars(stmt).all()

    def add(self, level: StockLevel) -> StockLevel:
        self.db.add(level)
        self.db.flush()
        return level
