from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Warehouse


class WarehouseRepository:
    def __init__(self, db: Session) -> None:
        self.db = db

    def get(self, warehouse_id: int) -> Warehouse | None:
        return self.db.get(Warehouse, warehouse_id)

    def get_by_code(self, code: str) -> Warehouse | None:
        return self.db.scalars(select(Warehouse).where(Warehouse.code == code)).one_or_none()

    def list(self) -> Sequence[Warehouse]:
        return self.db.scalars(select(Warehouse).order_by(Warehouse.code)).all()

    def add(self, warehouse: Warehouse) -> Warehouse:
        self.db.add(warehouse)
        self.db.flush()
        return warehouse
