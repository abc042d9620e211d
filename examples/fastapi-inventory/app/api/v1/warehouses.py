from fastapi import APIRouter, status

from app.api.deps import WarehouseServiceDep
from app.schemas.stock import StockAdjust, StockLevelRead, StockSet
from app.schemas.warehouse import WarehouseCreate, WarehouseRead

router = APIRouter(prefix="/warehouses", tags=["warehouses"])


@router.get("", response_model=list[WarehouseRead])
def list_warehouses(service: WarehouseServiceDep) -> list[WarehouseRead]:
    return [WarehouseRead.model_validate(w) for w in service.list_warehouses()]


@router.post("", response_model=WarehouseRead, status_code=status.HTTP_201_CREATED)
def create_warehouse(payload: WarehouseCreate, service: WarehouseServiceDep) -> WarehouseRead:
    return WarehouseRead.model_validate(service.create_warehouse(payload))


@router.get("/{warehouse_id}", response_model=WarehouseRead)
def get_warehouse(warehouse_id: int, service: WarehouseServiceDep) -> WarehouseRead:
    return WarehouseRead.model_validate(service.get_warehouse(warehouse_id))


@router.put("/{warehouse_id}/stock/{item_id}", response_model=StockLevelRead)
def set_stock(
    warehouse_id: int, item_id: int, payload: StockSet, service: WarehouseServiceDep
) -> StockLevelRead:
    return StockLevelRead.model_validate(service.set_stock(warehouse_id, item_id, payload.quantity))


@router.post("/{warehouse_id}/stock/{item_id}/adjust", response_model=StockLevelRead)
def adjust_stock(
    warehouse_id: int, item_id: int, payload: StockAdjust, service: WarehouseServiceDep
) -> StockLevelRead:
    return StockLevelRead.model_validate(service.adjust_stock(warehouse_id, item_id, payload.delta))
