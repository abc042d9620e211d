from fastapi import APIRouter

from app.api.v1 import items, warehouses

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(items.router)
api_router.include_router(warehouses.router)
