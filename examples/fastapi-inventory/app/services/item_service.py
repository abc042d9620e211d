from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.core.exceptions import ConflictError, NotFoundError
from app.models import Item, StockLevel
from app.repositories.item_repository import ItemRepository
from app.repositories.stock_level_repository import StockLevelRepository
from app.schemas.item import ItemCreate, ItemUpdate


class ItemService:
    """Catalogue of stock-keeping items. Owns the transaction: commits on success."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.items = ItemRepository(db)
        self.stock = StockLevelRepository(db)

    def list_items(
        self, *, search: str | None = None, limit: int | None = None, offset: int = 0
    ) -> tuple[Sequence[Item], int, int]:
        settings = get_settings()
        limit = min(limit or settings.default_page_size, settings.max_page_size)
        items, total = self.items.list(search=search, limit=limit, offset=max(offset, 0))
        return items, total, limit

    def get_item(self, item_id: int) -> Item:
        item = self.items.get(item_id)
        if item is None:
            raise NotFoundError(f"item {item_id} not found")
        return item

    def create_item(self, data: ItemCreate) -> Item:
        sku = data.sku.upper()
        if self.items.get_by_sku(sku) is not None:
            raise ConflictError(f"item with sku {sku} already exists")
        item = self.items.add(Item(**data.model_dump(exclude={"sku"}), sku=sku))
        self.db.commit()
        return item

    def update_item(self, item_id: int, data: ItemUpdate) -> Item:
        item = self.get_item(item_id)
        for field, value in data.model_dump(exclude_unset=True).items():
            setattr(item, field, value)
        self.db.commit()
        return item

    def delete_item(self, item_id: int) -> None:
        item = self.get_item(item_id)
        self.items.delete(item)
        self.db.commit()

    def stock_levels(self, item_id: int) -> Sequence[StockLevel]:
        self.get_item(item_id)
        return self.stock.list_for_item(item_id)
