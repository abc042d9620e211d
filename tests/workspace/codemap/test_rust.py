"""Rust extractors: actix-web and axum routes, Diesel and SeaORM entities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend_planner.workspace import analyze
from workspace.codemap.realworld import score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"


def _map(name: str) -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    profile = analyze(FIXTURES / name)
    endpoints = {(e.method, e.path): e for s in profile.services for e in s.endpoints}
    entities = {e.table: e for s in profile.services for e in s.entities}
    return endpoints, entities


def _place(endpoint: Any) -> tuple[Any, ...]:
    return (endpoint.file, endpoint.line, endpoint.handler_file, endpoint.handler_line)


@pytest.fixture(scope="module")
def actix() -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    return _map("rust-actix")


@pytest.fixture(scope="module")
def axum() -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    return _map("rust-axum")


def test_actix_endpoints(actix: tuple[dict[tuple[str, str], Any], dict[str, Any]]) -> None:
    endpoints, _ = actix
    assert sorted(endpoints) == [
        ("DELETE", "/api/v1/authors/{author_id}"),
        ("GET", "/api/v1/authors"),
        ("GET", "/api/v1/books"),
        ("GET", "/api/v1/books/{id}"),
        ("GET", "/api/v1/books/{id}/reviews"),
        ("GET", "/api/v1/version"),
        ("GET", "/ping"),
        ("POST", "/api/v1/books"),
        ("POST", "/api/v1/books/{id}/reviews"),
        ("PUT", "/api/v1/books/{id}"),
    ]
    # a scope held in a variable, scope("") inherits, configure() followed across modules
    authors = endpoints[("GET", "/api/v1/authors")]
    assert authors.handler == "books::list_authors"
    assert _place(authors) == ("src/routes.rs", 7, "src/handlers/books.rs", 26)
    # web::resource(...).route(web::put().to(h))
    assert _place(endpoints[("PUT", "/api/v1/books/{id}")]) == (
        "src/routes.rs",
        15,
        "src/handlers/books.rs",
        17,
    )
    # route macros: the path is relative to the scope the handler is registered in
    assert _place(endpoints[("POST", "/api/v1/books")]) == (
        "src/handlers/books.rs",
        8,
        "src/handlers/books.rs",
        9,
    )
    assert _place(endpoints[("POST", "/api/v1/books/{id}/reviews")]) == (
        "src/handlers/books.rs",
        21,
        "src/handlers/books.rs",
        22,
    )
    assert endpoints[("GET", "/ping")].handler_file == "src/handlers/health.rs"


def test_diesel_entities(actix: tuple[dict[tuple[str, str], Any], dict[str, Any]]) -> None:
    _, entities = actix
    assert sorted(entities) == ["authors", "books"]
    book = entities["books"]
    assert (book.name, book.file, book.line) == ("Book", "src/models.rs", 14)
    assert "src/schema.rs:11" in book.sources
    fields = {f.name: f for f in book.fields}
    assert (fields["id"].type, fields["id"].primary_key) == ("Int4", True)
    assert fields["author_id"].references == "authors.id"
    assert (fields["summary"].type, fields["summary"].nullable) == ("Text", True)
    authors = entities["authors"]
    assert authors.name == "Writer"  # #[table_name = "authors"]
    assert {f.name: f for f in authors.fields}["name"].unique  # from the SQL migration


def test_axum_endpoints(axum: tuple[dict[tuple[str, str], Any], dict[str, Any]]) -> None:
    endpoints, _ = axum
    assert sorted(endpoints) == [
        ("DELETE", "/api/notes/{id}"),
        ("GET", "/api/notes"),
        ("GET", "/api/notes/{id}"),
        ("GET", "/api/notes/{id}/raw"),
        ("GET", "/healthz"),
        ("PATCH", "/api/notes/{id}"),
        ("POST", "/api/admin/reindex"),
        ("POST", "/api/notes"),
        ("PUT", "/api/admin/reindex"),
    ]
    # nest() with a const prefix and a local router, merge() of a function in another module
    assert _place(endpoints[("PATCH", "/api/notes/{id}")]) == (
        "src/api/notes.rs",
        6,
        "src/api/notes.rs",
        13,
    )
    # on(MethodFilter::POST | MethodFilter::PUT, h) on a reassigned router variable
    assert _place(endpoints[("PUT", "/api/admin/reindex")]) == (
        "src/api/mod.rs",
        13,
        "src/api/notes.rs",
        15,
    )
    # Type::routes() in an impl block, Self::handler
    assert _place(endpoints[("GET", "/healthz")]) == ("src/health.rs", 7, "src/health.rs", 10)
    raw = endpoints[("GET", "/api/notes/{id}/raw")]
    assert raw.handler is None and raw.handler_file is None


def test_sea_orm_entities(axum: tuple[dict[tuple[str, str], Any], dict[str, Any]]) -> None:
    _, entities = axum
    note = entities["notes"]
    assert (note.name, note.file, note.line) == ("Note", "src/entity/note.rs", 5)
    fields = {f.name: f for f in note.fields}
    assert fields["id"].primary_key
    assert fields["owner_id"].references == "owners.id"
    assert fields["body"].nullable is True
    assert {f.name: f for f in entities["owners"].fields}["email"].unique


def test_realworld_actix_diesel() -> None:
    s = score("snamiki1212__realworld-v1-rust-actix-web-diesel")
    assert s.recall == 1.0, s.missed
    assert s.precision == 1.0, s.false_positives
    assert s.entity_recall == 1.0, s.entities_missed


@pytest.fixture(scope="module")
def rocket() -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    return _map("rust-rocket")


def test_rocket_custom_mounts_and_paths(
    rocket: tuple[dict[tuple[str, str], Any], dict[str, Any]],
) -> None:
    endpoints, _ = rocket
    # rocket::custom(figment).mount(…); the query part (`?<page>&<size>`, `?<expand..>`) is
    # no part of the served path; `<path..>` is one parameter
    assert sorted(endpoints) == [
        ("GET", "/health"),
        ("GET", "/v1/assets/{path}"),
        ("GET", "/v1/items"),
        ("GET", "/v1/items/{id}"),
    ]
    assert _place(endpoints[("GET", "/v1/items")]) == (
        "src/catalog.rs",
        4,
        "src/catalog.rs",
        5,
    )


def test_diesel_models_without_diesel_path_and_cfg_attr_derives(
    rocket: tuple[dict[tuple[str, str], Any], dict[str, Any]],
) -> None:
    _, entities = rocket
    assert sorted(entities) == ["items", "shelves"]
    # `#[derive(Queryable)]` in a file that names no `diesel` path
    item = entities["items"]
    assert (item.name, item.file, item.line) == ("Item", "src/models/item.rs", 3)
    fields = {f.name: f for f in item.fields}
    # `use` lines and `#[max_length]` inside table! do not hide columns
    assert list(fields) == ["id", "title", "state", "shelf_id"]
    assert (fields["shelf_id"].nullable, fields["shelf_id"].references) == (True, "shelves.id")
    # derive and table_name under `#[cfg_attr(feature = "db", …)]`
    rack = entities["shelves"]
    assert (rack.name, rack.file, rack.line) == ("Rack", "src/models/shelf.rs", 6)
    assert "src/models/shelf.rs:13" in rack.sources


def test_clean_path() -> None:
    from backend_planner.workspace.codemap.extractors.rust_routes import clean_path

    assert clean_path("/files/{*rest}") == "/files/{rest}"
    assert clean_path("/a/<p..>?<q>") == "/a/{p}"
    assert clean_path("/n/{id:\\d+?}") == "/n/{id:\\d+?}"


def test_long_router_chain_is_read_whole() -> None:
    from backend_planner.workspace.codemap.extractors.rust_routes import RustRoutesExtractor

    links = "".join(f'.route("/r{i}", web::get().to(h{i}))' for i in range(800))
    source = (
        "use actix_web::web;\n"
        f'fn config(cfg: &mut web::ServiceConfig) {{ cfg.service(web::scope("/api"){links}); }}\n'
    )
    facts = RustRoutesExtractor().extract("src/routes.rs", source.encode())
    assert facts is not None
    (scope,) = facts["functions"][0]["items"]
    assert scope["mount"] == "/api" and len(scope["items"]) == 800


def test_rocket_reexported_route_functions_and_joined_mount_path() -> None:
    endpoints, _ = _map("rust-rocket-reexport")
    # `.mount([base, "/v2"].concat(), web::bread_routes())`: the run-time base is a dynamic
    # segment, the literal piece is kept; `bread_routes` is `pub use …::bread::routes as …` in a
    # module file that names no framework
    assert sorted(endpoints) == [
        ("GET", "/ops/oven"),
        ("GET", "/{dynamic}/v2/loaves"),
        ("POST", "/{dynamic}/v2/loaves"),
    ]
    loaves = endpoints[("GET", "/{dynamic}/v2/loaves")]
    assert loaves.dynamic
    assert _place(loaves) == ("src/web/bread.rs", 10, "src/web/bread.rs", 11)
    assert not endpoints[("GET", "/ops/oven")].dynamic


def test_handlers_imported_through_parent_module_reexports() -> None:
    endpoints, _ = _map("rust-actix-globs")
    # `use crate::handlers::{cancel_order, …}` where `handlers/mod.rs` has `pub use orders::*;`
    # and `orders/mod.rs` has `pub use cancel::cancel_order;`
    assert _place(endpoints[("GET", "/ping")]) == (
        "src/main.rs",
        11,
        "src/handlers/ping.rs",
        3,
    )
    assert _place(endpoints[("GET", "/orders")])[2:] == ("src/handlers/orders/mod.rs", 7)
    assert _place(endpoints[("DELETE", "/orders/{id}")])[2:] == (
        "src/handlers/orders/cancel.rs",
        4,
    )


def test_aide_api_router_turbofish_state_and_returned_router() -> None:
    endpoints, _ = _map("rust-axum-aide")
    # aide `ApiRouter`, `.api_route(_with)`, `get_with(h, docs).delete_with(h, docs)`,
    # `.nest_api_service(prefix, r)` of `api::router().with_state::<()>(s)`; a router merged
    # in a `return` inside an `if` keeps the prefix
    assert sorted(endpoints) == [
        ("DELETE", "/api/v2/dogs/{id}"),
        ("GET", "/api/v2/debug/state"),
        ("GET", "/api/v2/dogs"),
        ("GET", "/api/v2/dogs/{id}"),
        ("POST", "/api/v2/dogs"),
    ]
    assert _place(endpoints[("POST", "/api/v2/dogs")]) == (
        "src/api/dogs.rs",
        8,
        "src/api/dogs.rs",
        20,
    )
    assert _place(endpoints[("DELETE", "/api/v2/dogs/{id}")])[1:] == (10, "src/api/dogs.rs", 28)


def test_diesel_models_declared_inside_a_wrapper_macro() -> None:
    _, entities = _map("rust-diesel-wrapped")
    # `backend_models! { #[derive(Queryable)] #[table_name = "…"] pub struct … }`: the models
    # keep their names and the lines they are written at
    assert sorted(entities) == ["plots", "plots_crops"]
    planting = entities["plots_crops"]
    assert (planting.name, planting.file, planting.line) == ("Planting", "src/db/models.rs", 16)
    fields = {f.name: f for f in planting.fields}
    assert (fields["plot_code"].references, fields["planted"].nullable) == ("plots.code", True)
    assert (entities["plots"].name, entities["plots"].line) == ("Plot", 8)


def test_actix_handlers_inside_wrappers() -> None:
    endpoints, _ = _map("rust-actix-wrapped")
    # `.to(OneAtATime(add_entry))` (a wrapper type) and `.to(remove_entry.traced())` (a method
    # on the handler) name their handler; `.guard(…)` before `.to()` keeps the method
    assert sorted(endpoints) == [
        ("DELETE", "/ledger/entries/{entry_id}"),
        ("GET", "/ledger/entries"),
        ("POST", "/ledger/entries"),
    ]
    post = endpoints[("POST", "/ledger/entries")]
    assert post.handler == "add_entry"
    assert _place(post) == ("src/entries.rs", 7, "src/entries.rs", 21)
    delete = endpoints[("DELETE", "/ledger/entries/{entry_id}")]
    assert (delete.handler, delete.handler_line) == ("remove_entry", 25)


def test_utoipa_axum_routes_from_path_attributes() -> None:
    endpoints, _ = _map("rust-axum-utoipa")
    # `OpenApiRouter::new().routes(routes!(a, b))`: method and path from each handler's
    # `#[utoipa::path(…)]`, under the nest prefix; a documented handler registered by a plain
    # `.route()` is counted once, one never registered not at all
    assert sorted(endpoints) == [
        ("GET", "/api/plants"),
        ("GET", "/status"),
        ("POST", "/api/plants"),
        ("PUT", "/api/plants/{plant_id}/water"),
    ]
    assert _place(endpoints[("GET", "/api/plants")]) == (
        "src/handlers/plants.rs",
        11,
        "src/handlers/plants.rs",
        17,
    )
    water = endpoints[("PUT", "/api/plants/{plant_id}/water")]
    assert (water.handler, water.line, water.handler_line) == ("water_plant", 27, 33)
    assert _place(endpoints[("GET", "/status")]) == ("src/main.rs", 8, "src/handlers/mod.rs", 5)


def test_a_cargo_workspace_binary_mounts_a_library_crates_routes() -> None:
    """The server crate configures the routes of the `notes-api` crate (written `notes_api::`):
    its endpoints carry its own scope, and their handlers are found in the other crate."""
    services = {s.path: s for s in analyze(FIXTURES / "rust-workspace").backends()}
    served = {
        (e.method, e.path): (e.file, e.line, e.handler_file, e.handler_line)
        for e in services["server"].endpoints
    }
    assert served == {
        ("GET", "/api/v1/notes"): ("api/src/lib.rs", 9, "api/src/handlers.rs", 3),
        ("DELETE", "/api/v1/notes/{id}"): ("api/src/lib.rs", 10, "api/src/handlers.rs", 7),
    }
    # the library crate on its own: the same routes, without the binary's scope
    assert {(e.method, e.path) for e in services["api"].endpoints} == {
        ("GET", "/notes"),
        ("DELETE", "/notes/{id}"),
    }
