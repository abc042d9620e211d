from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.core.exceptions import InsufficientStockError, NotFoundError
from app.schemas.item import ItemCreate
from app.schemas.warehouse import WarehouseCreate
from app.services.item_service import ItemService
from app.services.warehouse_service import WarehouseService


@pytest.fixture
def service(db_session: Session) -> WarehouseService:
    return WarehouseService(db_session)


def test_adjust_stock_creates_level_on_first_use(
    db_session: Session, service: WarehouseService
) -> None:
    item = ItemService(db_session).create_item(
        ItemCreate(sku="CABLE-2M", name="Cable 2m", unit_price=Decimal("4.90"))
    )
    warehouse = service.create_warehouse(
        WarehouseCreate(code="HAM-1", name="Hamburg", city="Hamburg")
    )

    level = service.adjust_stock(warehouse.id, item.id, 7)

    assert level.quantity == 7
    assert service.adjust_stock(warehouse.id, item.id, -2).quantity == 5


def test_adjust_stock_rejects_overdraw(db_session: Session, service: WarehouseService) -> None:
    item = ItemService(db_session).create_item(
        ItemCreate(sku="CABLE-2M", name="Cable 2m", unit_price=Decimal("4.90"))
    )
    warehouse = service.create_warehouse(
        WarehouseCreate(code="HAM-1", name="Hamburg", city="Hamburg")
    )

    with pytest.raises(InsufficientStockError):
        service.adjust_stock(warehouse.id, item.id, -1)


def test_unknown_warehouse_is_not_found(service: WarehouseService) -> None:
    with pytest.raises(NotFoundError):
        service.set_stock(404, 1, 10)
