from fastapi.testclient import TestClient


def test_create_item_normalises_sku(client: TestClient) -> None:
    response = client.post(
        "/api/v1/items", json={"sku": "bolt-m8", "name": "M8 bolt", "unit_price": "0.35"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["sku"] == "BOLT-M8"
    assert body["unit_price"] == "0.35"
    assert body["total_quantity"] == 0


def test_create_item_rejects_duplicate_sku(client: TestClient, make_item) -> None:
    make_item(sku="BOLT-M8")

    response = client.post(
        "/api/v1/items", json={"sku": "BOLT-M8", "name": "Other", "unit_price": "1.00"}
    )

    assert response.status_code == 409


def test_create_item_validates_payload(client: TestClient) -> None:
    response = client.post(
        "/api/v1/items", json={"sku": "has space", "name": "", "unit_price": "-1"}
    )

    assert response.status_code == 422


def test_get_missing_item_returns_404(client: TestClient) -> None:
    response = client.get("/api/v1/items/999")

    assert response.status_code == 404
    assert response.json() == {"detail": "item 999 not found"}


def test_list_items_paginates_and_searches(client: TestClient, make_item) -> None:
    make_item(sku="BOLT-M8", name="M8 bolt")
    make_item(sku="NUT-M8", name="M8 nut")
    make_item(sku="WASHER-M8", name="M8 washer")

    page = client.get("/api/v1/items", params={"limit": 2}).json()
    assert page["total"] == 3
    assert [item["sku"] for item in page["items"]] == ["BOLT-M8", "NUT-M8"]

    found = client.get("/api/v1/items", params={"q": "nut"}).json()
    assert [item["sku"] for item in found["items"]] == ["NUT-M8"]


def test_update_and_delete_item(client: TestClient, make_item) -> None:
    item = make_item()

    updated = client.patch(f"/api/v1/items/{item['id']}", json={"unit_price": "0.40"})
    assert updated.status_code == 200
    assert updated.json()["unit_price"] == "0.40"
    assert updated.json()["name"] == item["name"]

    assert client.delete(f"/api/v1/items/{item['id']}").status_code == 204
    assert client.get(f"/api/v1/items/{item['id']}").status_code == 404
