"""Laravel code map: routes files, resource macros, route attributes, Eloquent models and
migrations, read from small fixture workspaces (tests/fixtures/codemap/php-*) and the RealWorld
Laravel app."""

from __future__ import annotations

from pathlib import Path

from backend_planner.workspace import Service, analyze
from backend_planner.workspace.codemap.extractor import ServiceContext
from backend_planner.workspace.codemap.extractors.php_laravel import LaravelExtractor
from backend_planner.workspace.facts import Endpoint, Entity, EntityField
from conftest import REPO_ROOT
from workspace.codemap.realworld import REALWORLD, score

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "codemap"


def service(name: str) -> Service:
    (only,) = analyze(FIXTURES / name).services
    return only


def endpoints(s: Service) -> dict[tuple[str, str], Endpoint]:
    return {(e.method, e.path): e for e in s.endpoints}


def where(e: Endpoint) -> tuple[str | None, str, int, str | None, int | None]:
    return (e.handler, e.file, e.line, e.handler_file, e.handler_line)


def entity(s: Service, name: str) -> Entity:
    return next(e for e in s.entities if e.name == name)


def column(e: Entity, name: str) -> EntityField:
    return next(f for f in e.fields if f.name == name)


# ------------------------------------------------------------------------------------- routes


def test_routes_files_with_routing_prefixes_groups_and_includes() -> None:
    s = service("php-laravel-routes")
    assert "laravel" in s.frameworks
    found = endpoints(s)
    ctrl = "app/Http/Controllers"
    # web.php: no prefix; a view, a redirect (Laravel registers redirects for any method)
    assert where(found["GET", "/"]) == (None, "routes/web.php", 6, None, None)
    assert ("ANY", "/home") in found
    # an invokable controller, and string actions in a Route::controller group with a prefix
    assert where(found["GET", "/dashboard"]) == (
        "DashboardController@__invoke",
        "routes/web.php",
        10,
        f"{ctrl}/DashboardController.php",
        7,
    )
    assert where(found["GET", "/reports"])[0] == "DashboardController@reports"
    assert where(found["POST", "/reports/{report}/export"]) == (
        "DashboardController@export",
        "routes/web.php",
        13,
        f"{ctrl}/DashboardController.php",
        17,
    )
    # auth.php is required by web.php: its routes keep web's (empty) prefix plus their own
    assert where(found["POST", "/auth/login"]) == (
        "SessionController@store",
        "routes/auth.php",
        8,
        f"{ctrl}/Auth/SessionController.php",
        14,
    )
    assert {m for (m, p) in found if p == "/auth/logout"} == {"GET", "POST"}
    # api.php under withRouting's apiPrefix
    assert ("GET", "/api/v1/products") in found
    assert ("GET", "/api/products") not in found
    # health: '/up'
    assert where(found["GET", "/up"]) == (None, "bootstrap/app.php", 10, None, None)


def test_resource_macros_expand_to_their_actions() -> None:
    found = endpoints(service("php-laravel-routes"))
    products = sorted((m, p) for (m, p) in found if p.startswith("/api/v1/products"))
    # apiResource: index, store, show, update (PUT and PATCH), destroy — no create/edit
    assert [x for x in products if "reviews" not in x[1]] == [
        ("DELETE", "/api/v1/products/{product}"),
        ("GET", "/api/v1/products"),
        ("GET", "/api/v1/products/{product}"),
        ("PATCH", "/api/v1/products/{product}"),
        ("POST", "/api/v1/products"),
        ("PUT", "/api/v1/products/{product}"),
    ]
    show = found["GET", "/api/v1/products/{product}"]
    assert where(show) == (
        "ProductController@show",
        "routes/api.php",
        8,
        "app/Http/Controllers/ProductController.php",
        11,
    )
    # ->only([...])
    assert sorted(p for (m, p) in found if "/orders" in p) == [
        "/api/v1/orders",
        "/api/v1/orders/{order}",
    ]
    # nested resource with ['except' => ...] options
    reviews = sorted((m, p) for (m, p) in found if "/reviews" in p)
    assert ("GET", "/api/v1/products/{product}/reviews/{review}") in reviews
    assert ("POST", "/api/v1/products/{product}/reviews") in reviews
    assert not any(p.endswith(("/create", "/edit")) for _, p in reviews)
    assert len(reviews) == 6


def test_group_arrays_namespaces_and_dynamic_prefixes() -> None:
    found = endpoints(service("php-laravel-routes"))
    stats = found["GET", "/api/v1/admin/stats"]
    assert where(stats) == (
        "StatsController@index",
        "routes/api.php",
        13,
        "app/Http/Controllers/Admin/StatsController.php",
        9,
    )
    assert found["DELETE", "/api/v1/admin/cache"].handler == "StatsController@flush"
    ping = found["ANY", "/api/v1/tenants/{dynamic}/ping"]
    assert ping.dynamic and ping.handler is None


def test_route_service_provider_prefixes_and_string_controllers() -> None:
    found = endpoints(service("php-laravel-provider"))
    assert where(found["GET", "/rest/posts/{post}"]) == (
        "PostController@show",
        "routes/api.php",
        6,
        "app/Http/Controllers/PostController.php",
        11,
    )
    # shallow nested apiResource
    assert ("GET", "/rest/posts/{post}/comments") in found
    assert ("DELETE", "/rest/comments/{comment}") in found
    assert ("GET", "/rest/posts/{post}/comments/{comment}") not in found
    # a provider-mounted file with its own prefix and namespace
    assert where(found["GET", "/backoffice"]) == (
        "DashboardController@show",
        "routes/admin.php",
        3,
        "app/Http/Controllers/Admin/DashboardController.php",
        9,
    )
    users = sorted((m, p) for (m, p) in found if p.startswith("/backoffice/users"))
    assert ("GET", "/backoffice/users/{user}/edit") in users
    # 'UserController' in admin.php is the one of the namespace the provider loads it under
    # (`$this->namespace . '\\Admin'`), not App\Http\Controllers\UserController
    assert where(found["GET", "/backoffice/users"])[3] == (
        "app/Http/Controllers/Admin/UserController.php"
    )
    assert where(found["GET", "/backoffice/users"])[0] == "UserController@index"
    assert ("POST", "/backoffice/users") not in users
    assert ("GET", "/backoffice/users/create") not in users
    # web.php: an invokable string action and a singleton resource
    assert found["GET", "/"].handler == "HomeController@__invoke"
    assert {(m, p) for (m, p) in found if p.startswith("/profile")} == {
        ("GET", "/profile"),
        ("GET", "/profile/edit"),
        ("PUT", "/profile"),
        ("PATCH", "/profile"),
    }
    # routes/api.php is mounted under 'rest', never also under the default /api
    assert not any(p.startswith("/api") for _, p in found)


def test_route_attributes_with_configured_directories() -> None:
    found = endpoints(service("php-laravel-attributes"))
    api = "app/Http/Controllers/Api"
    assert where(found["GET", "/api/photos"]) == (
        "PhotoController@index",
        f"{api}/PhotoController.php",
        15,
        f"{api}/PhotoController.php",
        17,
    )
    assert where(found["DELETE", "/api/photos/{photo}"]) == (
        "PhotoController@destroy",
        f"{api}/PhotoController.php",
        34,
        f"{api}/PhotoController.php",
        35,
    )
    assert {m for (m, p) in found if p == "/api/photos/{photo}"} == {"PUT", "PATCH", "DELETE"}
    # a class-level Resource attribute
    assert where(found["GET", "/api/albums/{album}"])[0] == "AlbumController@show"
    assert ("POST", "/api/albums") not in found
    # fully qualified attribute, directory without a prefix
    assert ("GET", "/about") in found
    # OpenAPI's Get attribute is not a route; a directory no registrar scans is not served
    assert ("GET", "/photos") not in found
    assert ("GET", "/old") not in found


def test_lumen_router_and_broken_file() -> None:
    source = b"""<?php
$router->group(['prefix' => 'v' . env('API'), 'namespace' => 'Api'], function () use ($router) {
    $router->get('users/{id:[0-9]+}', 'UserController@show');
    $router->post('users', ['as' => 'users.store', 'uses' => 'UserController@store']);
});
Route::get('/broken', [X::class
"""
    facts = LaravelExtractor().extract("routes/web.php", source)
    assert facts is not None
    routes = [(r["methods"], r["path"], r["dynamic"], r["action"]) for r in facts["routes"]]
    assert routes == [
        (
            ["GET"],
            "{dynamic}/users/{id:[0-9]+}",
            True,
            {"class": "Api\\UserController", "method": "show", "relative": True},
        ),
        (
            ["POST"],
            "{dynamic}/users",
            True,
            {"class": "Api\\UserController", "method": "store", "relative": True},
        ),
    ]
    # odd code never raises
    for broken in (b"<?php class { function (", b"<?php Route::group([", b"\xff\xfe<?php"):
        LaravelExtractor().extract("routes/x.php", broken)


# ------------------------------------------------------------------------------------ entities


def test_models_and_migrations() -> None:
    s = service("php-laravel-eloquent")
    names = {e.name: e.table for e in s.entities}
    # explicit $table, convention (snake plural, irregular plural), pivot model (singular)
    assert names == {
        "Author": "writers",
        "Book": "books",
        "BookCategory": "book_categories",
        "Loan": "loan",
        "Person": "people",
    }
    author = entity(s, "Author")
    assert (author.file, author.line) == ("app/Models/Author.php", 7)
    assert [f.name for f in author.fields] == [
        "id",
        "name",
        "email",
        "nickname",
        "remember_token",
        "created_at",
        "updated_at",
    ]
    assert column(author, "email").unique and column(author, "id").primary_key
    assert column(author, "nickname").nullable is True
    assert column(author, "name").nullable is False


def test_migration_columns_references_and_later_changes() -> None:
    book = entity(service("php-laravel-eloquent"), "Book")
    assert [f.name for f in book.fields] == [
        "id",
        "author_id",
        "book_category_id",
        "editor_id",
        "title",
        "is_published",
        "deleted_at",
        "summary",
    ]
    assert (column(book, "id").type, column(book, "id").primary_key) == ("uuid", True)
    # foreignIdFor(Author::class)->constrained(): the model's own table
    assert column(book, "author_id").references == "writers.id"
    assert column(book, "book_category_id").references == "book_categories.id"
    assert column(book, "book_category_id").nullable is True
    assert column(book, "editor_id").references == "writers.id"
    # ->change() in a later migration, a renamed column, a dropped one and its index
    assert (column(book, "title").type, column(book, "title").nullable) == ("varchar", True)
    assert column(book, "is_published").type == "boolean"
    assert [(i.columns, i.unique) for i in book.indexes] == [(["title", "author_id"], True)]
    assert "database/migrations/2024_03_10_120000_change_books_table.php:11" in book.sources
    # a renamed table keeps its columns; composite primary key
    loan = entity(service("php-laravel-eloquent"), "Loan")
    assert [(f.name, f.primary_key, f.references) for f in loan.fields][:2] == [
        ("book_id", True, "books.id"),
        ("reader_id", True, "writers.id"),
    ]


def test_model_without_migration_uses_fillable_and_casts() -> None:
    person = entity(service("php-laravel-eloquent"), "Person")
    assert [(f.name, f.type) for f in person.fields] == [
        ("id", None),
        ("full_name", None),
        ("born_on", "date"),
        ("is_active", "boolean"),
    ]
    # a dropped table is not an entity; down() is never replayed
    assert not any(e.table == "drafts" for e in service("php-laravel-eloquent").entities)


# ----------------------------------------------------------------------------------- realworld

LARAVEL_REALWORLD = "adr1enbe4udou1n__laravel-realworld-example-app"


def test_realworld_laravel() -> None:
    s = score(LARAVEL_REALWORLD)
    assert s.recall == 1.0, s.missed
    assert s.precision == 1.0, s.false_positives
    assert s.entity_recall == 1.0, s.entities_missed


def test_realworld_laravel_handlers_and_fields() -> None:
    (s,) = analyze(REALWORLD / LARAVEL_REALWORLD).services
    found = endpoints(s)
    articles = "app/Http/Controllers/Api/ArticleController.php"
    assert where(found["GET", "/api/articles/{slug}"]) == (
        "ArticleController@get",
        articles,
        124,
        articles,
        131,
    )
    user = entity(s, "User")
    assert (user.table, user.file, user.line) == ("users", "app/Models/User.php", 43)
    assert [f.name for f in user.fields] == [
        "id",
        "name",
        "email",
        "password",
        "bio",
        "image",
        "created_at",
        "updated_at",
    ]
    pivot = entity(s, "article_favorite")
    assert [(f.name, f.references) for f in pivot.fields] == [
        ("article_id", "articles.id"),
        ("user_id", "users.id"),
    ]


def test_more_route_macros_from_one_file() -> None:
    source = b"""<?php
use App\\Http\\Controllers\\TagController;
use App\\Http\\Controllers\\PhotoController;

Route::apiResources(['tags' => TagController::class, 'labels' => 'LabelController']);
Route::resource('admin/photos', PhotoController::class)
    ->parameters(['photos' => 'pic'])
    ->except(['create', 'edit', 'destroy']);
Route::prefix('v2')->name('v2.')->match(['GET', 'head'], 'ping', fn () => 'pong');
Route::apiSingleton('settings', 'SettingsController')->creatable();
"""
    extractor = LaravelExtractor()
    assert not extractor.wants("resources/views/welcome.blade.php")
    facts = extractor.extract("routes/web.php", source)
    assert facts is not None
    ctx = ServiceContext(Path("/nonexistent"), ".", "php", ["laravel"], [], ["routes/web.php"])
    found = sorted(
        (e.method, e.path, e.handler)
        for e in extractor.resolve({"routes/web.php": facts}, ctx).endpoints
    )
    assert found == sorted(
        [
            ("GET", "/tags", "TagController@index"),
            ("POST", "/tags", "TagController@store"),
            ("GET", "/tags/{tag}", "TagController@show"),
            ("PUT", "/tags/{tag}", "TagController@update"),
            ("PATCH", "/tags/{tag}", "TagController@update"),
            ("DELETE", "/tags/{tag}", "TagController@destroy"),
            ("GET", "/labels", "LabelController@index"),
            ("POST", "/labels", "LabelController@store"),
            ("GET", "/labels/{label}", "LabelController@show"),
            ("PUT", "/labels/{label}", "LabelController@update"),
            ("PATCH", "/labels/{label}", "LabelController@update"),
            ("DELETE", "/labels/{label}", "LabelController@destroy"),
            ("GET", "/admin/photos", "PhotoController@index"),
            ("POST", "/admin/photos", "PhotoController@store"),
            ("GET", "/admin/photos/{pic}", "PhotoController@show"),
            ("PUT", "/admin/photos/{pic}", "PhotoController@update"),
            ("PATCH", "/admin/photos/{pic}", "PhotoController@update"),
            ("GET", "/v2/ping", None),
            ("HEAD", "/v2/ping", None),
            ("GET", "/settings", "SettingsController@show"),
            ("PUT", "/settings", "SettingsController@update"),
            ("PATCH", "/settings", "SettingsController@update"),
            ("POST", "/settings", "SettingsController@store"),
            ("DELETE", "/settings", "SettingsController@destroy"),
        ]
    )


# ------------------------------------------------------------- real-code patterns (stress run)


def test_lumen_app_router_closure_parameters_and_dingo_versions() -> None:
    s = service("php-lumen-dingo")
    found = endpoints(s)
    ctrl = "app/Http/Controllers"
    # Lumen 5.0-5.4: `$app` is the router; `$app->singleton(A::class, B::class)` is not a route
    assert where(found["GET", "/"]) == (None, "routes/web.php", 3, None, None)
    # the group closure's parameter is the router, whatever its name; a top-level `$base`
    # string is the prefix; `X::class . '@store'` is a fully qualified handler
    assert where(found["GET", "/catalog/items"]) == (
        "ItemController@index",
        "routes/web.php",
        10,
        f"{ctrl}/ItemController.php",
        7,
    )
    assert where(found["POST", "/catalog/items"])[3:] == (f"{ctrl}/ItemController.php", 12)
    # dingo/api: `$api = app('Dingo\Api\Routing\Router')`, `version()` groups served under
    # config/api.php's prefix (`env('API_PREFIX')`, read from .env.example)
    assert where(found["GET", "/rest/orders"]) == (
        "OrderController@index",
        "routes/web.php",
        17,
        f"{ctrl}/V1/OrderController.php",
        7,
    )
    assert ("DELETE", "/rest/admin/orders/{id}") in found
    # a package provider's `loadRoutesFrom(.../api.php)`: no `/api` prefix
    assert ("GET", "/billing/invoices") in found
    assert len(s.endpoints) == 6, sorted(found)


def test_migration_loops_and_project_base_model() -> None:
    s = service("php-laravel-base-model")
    # `class Model extends Eloquent` that the models extend is not an entity itself
    assert sorted(e.name for e in s.entities) == ["Crate", "Shelf"]
    # Str::plural: shelf → shelves
    shelf = entity(s, "Shelf")
    assert shelf.table == "shelves"
    # `foreach ($tables as $table) { Schema::table($table, ...) }` over a static array
    assert column(shelf, "audited_by").nullable is True
    crate = entity(s, "Crate")
    assert column(crate, "audited_by").type == "integer"
    assert column(crate, "sealed").type == "boolean"
    assert "sealed" not in {f.name for f in shelf.fields}


def test_directory_loader_mounts_every_route_file_under_the_group() -> None:
    """`includeRouteFiles(__DIR__.'/backoffice/')` inside a prefixed group loads each route file
    of the directory (nested ones too) under that prefix."""
    s = service("php-laravel-directory-routes")
    found = endpoints(s)
    assert set(found) == {
        ("GET", "/"),
        ("GET", "/catalog"),
        ("GET", "/backoffice/stock"),
        ("PUT", "/backoffice/stock/{item}"),
        ("GET", "/backoffice/reports/daily"),
    }
    controller = "app/Http/Controllers/Backoffice/StockController.php"
    assert where(found[("PUT", "/backoffice/stock/{item}")]) == (
        "StockController@adjust",
        "routes/backoffice/stock.php",
        8,
        controller,
        12,
    )


def test_migration_config_table_names_and_class_constants() -> None:
    """`Schema::create($names['roles'], …)` with `$names = config('permission.table_names')`
    names the table after the key; a column named by a config item is unknown (skipped);
    `foreach (self::TARGETS as $t)` and a local `$name` inside the closure are followed."""
    s = service("php-laravel-directory-routes")
    assert {e.table for e in s.entities} == {"roles", "role_grants", "shelves", "crates"}
    grants = entity(s, "role_grants")
    assert [f.name for f in grants.fields] == ["role_id"]
    assert column(grants, "role_id").references == "roles.id"
    for table in ("shelves", "crates"):
        code = column(entity(s, table), "code")
        assert (code.type, code.nullable) == ("varchar", True)


def test_fallback_routes_are_served_under_their_group() -> None:
    found = endpoints(service("php-laravel-fallback-indexes"))
    # Route::fallback registers GET {fallbackPlaceholder} in the group around it
    assert where(found["GET", "/api/v2/{fallbackPlaceholder}"]) == (
        "TicketController@missing",
        "routes/api.php",
        9,
        "app/Http/Controllers/TicketController.php",
        12,
    )
    assert where(found["GET", "/{fallbackPlaceholder}"]) == (None, "routes/web.php", 5, None, None)
    assert ("GET", "/api/v2/tickets") in found


def test_column_indexes_keyed_renames_and_dropped_indexes() -> None:
    tickets = entity(service("php-laravel-fallback-indexes"), "Ticket")
    # foreach ([...'old' => 'new'] as $before => $after) renameColumn($before, $after)
    names = [f.name for f in tickets.fields]
    assert names == ["id", "queue_id", "requester_mail", "subject", "code", "status"]
    # dropUnique by the default name clears the column's unique; by columns drops the index
    assert column(tickets, "code").unique is False
    # `->index('name')` / `->index()` chained on a column; renamed with it; dropIndex by name
    assert [(i.columns, i.unique, i.name) for i in tickets.indexes] == [
        (["queue_id"], False, "tickets_queue_lookup"),
        (["requester_mail"], False, None),
    ]
