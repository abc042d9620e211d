"""Code map of Python backends: FastAPI, Flask, Django + DRF routes; SQLAlchemy, SQLModel,
Alembic, Django and document models. Real grammars on small fixture workspaces, and the
RealWorld repos scored against their ground truth."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from backend_planner.workspace import analyze
from backend_planner.workspace.codemap.extractors.python_django import regex_to_path
from backend_planner.workspace.codemap.extractors.python_routes import PythonRoutes
from backend_planner.workspace.facts import Endpoint, Entity
from workspace.codemap.realworld import score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"


@cache
def _service(name: str) -> tuple[list[Endpoint], list[Entity]]:
    profile = analyze(FIXTURES / name)
    service = profile.services[0]
    return list(service.endpoints), list(service.entities)  # type: ignore[arg-type]


def routes(name: str) -> set[tuple[str, str]]:
    return {(e.method, e.path) for e in _service(name)[0]}


def endpoint(name: str, method: str, path: str) -> Endpoint:
    found = [e for e in _service(name)[0] if e.method == method and e.path == path]
    assert len(found) == 1, (method, path, sorted(routes(name)))
    return found[0]


def place(e: Endpoint) -> tuple[str, int, str | None, int | None]:
    return (e.file, e.line, e.handler_file, e.handler_line)


def entity(name: str, entity_name: str) -> Entity:
    found = [e for e in _service(name)[1] if e.name == entity_name]
    assert len(found) == 1, (entity_name, [e.name for e in _service(name)[1]])
    return found[0]


def field(e: Entity, name: str) -> tuple[str | None, bool | None, bool, bool, str | None]:
    f = next(f for f in e.fields if f.name == name)
    return (f.type, f.nullable, f.unique, f.primary_key, f.references)


# --- FastAPI ---------------------------------------------------------------------------------


def test_fastapi_router_subclass_instances_and_controller_methods() -> None:
    """`SecuredRouter(prefix=…)` deriving (through project classes) from APIRouter is a
    router; route methods of a controller class are named `Class.method`."""
    assert routes("python-router-classes") == {
        ("GET", "/api/reports"),
        ("DELETE", "/api/reports/{report_id}"),
        ("GET", "/api/staff/shifts"),
    }
    listing = endpoint("python-router-classes", "GET", "/api/reports")
    assert listing.handler == "ReportController.list_reports"
    assert place(listing) == ("svc/routes/reports.py", 14, "svc/routes/reports.py", 15)
    shifts = endpoint("python-router-classes", "GET", "/api/staff/shifts")
    assert place(shifts) == ("svc/routes/staff.py", 6, "svc/routes/staff.py", 7)


def test_converter_parameters_inside_a_segment() -> None:
    assert routes("python-inheritance") == {("GET", "/files/{file_id}.{fmt}")}


def test_sqlalchemy_single_and_joined_table_inheritance() -> None:
    """A subclass without a table of its own (or, Flask-SQLAlchemy, without a primary key
    of its own) shares its parent's table; a joined-table subclass keeps only its columns."""
    names = {e.name for e in _service("python-inheritance")[1]}
    assert names == {"Asset", "Payment", "CardPayment", "StockItem"}
    asset = entity("python-inheritance", "Asset")
    assert asset.table == "assets"
    assert field(asset, "product_id") == ("Integer", True, False, False, "products.id")
    assert field(asset, "width") == ("Integer", True, False, False, None)
    card = entity("python-inheritance", "CardPayment")
    assert [f.name for f in card.fields] == ["id", "last_four"]
    assert field(card, "id") == (None, False, False, True, "payments.id")
    assert field(card, "last_four") == ("String", False, False, False, None)


def test_sqlalchemy_declared_attr_table_names_and_mixin_columns() -> None:
    item = entity("python-inheritance", "StockItem")
    assert (item.table, item.file, item.line) == ("stock_item", "shop/catalog.py", 26)
    assert field(item, "owner_id") == ("Integer", False, False, False, "account.id")
    assert field(item, "sku") == ("String", True, True, False, None)


def test_fastapi_include_router_chains_across_modules() -> None:
    assert routes("python-fastapi") == {
        ("GET", "/health"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/users/{user_id}"),
        ("PUT", "/api/v1/users/{user_id}/avatar"),
        ("PATCH", "/api/v1/users/{user_id}/avatar"),
        ("POST", "/api/v1/items"),
        ("DELETE", "/api/v1/items/{item_id}"),
        ("GET", "/api/v1/orders/v2/summary"),
        ("DELETE", "/api/v1/orders/{order_id}"),
    }
    users = endpoint("python-fastapi", "GET", "/api/v1/users/{user_id}")
    assert users.handler == "read_user"
    assert place(users) == ("app/api/routes/users.py", 11, "app/api/routes/users.py", 12)
    assert not users.dynamic


def test_fastapi_add_api_route_points_at_the_function() -> None:
    deleted = endpoint("python-fastapi", "DELETE", "/api/v1/items/{item_id}")
    assert place(deleted) == ("app/api/routes/items.py", 15, "app/api/routes/items.py", 6)


def test_sqlalchemy_models_mixins_and_constraints() -> None:
    user = entity("python-fastapi", "User")
    assert user.table == "users"
    assert field(user, "email") == ("String", False, True, False, None)
    assert field(user, "nickname") == ("str", True, False, False, None)
    assert field(user, "created_at")[0] == "DateTime"  # from the Timestamped mixin
    assert "orders" not in {f.name for f in user.fields}  # a relationship, not a column
    order = entity("python-fastapi", "Order")
    assert field(order, "user_id") == ("int", False, False, False, "users.id")
    assert field(order, "number")[1] is True
    assert [(i.columns, i.unique) for i in order.indexes] == [(["user_id", "number"], True)]


def test_sqlmodel_and_core_tables() -> None:
    team = entity("python-fastapi", "Team")
    assert team.table == "team"
    assert field(team, "id") == ("int", False, False, True, None)
    assert field(team, "name")[2] is True
    assert "TeamRead" not in {e.name for e in _service("python-fastapi")[1]}
    audit = entity("python-fastapi", "audit_log")
    assert (audit.file, audit.line) == ("app/models/legacy.py", 6)
    assert field(audit, "actor_id") == ("Integer", False, False, False, "users.id")


def test_alembic_revisions_replayed_in_order() -> None:
    products = entity("python-fastapi", "products")
    assert (products.file, products.line) == ("alembic/versions/0001_initial.py", 9)
    assert [f.name for f in products.fields] == ["id", "sku", "price"]  # owner_id dropped
    assert field(products, "id")[3] is True
    assert field(products, "sku") == ("String", False, True, False, None)
    assert "scratch" not in {e.name for e in _service("python-fastapi")[1]}


def test_prefix_from_a_settings_object() -> None:
    # `conf = load_settings()` returns `AppSettings()`, whose class default gives the prefix
    shelf = endpoint("python-settings", "GET", "/service/v2/shelves/{shelf_id}")
    assert not shelf.dynamic
    assert place(shelf) == ("svc/web/endpoints/shelves.py", 6, "svc/web/endpoints/shelves.py", 7)


def test_sqlalchemy_annotated_keys_model_references_and_variant_types() -> None:
    shelf = entity("python-settings", "Shelf")
    assert field(shelf, "id") == ("int", False, False, True, None)  # Mapped[serial_pk]
    assert field(shelf, "hidden")[0] == "Boolean"  # Boolean().with_variant(...)
    slot = entity("python-settings", "Slot")
    assert field(slot, "id")[3] is True
    assert field(slot, "shelf_id")[4] == "shelves.id"  # ForeignKey(Shelf.id)


# --- Flask -----------------------------------------------------------------------------------


def test_flask_blueprints_registered_with_prefixes() -> None:
    assert routes("python-flask") == {
        ("POST", "/api/login"),  # the registration prefix replaces the blueprint's own
        ("GET", "/api/me"),
        ("GET", "/api/sessions/{session_id}"),
        ("DELETE", "/api/sessions/{session_id}"),
        ("GET", "/catalog/products/{slug}"),  # no registration prefix: the blueprint's own
        ("GET", "/catalog/search"),
        ("POST", "/catalog/search"),
        ("DELETE", "/api/admin/users/{user_id}"),  # f"/api{bp.url_prefix}"
        ("GET", "/ping"),  # a route inside the app factory
    }
    login = endpoint("python-flask", "POST", "/api/login")
    assert place(login) == ("shop/views/accounts.py", 7, "shop/views/accounts.py", 8)


def test_flask_route_wrappers_api_subclass_method_and_helper_function() -> None:
    """A router subclass's method that hands its parameters to `add_resource`, and a module
    function that loops `add_url_rule` over the paths it is given: their calls are routes
    (under the blueprint's prefix), the wrappers' own calls are none."""
    assert routes("python-wrappers") == {
        ("GET", "/api/shelves"),
        ("POST", "/api/shelves"),
        ("GET", "/api/shelves/{shelf_id}"),
        ("DELETE", "/api/shelves/{shelf_id}"),
        ("GET", "/api/racks/{shelf_id}"),
        ("DELETE", "/api/racks/{shelf_id}"),
        ("GET", "/shop/catalogue"),
        ("GET", "/shop/catalogue/{slug}"),
        ("GET", "/shop/ping"),
    }
    assert place(endpoint("python-wrappers", "DELETE", "/api/racks/{shelf_id}")) == (
        "kiosk/web/api.py",
        9,
        "kiosk/web/resources.py",
        16,
    )
    assert place(endpoint("python-wrappers", "GET", "/shop/catalogue/{slug}")) == (
        "kiosk/web/pages.py",
        18,
        "kiosk/web/pages.py",
        8,
    )
    assert endpoint("python-wrappers", "GET", "/shop/ping").handler == "ping"


def test_sqlalchemy_column_factories_and_named_private_columns() -> None:
    """`Column = functools.partial(db.Column, nullable=False)` makes columns NOT NULL unless
    they say otherwise; `def key_column(): return Column(…)` is a column; `_code =
    Column("code", …)` is the column `code`; an unknown call is no column."""
    shelf = entity("python-wrappers", "Shelf")
    assert [f.name for f in shelf.fields] == ["id", "label", "note", "code"]
    assert field(shelf, "id") == ("Integer", False, False, True, None)
    assert field(shelf, "label") == ("String", False, True, False, None)
    assert field(shelf, "note") == ("Text", True, False, False, None)
    assert field(shelf, "code") == ("String", False, False, False, None)


def test_alembic_helper_functions_splices_and_primary_keys() -> None:
    """`upgrade()` calling the revision's helper functions, `*audit_columns()` spliced into a
    table, `op.create_primary_key` making a composite key."""
    owners = entity("python-alembic-helpers", "owners")
    assert [f.name for f in owners.fields] == ["id", "name", "created_at", "updated_at"]
    assert field(owners, "created_at") == ("DateTime", False, False, False, None)
    assert (owners.file, owners.line) == ("migrations/versions/0001_start.py", 18)
    link = entity("python-alembic-helpers", "pet_owners")
    assert field(link, "pet_id") == ("Integer", False, False, True, None)
    assert field(link, "owner_id") == ("Integer", False, False, True, "owners.id")


def test_drf_router_urls_spliced_into_an_include_list_and_regex_catch_all() -> None:
    assert routes("python-django-splat") == {
        ("GET", "/api/cranes"),
        ("GET", "/api/cranes/{pk}"),
        ("GET", "/{param}"),
    }
    assert regex_to_path(r"^files/.+$") == "files/{param}"
    assert regex_to_path(r"^favicon.ico$") == "favicon.ico"


def test_flask_method_view_answers_its_methods() -> None:
    deleted = endpoint("python-flask", "DELETE", "/api/sessions/{session_id}")
    assert deleted.handler == "SessionAPI.delete"
    assert place(deleted) == ("shop/views/accounts.py", 25, "shop/views/accounts.py", 21)


def test_flask_restx_namespaces_held_by_classes_and_api_on_a_blueprint() -> None:
    assert routes("python-restx") == {
        ("GET", "/v2/catalogue/{isbn}"),  # add_namespace(path=) replaces the namespace's own
        ("DELETE", "/v2/catalogue/{isbn}"),
        ("POST", "/v2/members"),  # no path: "/" + the namespace name
        ("GET", "/v2/health"),  # add_resource(Probe, "/health", "/healthz"): every path
        ("GET", "/v2/healthz"),
    }
    probe = endpoint("python-restx", "GET", "/v2/healthz")
    assert place(probe) == ("portal/__init__.py", 18, "portal/__init__.py", 14)
    book = endpoint("python-restx", "DELETE", "/v2/catalogue/{isbn}")
    assert book.handler == "BookItem.delete"
    assert place(book) == ("portal/resources/books.py", 8, "portal/resources/books.py", 13)


# --- Django ----------------------------------------------------------------------------------


def test_django_urlconf_includes_and_views() -> None:
    found = routes("python-django")
    assert {
        ("POST", "/api/v1/accounts/login"),
        ("GET", "/api/v1/accounts/profile"),
        ("PUT", "/api/v1/accounts/profile"),
        ("GET", "/archive/{year}"),
        ("HEAD", "/archive/{year}"),
        ("ANY", "/misc/health"),
        ("GET", "/api/v1/posts/{slug}/comments"),
        ("POST", "/api/v1/posts/{slug}/comments"),
        ("GET", "/api/v1/drafts/{pk}"),
        ("PATCH", "/api/v1/drafts/{pk}"),
    } <= found
    assert not any(path.startswith("/admin") for _, path in found)
    login = endpoint("python-django", "POST", "/api/v1/accounts/login")
    assert place(login) == ("accounts/urls.py", 6, "accounts/views.py", 6)
    profile = endpoint("python-django", "PUT", "/api/v1/accounts/profile")
    assert profile.handler == "ProfileView.put"
    assert place(profile) == ("accounts/urls.py", 7, "accounts/views.py", 14)


def test_drf_router_viewsets_actions_and_restrictions() -> None:
    found = {r for r in routes("python-django") if "/posts" in r[1] or "/tags" in r[1]}
    assert found == {
        ("GET", "/api/v1/posts"),
        ("POST", "/api/v1/posts"),
        ("GET", "/api/v1/posts/{slug}"),
        ("DELETE", "/api/v1/posts/{slug}"),  # PUT/PATCH cut by http_method_names
        ("POST", "/api/v1/posts/{slug}/publish-now"),
        ("GET", "/api/v1/posts/recent"),
        ("GET", "/api/v1/posts/{slug}/history"),  # @action of a project base class
        ("GET", "/api/v1/tags"),
        ("GET", "/api/v1/posts/{slug}/comments"),
        ("POST", "/api/v1/posts/{slug}/comments"),
    }
    publish = endpoint("python-django", "POST", "/api/v1/posts/{slug}/publish-now")
    assert publish.handler == "PostViewSet.publish"
    assert place(publish) == ("blog/views.py", 22, "blog/views.py", 23)
    listing = endpoint("python-django", "GET", "/api/v1/posts")
    assert place(listing) == ("blog/urls.py", 7, "blog/views.py", 18)


def test_drf_project_router_wrapped_and_framework_views() -> None:
    assert routes("python-drf-router") == {
        ("GET", "/"),  # TemplateView.as_view(...): the framework view's methods
        ("POST", "/token"),
        ("ANY", "/report"),  # login_required(views.report)
        ("GET", "/stats"),  # cache_page(300)(StatsView.as_view())
        ("GET", "/api/stock"),  # a DefaultRouter subclass: the API root, and the viewset
        ("GET", "/api/stock/bins"),
        ("GET", "/api/stock/bins/{pk}"),
    }
    report = endpoint("python-drf-router", "ANY", "/report")
    assert place(report) == ("depot/urls.py", 12, "stock/views.py", 6)
    bins = endpoint("python-drf-router", "GET", "/api/stock/bins")
    assert place(bins) == ("stock/urls.py", 6, "stock/views.py", 15)


def test_django_models() -> None:
    post = entity("python-django", "Post")
    assert post.table == "blog_posts"
    assert field(post, "author") == ("ForeignKey", False, False, False, "accounts_member")
    assert field(post, "subtitle")[1] is True
    assert field(post, "tags")[4] == "blog_tag"
    assert field(post, "created")[0] == "DateTimeField"  # from the abstract base
    assert field(post, "id")[3] is True
    assert [(i.columns, i.unique) for i in post.indexes] == [(["author", "slug"], True)]
    tag = entity("python-django", "Tag")
    assert tag.table == "blog_tag"
    assert field(tag, "parent")[4] == "blog_tag"
    member = entity("python-django", "Member")
    assert member.table == "accounts_member"
    names = {f.name for f in member.fields}
    assert {"password", "email", "date_joined", "nickname", "last_name"} <= names
    assert "first_name" not in names
    assert "TimeStamped" not in {e.name for e in _service("python-django")[1]}


def test_regex_routes() -> None:
    assert regex_to_path(r"^archive/(?P<year>[0-9]{4})/$") == "archive/{year}/"
    assert regex_to_path(r"^files/(.+)\.txt$") == "files/{param}.txt"


# --- documents -------------------------------------------------------------------------------


def test_document_models() -> None:
    names = {e.name: e.table for e in _service("python-documents")[1]}
    assert names == {"Event": "events", "AuditEntry": "audit_entry", "NoteModel": None}
    note = entity("python-documents", "NoteModel")
    assert [f.name for f in note.fields] == ["created_at", "title", "body"]
    assert field(note, "body")[1] is True


def test_pydantic_dtos_are_not_entities_of_sql_services() -> None:
    assert not _service("python-flask")[1]


# --- odd code ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        b"@router.get(\n",
        b"app.include_router(\n",
        b"@app.route(f'/x/{y}')\ndef f(): pass\n",
        b"router = APIRouter(prefix=PREFIX + get())\n@router.get(path)\ndef f(): pass\n",
        b"\xff\xfe garbage",
    ],
)
def test_broken_code_never_raises(source: bytes) -> None:
    PythonRoutes().extract("app/main.py", b"from fastapi import APIRouter\n" + source)


# --- RealWorld -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "directory",
    [
        "Sean-Miningah__realWorld-DjangoRestFramework",
        "saschavonpapenCB__couchbase-fastapi-realworld",
        "webofmars__realworld-flask",
    ],
)
def test_realworld(directory: str) -> None:
    s = score(directory)
    assert s.recall == 1.0, s.missed
    assert s.precision == 1.0, s.false_positives
    assert s.entity_recall == 1.0, s.entities_missed
