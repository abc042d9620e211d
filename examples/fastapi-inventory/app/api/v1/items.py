from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import ItemServiceDep
from app.schemas.common import Page
from app.schemas.item import ItemCreate, ItemRead, ItemUpdate
from app.schemas.stock import StockLevelRead

router = APIRouter(prefix="/items", tags=["items"])


@router.get("", response_model=Page[ItemRead])
def list_items(
    service: ItemServiceDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ItemRead]:
    items, total, limit = service.list_items(search=q, limit=limit, offset=offset)
    return Page[ItemRead](
        items=[ItemRead.model_validate(item) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("", response_model=ItemRead, status_code=status.HTTP_201_CREATED)
def create_item(payload: ItemCreate, service: ItemServiceDep) -> ItemRead:
    return ItemRead.model_validate(service.create_item(payload))


@router.get("/{item_id}", response_model=ItemRead)
def get_item(item_id: int, service: ItemServiceDep) -> ItemRead:
    return ItemRead.model_validate(service.get_item(item_id))


@router.patch("/{item_id}", response_model=ItemRead)
def update_item(item_id: int, payload: ItemUpdate, service: ItemServiceDep) -> ItemRead:
    return ItemRead.model_validate(service.update_item(item_id, payload))


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: int, service: ItemServiceDep) -> None:
    service.delete_item(item_id)


@router.get("/{item_id}/stock", response_model=list[StockLevelRead])
def get_item_stock(item_id: int, service: ItemServiceDep) -> list[StockLevelRead]:
    return [StockLevelRead.model_validate(level) for level in service.stock_levels(item_id)]
