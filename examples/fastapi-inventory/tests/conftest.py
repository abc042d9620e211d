from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app.core.database import get_db
from app.main import app
from app.models import Base


@pytest.fixture
def engine() -> Iterator[Engine]:
    """A fresh in-memory SQLite database per test, schema from the models."""
    engine = create_engine(
        "sqlite+pysqlite://",
        connect_args={"check_same_thread": False},
        poolclass=StaticPool,
    )

    @event.listens_for(engine, "connect")
    def _enable_foreign_keys(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    factory = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)
    with factory() as session:
        yield session


@pytest.fixture
def client(db_session: Session) -> Iterator[TestClient]:
    app.dependency_overrides[get_db] = lambda: db_session
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


@pytest.fixture
def make_item(client: TestClient):  # type: ignore[no-untyped-def]
    def _make(sku: str = "BOLT-M8", name: str = "M8 bolt", unit_price: str = "0.35") -> dict:
        response = client.post(
            "/api/v1/items", json={"sku": sku, "name": name, "unit_price": unit_price}
        )
        assert response.status_code == 201, response.text
        return response.json()

    return _make


@pytest.fixture
def make_warehouse(client: TestClient):  # type: ignore[no-untyped-def]
    def _make(code: str = "BER-1", name: str = "Berlin North", city: str = "Berlin") -> dict:
        response = client.post(
            "/api/v1/warehouses", json={"code": code, "name": name, "city": city}
        )
        assert response.status_code == 201, response.text
        return response.json()

    return _make
