from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from app.core.database import get_db
from app.services.item_service import ItemService
from app.services.warehouse_service import WarehouseService

DbSession = Annotated[Session, Depends(get_db)]


def get_item_service(db: DbSession) -> ItemService:
    return ItemService(db)


def get_warehouse_service(db: DbSession) -> WarehouseService:
    return WarehouseService(db)


ItemServiceDep = Annotated[ItemService, Depends(get_item_service)]
WarehouseServiceDep = Annotated[WarehouseService, Depends(get_warehouse_service)]
