from fastapi.testclient import TestClient


def test_create_and_list_warehouses(client: TestClient, make_warehouse) -> None:
    make_warehouse(code="MUC-1", name="Munich", city="Munich")
    make_warehouse(code="BER-1", name="Berlin North", city="Berlin")

    response = client.get("/api/v1/warehouses")

    assert response.status_code == 200
    assert [w["code"] for w in response.json()] == ["BER-1", "MUC-1"]


def test_duplicate_warehouse_code_conflicts(client: TestClient, make_warehouse) -> None:
    make_warehouse(code="BER-1")

    response = client.post(
        "/api/v1/warehouses", json={"code": "BER-1", "name": "Again", "city": "Berlin"}
    )

    assert response.status_code == 409


def test_stock_is_tracked_per_warehouse(client: TestClient, make_item, make_warehouse) -> None:
    item = make_item()
    berlin = make_warehouse(code="BER-1")
    munich = make_warehouse(code="MUC-1", name="Munich", city="Munich")

    put = client.put(f"/api/v1/warehouses/{berlin['id']}/stock/{item['id']}", json={"quantity": 10})
    assert put.status_code == 200
    adjust = client.post(
        f"/api/v1/warehouses/{munich['id']}/stock/{item['id']}/adjust", json={"delta": 4}
    )
    assert adjust.json()["quantity"] == 4

    levels = client.get(f"/api/v1/items/{item['id']}/stock").json()
    assert {(lvl["warehouse_id"], lvl["quantity"]) for lvl in levels} == {
        (berlin["id"], 10),
        (munich["id"], 4),
    }
    assert client.get(f"/api/v1/items/{item['id']}").json()["total_quantity"] == 14


def test_adjust_stock_cannot_go_negative(client: TestClient, make_item, make_warehouse) -> None:
    item = make_item()
    warehouse = make_warehouse()
    url = f"/api/v1/warehouses/{warehouse['id']}/stock/{item['id']}"
    client.put(url, json={"quantity": 3})

    response = client.post(f"{url}/adjust", json={"delta": -5})

    assert response.status_code == 409
    assert client.get(f"/api/v1/items/{item['id']}/stock").json()[0]["quantity"] == 3
