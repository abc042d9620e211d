from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.core.exceptions import ConflictError, InsufficientStockError, NotFoundError
from app.models import StockLevel, Warehouse
from app.repositories.item_repository import ItemRepository
from app.repositories.stock_level_repository import StockLevelRepository
from app.repositories.warehouse_repository import WarehouseRepository
from app.schemas.warehouse import WarehouseCreate


class WarehouseService:
    """Warehouses and the stock each one holds."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.warehouses = WarehouseRepository(db)
        self.items = ItemRepository(db)
        self.stock = StockLevelRepository(db)

    def list_warehouses(self) -> Sequence[Warehouse]:
        return self.warehouses.list()

    def get_warehouse(self, warehouse_id: int) -> Warehouse:
        warehouse = self.warehouses.get(warehouse_id)
        if warehouse is None:
            raise NotFoundError(f"warehouse {warehouse_id} not found")
        return warehouse

    def create_warehouse(self, data: WarehouseCreate) -> Warehouse:
        if self.warehouses.get_by_code(data.code) is not None:
            raise ConflictError(f"warehouse {data.code} already exists")
        warehouse = self.warehouses.add(Warehouse(**data.model_dump()))
        self.db.commit()
        return warehouse

    def set_stock(self, warehouse_id: int, item_id: int, quantity: int) -> StockLevel:
        level = self._level(warehouse_id, item_id)
        level.quantity = quantity
        self.db.commit()
        return level

    def adjust_stock(self, warehouse_id: int, item_id: int, delta: int) -> StockLevel:
        level = self._level(warehouse_id, item_id)
        if level.quantity + delta < 0:
            self.db.rollback()
            raise InsufficientStockError(
                f"only {level.quantity} units of item {item_id} in warehouse {warehouse_id}"
            )
        level.quantity += delta
        self.db.commit()
        return level

    def _level(self, warehouse_id: int, item_id: int) -> StockLevel:
        self.get_warehouse(warehouse_id)
        if self.items.get(item_id) is None:
            raise NotFoundError(f"item {item_id} not found")
        level = self.stock.get_for_update(item_id, warehouse_id)
        if level is None:
            level = self.stock.add(
                StockLevel(item_id=item_id, warehouse_id=warehouse_id, quantity=0)
            )
        return level
