from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import Item


class ItemRepository:
    def __init__(self, db: Session) -> None:
        self.db = db

    def get(self, item_id: int) -> Item | None:
        stmt = select(Item).options(selectinload(Item.stock_levels)).where(Item.id == item_id)
        return self.db.scalars(stmt).one_or_none()

    def get_by_sku(self, sku: str) -> Item | None:
        return self.db.scalars(select(Item).where(Item.sku == sku)).one_or_none()

    def list(self, *, search: str | None, limit: int, offset: int) -> tuple[Sequence[Item], int]:
        stmt = select(Item)
        if search:
            stmt = stmt.where(Item.name.ilike(f"%{search}%"))
        total = self.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = self.db.scalars(
            stmt.options(selectinload(Item.stock_levels))
            .order_by(Item.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return items, total

    def add(self, item: Item) -> Item:
        self.db.add(item)
        self.db.flush()
        return item

    def delete(self, item: Item) -> None:
        self.db.delete(item)
        self.db.flush()
