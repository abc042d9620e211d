"""The Rails code map: routes.rb expanded into endpoints pointing at controller actions, and
ActiveRecord / Mongoid / couchbase-orm models with their schema.rb or migration columns."""

from __future__ import annotations

from pathlib import Path

from backend_planner.workspace import analyze
from backend_planner.workspace.codemap.extractor import ServiceContext
from backend_planner.workspace.codemap.extractors.ruby_rails_routes import RailsRoutes
from backend_planner.workspace.facts import Endpoint, Entity, Service
from workspace.codemap.realworld import score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"


def service(name: str) -> Service:
    profile = analyze(FIXTURES / name)
    assert len(profile.services) == 1
    return profile.services[0]


def routes(name: str) -> dict[tuple[str, str], Endpoint]:
    endpoints = service(name).endpoints
    found = {(e.method, e.path): e for e in endpoints}
    assert len(found) == len(endpoints), "one endpoint per method and path"
    return found


def entity(entities: list[Entity], name: str) -> Entity:
    return next(e for e in entities if e.name == name)


def test_routes_expand_resources_scopes_and_verbs() -> None:
    found = routes("ruby-routes")
    assert {(m, p): e.handler for (m, p), e in found.items()} == {
        ("GET", "/"): "pages#home",
        # namespace :api / :v1, resources with param:, except:, on: member/collection
        ("GET", "/api/v1/products"): "api/v1/products#index",
        ("POST", "/api/v1/products"): "api/v1/products#create",
        ("GET", "/api/v1/products/search"): "api/v1/products#search",
        ("GET", "/api/v1/products/{sku}"): "api/v1/products#show",
        ("PATCH", "/api/v1/products/{sku}"): "api/v1/products#update",
        ("PUT", "/api/v1/products/{sku}"): "api/v1/products#update",
        ("POST", "/api/v1/products/{sku}/restock"): "api/v1/products#restock",
        # nested resources take the parent's :<singular>_<param>; concerns replayed
        ("GET", "/api/v1/products/{product_sku}/variants"): "api/v1/variants#index",
        ("GET", "/api/v1/products/{product_sku}/variants/{id}"): "api/v1/variants#show",
        ("GET", "/api/v1/products/{product_sku}/reviews"): "api/v1/reviews#index",
        ("POST", "/api/v1/products/{product_sku}/reviews"): "api/v1/reviews#create",
        # singular resource: plural controller, bare verb in its block is a member route
        ("GET", "/api/v1/cart"): "api/v1/carts#show",
        ("PATCH", "/api/v1/cart"): "api/v1/carts#update",
        ("PUT", "/api/v1/cart"): "api/v1/carts#update",
        ("POST", "/api/v1/cart/checkout"): "api/v1/carts#checkout",
        ("GET", "/api/v1/status"): "api/v1/health#show",
        # shallow nesting with path:
        ("GET", "/purchases"): "orders#index",
        ("POST", "/purchases"): "orders#create",
        ("GET", "/purchases/export"): "orders#export",
        ("GET", "/purchases/{id}"): "orders#show",
        ("PATCH", "/purchases/{id}"): "orders#update",
        ("PUT", "/purchases/{id}"): "orders#update",
        ("DELETE", "/purchases/{id}"): "orders#destroy",
        ("GET", "/purchases/{order_id}/payments"): "payments#index",
        ("POST", "/purchases/{order_id}/payments"): "payments#create",
        ("GET", "/payments/{id}"): "payments#show",
        # scope path + module, scope module + path with controller:
        ("GET", "/shop/deals"): "storefront/deals#index",
        ("GET", "/backoffice/users"): "admin/members#index",
        # match via:, path shorthand, redirect, mount
        ("GET", "/webhooks/{provider}"): "webhooks#receive",
        ("POST", "/webhooks/{provider}"): "webhooks#receive",
        ("GET", "/pages/about"): "pages#about",
        ("GET", "/legacy"): 'redirect("/pages/about")',
        ("ANY", "/sidekiq"): "Sidekiq::Web",
        # draw :admin (config/routes/admin.rb); the controller's base is unknown: all kept
        ("GET", "/admin/reports"): "admin/reports#index",
        ("GET", "/admin/reports/new"): "admin/reports#new",
        ("POST", "/admin/reports"): "admin/reports#create",
    }


def test_routes_point_at_their_actions() -> None:
    found = routes("ruby-routes")

    def place(method: str, path: str) -> tuple[str, int, str | None, int | None]:
        e = found[(method, path)]
        return (e.file, e.line, e.handler_file, e.handler_line)

    products = "app/controllers/api/v1/products_controller.rb"
    assert place("GET", "/api/v1/products") == ("config/routes.rb", 8, products, 4)
    assert place("POST", "/api/v1/products/{sku}/restock") == ("config/routes.rb", 10, products, 20)
    # inherited from the namespace's base controller
    assert place("GET", "/api/v1/products/{sku}") == (
        "config/routes.rb",
        8,
        "app/controllers/api/v1/base_controller.rb",
        4,
    )
    # from an included concern
    assert place("GET", "/purchases/export") == (
        "config/routes.rb",
        24,
        "app/controllers/concerns/exportable.rb",
        2,
    )
    assert place("GET", "/admin/reports") == (
        "config/routes/admin.rb",
        2,
        "app/controllers/admin/reports_controller.rb",
        2,
    )
    # a template-only action is served, without a method to point at
    assert place("GET", "/pages/about") == ("config/routes.rb", 37, None, None)
    assert not any(e.dynamic for e in found.values())


def test_resource_routes_without_an_action_are_dropped() -> None:
    found = routes("ruby-routes")
    # ProductsController: no `new`, `edit` is private; OrdersController: neither new nor edit
    assert ("GET", "/api/v1/products/new") not in found
    assert ("GET", "/api/v1/products/{sku}/edit") not in found
    assert ("DELETE", "/api/v1/products/{sku}") not in found  # except: destroy
    assert ("GET", "/purchases/new") not in found
    assert ("GET", "/purchases/{id}/edit") not in found


def test_routing_dsl_of_real_apps() -> None:
    found = routes("ruby-routes-dsl")
    assert {(m, p): e.handler for (m, p), e in found.items()} == {
        # root with via:
        ("GET", "/"): "home#index",
        ("POST", "/"): "home#index",
        # parameters inside a segment
        ("GET", "/@{handle}"): "profiles#show",
        ("GET", "/~{login}/feed"): "feeds#index",
        ("GET", "/exports/{name}.csv"): "exports#download",
        # with_options: to: given to each verb, only: to each resources
        ("GET", "/me"): "profiles#show",
        ("GET", "/me/summary"): "profiles#show",
        ("GET", "/reports"): "reports#index",
        # a namespace inside resource(s) nests under the resource, then adds its path/module
        ("GET", "/account"): "accounts#show",
        ("GET", "/account/security/keys"): "security/keys#index",
        ("DELETE", "/account/security/keys/{id}"): "security/keys#destroy",
        ("GET", "/teams/{team_id}/billing/plan"): "billing/plans#show",
        # format: true
        ("GET", "/feeds/{id}.{format}"): "feeds#show",
        ("GET", "/downloads/{id}.{format}"): "downloads#show",
        # literal arrays iterated with each
        ("GET", "/terms"): "pages#show",
        ("GET", "/privacy"): "pages#show",
        ("GET", "/news"): "news#index",
        ("GET", "/blog"): "blog#index",
        # resources with to:
        ("GET", "/profiles/{profile_handle}/followers"): "profiles#followers",
        # prepend_mod_with from outside the class: its module's actions, and any other kept
        ("GET", "/invoices/{id}/audit"): "invoices#audit",
        ("GET", "/invoices/{id}/export"): "invoices#export",
        ("GET", "/invoices/{id}/forecast"): "invoices#forecast",
    }
    profile = "app/controllers/profiles_controller.rb"
    me = found[("GET", "/me/summary")]
    assert (me.file, me.line, me.handler_file, me.handler_line) == (
        "config/routes.rb",
        12,
        profile,
        2,
    )
    terms = found[("GET", "/terms")]
    assert (terms.line, terms.dynamic) == (37, False)
    followers = found[("GET", "/profiles/{profile_handle}/followers")]
    assert (followers.line, followers.handler_file, followers.handler_line) == (45, profile, 6)
    export = found[("GET", "/invoices/{id}/export")]
    assert (export.handler_file, export.handler_line) == (
        "enterprise/app/controllers/enterprise/invoices_controller.rb",
        2,
    )
    assert found[("GET", "/invoices/{id}/forecast")].handler_file is None


def test_auth_gem_macros_draw_their_routes() -> None:
    found = routes("ruby-devise")
    assert {(m, p): e.handler for (m, p), e in found.items()} == {
        # Member: database_authenticatable, confirmable, omniauthable; path:, path_names:,
        # controllers:, sign_out_via:
        ("GET", "/auth/login"): "members/sessions#new",
        ("POST", "/auth/login"): "members/sessions#create",
        ("GET", "/auth/logout"): "members/sessions#destroy",
        ("DELETE", "/auth/logout"): "members/sessions#destroy",
        ("GET", "/auth/confirmation/new"): "devise/confirmations#new",
        ("GET", "/auth/confirmation"): "devise/confirmations#show",
        ("POST", "/auth/confirmation"): "devise/confirmations#create",
        ("GET", "/auth/auth/{provider}"): "devise/omniauth_callbacks#passthru",
        ("POST", "/auth/auth/{provider}"): "devise/omniauth_callbacks#passthru",
        ("GET", "/auth/auth/{provider}/callback"): "devise/omniauth_callbacks",
        ("POST", "/auth/auth/{provider}/callback"): "devise/omniauth_callbacks",
        # Staff::Admin (class_name:) in a scope, registrations skipped
        ("GET", "/backoffice/admins/sign_in"): "devise/sessions#new",
        ("POST", "/backoffice/admins/sign_in"): "devise/sessions#create",
        ("DELETE", "/backoffice/admins/sign_out"): "devise/sessions#destroy",
        ("GET", "/backoffice/admins/password/new"): "devise/passwords#new",
        ("GET", "/backoffice/admins/password/edit"): "devise/passwords#edit",
        ("PATCH", "/backoffice/admins/password"): "devise/passwords#update",
        ("PUT", "/backoffice/admins/password"): "devise/passwords#update",
        ("POST", "/backoffice/admins/password"): "devise/passwords#create",
        ("GET", "/backoffice/admins/unlock/new"): "devise/unlocks#new",
        ("GET", "/backoffice/admins/unlock"): "devise/unlocks#show",
        ("POST", "/backoffice/admins/unlock"): "devise/unlocks#create",
        # no Guest model among the files: the generator's modules, limited by only:
        ("GET", "/guests/sign_in"): "devise/sessions#new",
        ("POST", "/guests/sign_in"): "devise/sessions#create",
        ("DELETE", "/guests/sign_out"): "devise/sessions#destroy",
        # use_doorkeeper: scope:, controllers renamed, controller groups skipped
        ("GET", "/api/oauth/authorize"): "doorkeeper/authorizations#new",
        ("GET", "/api/oauth/authorize/native"): "doorkeeper/authorizations#show",
        ("POST", "/api/oauth/authorize"): "doorkeeper/authorizations#create",
        ("DELETE", "/api/oauth/authorize"): "doorkeeper/authorizations#destroy",
        ("POST", "/api/oauth/token"): "api/tokens#create",
        ("POST", "/api/oauth/revoke"): "api/tokens#revoke",
        ("POST", "/api/oauth/introspect"): "api/tokens#introspect",
        ("GET", "/api/oauth/token/info"): "doorkeeper/token_info#show",
    }
    create = found[("POST", "/auth/login")]
    assert (create.file, create.line, create.handler_file, create.handler_line) == (
        "config/routes.rb",
        2,
        "app/controllers/members/sessions_controller.rb",
        3,
    )
    assert found[("GET", "/auth/login")].handler_file is None  # inherited from the gem


def test_devise_token_auth_mounts_its_routes() -> None:
    found = routes("ruby-token-auth")
    drawn = {(m, p): e.handler for (m, p), e in found.items()}
    # Account: database_authenticatable, registerable, omniauthable; passwords skipped, the
    # sessions controller renamed; the OmniAuth prefix routes sit at the root
    account = {
        ("GET", "/api/auth/sign_in"): "api/auth/sessions#new",
        ("POST", "/api/auth/sign_in"): "api/auth/sessions#create",
        ("DELETE", "/api/auth/sign_out"): "api/auth/sessions#destroy",
        ("GET", "/api/auth/sign_up"): "devise_token_auth/registrations#new",
        ("POST", "/api/auth"): "devise_token_auth/registrations#create",
        ("DELETE", "/api/auth"): "devise_token_auth/registrations#destroy",
        ("GET", "/api/auth/validate_token"): "devise_token_auth/token_validations#validate_token",
        ("GET", "/api/auth/{provider}/callback"): (
            "devise_token_auth/omniauth_callbacks#omniauth_success"
        ),
        ("POST", "/omniauth/{provider}/callback"): (
            "devise_token_auth/omniauth_callbacks#redirect_callbacks"
        ),
        ("GET", "/omniauth/failure"): "devise_token_auth/omniauth_callbacks#omniauth_failure",
        ("GET", "/api/auth/{provider}"): "redirect",
    }
    assert account.items() <= drawn.items()
    assert not any(p.startswith("/api/auth/password") for _, p in drawn)
    create = found[("POST", "/api/auth/sign_in")]
    assert (create.file, create.line, create.handler_file, create.handler_line) == (
        "config/routes.rb",
        3,
        "app/controllers/api/auth/sessions_controller.rb",
        4,
    )
    # Operator: no model among the files (the generator's modules), no OmniAuth routes
    operator = {p for _, p in drawn if p.startswith("/operator_auth")}
    assert operator == {
        "/operator_auth",
        "/operator_auth/cancel",
        "/operator_auth/edit",
        "/operator_auth/sign_up",
        "/operator_auth/password",
        "/operator_auth/password/new",
        "/operator_auth/password/edit",
        "/operator_auth/sign_in",
        "/operator_auth/sign_out",
        "/operator_auth/validate_token",
    }
    assert len(drawn) == 35


def test_broken_and_dynamic_routes_do_not_break_the_map(tmp_path: Path) -> None:
    source = (
        b"Rails.application.routes.draw do\n"
        b"  resources :posts, only: [:index] do\n"
        b"    get \"#{prefix}/x\", to: 'posts#x'\n"
        b"    get :broken, to:\n"
        b"  end\n"
        b"  get 'health', to: 'status#show'\n"
    )  # no closing `end`
    extractor = RailsRoutes()
    facts = extractor.extract("config/routes.rb", source)
    assert facts is not None
    ctx = ServiceContext(
        root=tmp_path,
        service_dir=".",
        language="ruby",
        frameworks=["rails"],
        orm=[],
        files=["config/routes.rb"],
    )
    endpoints = extractor.resolve({"config/routes.rb": facts}, ctx).endpoints
    assert {(e.method, e.path, e.dynamic) for e in endpoints} == {
        ("GET", "/posts", False),
        ("GET", "/posts/{post_id}/{dynamic}/x", True),
        ("GET", "/posts/{post_id}/broken", False),
        ("GET", "/health", False),
    }


def test_models_take_their_columns_from_schema_rb() -> None:
    entities = service("ruby-schema").entities
    names = {e.name for e in entities}
    # abstract ApplicationRecord and the STI subclass Admin are no entities of their own
    assert names == {"Article", "Billing::Invoice", "Category", "Person", "User", "articles_tags"}
    article = entity(entities, "Article")
    assert (article.table, article.file, article.line) == ("articles", "app/models/article.rb", 1)
    assert article.sources == ["db/schema.rb:8"]
    fields = {f.name: f for f in article.fields}
    assert (fields["title"].type, fields["title"].nullable) == ("string", False)
    assert not fields["title"].unique  # unique only within its category (`scope:`)
    assert fields["labels"].type == "string[]"  # array: true
    person = {f.name: f for f in entity(entities, "Person").fields}
    assert person["nickname"].unique  # uniqueness: { case_sensitive: false }
    assert fields["author_id"].references == "users"  # add_foreign_key column:
    assert fields["category_id"].references == "article_categories"  # belongs_to → table_name
    assert entity(entities, "Category").table == "article_categories"
    assert entity(entities, "Person").table == "people"
    invoice = entity(entities, "Billing::Invoice")
    assert invoice.table == "invoices"
    invoice_fields = {f.name: f for f in invoice.fields}
    assert (invoice_fields["id"].type, invoice_fields["id"].primary_key) == ("uuid", True)
    assert invoice_fields["user_id"].references == "users"
    user = {f.name: f for f in entity(entities, "User").fields}
    assert user["email"].unique and not user["email"].nullable
    join = entity(entities, "articles_tags")
    assert [(i.columns, i.unique) for i in join.indexes] == [(["article_id", "tag_id"], True)]
    assert "stale_things" not in names  # migrations are not read when schema.rb exists


def test_models_take_their_columns_from_migrations() -> None:
    entities = service("ruby-migrations").entities
    # drafts was dropped; create_join_table names its table after both (prefix written once)
    assert {e.name for e in entities} == {
        "Post",
        "writers",
        "posts_writers",
        "shop_categories_products",
        "bylines",
        "curators",
        "reviews",
    }
    post = {f.name: f for f in entity(entities, "Post").fields}
    assert list(post) == ["id", "writer_id", "created_at", "updated_at", "title", "slug"]
    assert (post["writer_id"].references, post["writer_id"].nullable) == ("writers", False)
    assert post["slug"].unique and post["slug"].nullable is False
    assert post["title"].type == "string"  # renamed from headline
    writers = {f.name: f for f in entity(entities, "writers").fields}
    assert writers["handle"].unique
    join = entity(entities, "posts_writers")
    assert [(f.name, f.type, f.nullable, f.references) for f in join.fields] == [
        ("writer_id", "uuid", False, "writers"),
        ("post_id", "uuid", False, "posts"),
    ]
    assert [(i.columns, i.unique) for i in join.indexes] == [(["post_id", "writer_id"], True)]
    assert [f.name for f in entity(entities, "shop_categories_products").fields] == [
        "shop_product_id",
        "shop_category_id",
    ]
    bylines = {f.name: f for f in entity(entities, "bylines").fields}
    # a composite primary key: each column is part of the key, none unique on its own
    assert [(f.primary_key, f.unique) for f in bylines.values()][:2] == [(True, False)] * 2
    assert bylines["label"].type == "string"  # t.virtual type:
    reviews = {f.name: f for f in entity(entities, "reviews").fields}
    assert reviews["editor_id"].references == "curators"  # the key follows rename_table
    assert reviews["tags"].type == "string[]"


def test_document_models_are_entities() -> None:
    entities = service("ruby-mongoid").entities
    shipment = entity(entities, "Shipment")
    assert shipment.table == "deliveries"  # store_in collection:
    fields = {f.name: f for f in shipment.fields}
    assert fields["_id"].primary_key
    assert fields["tracking_code"].type == "String" and fields["tracking_code"].unique
    assert fields["customer_id"].references == "customers"
    assert "created_at" in fields  # Mongoid::Timestamps
    customer = entity(entities, "Customer")
    assert customer.table == "customers"
    # index({..}, {..}), index key: 1, old `index :name, unique: true`, index([[k, dir], ...])
    assert [(i.columns, i.unique) for i in customer.indexes] == [
        (["email"], False),
        (["name"], True),
        (["region", "name"], False),
    ]
    assert {f.name: f.unique for f in customer.fields}["name"]
    carrier = entity(entities, "Carrier")
    assert carrier.table == "haulers"  # old `store_in :name`
    carrier_fields = {f.name: f for f in carrier.fields}
    assert [n for n in carrier_fields if n.endswith("_at")] == ["c_at", "u_at"]
    assert (carrier_fields["shipment_ids"].type, carrier_fields["shipment_ids"].references) == (
        "Array",
        "deliveries",
    )
    assert carrier_fields["partner_ids"].references == "customers"  # class_name:
    assert not carrier_fields["label"].unique  # unique within a scope only
    # embedded documents (and their subclasses) live inside their parent: no collection
    assert {e.name for e in entities} == {"Carrier", "Customer", "Shipment"}


def test_realworld_rails_couchbase() -> None:
    s = score("hummusonrails__realworld-couchbase-ruby-orm")
    assert s.recall == 1.0, s.missed
    assert s.precision == 1.0, s.false_positives
    assert s.entity_recall == 1.0, s.entities_missed


def test_isolated_engine_routes_reach_its_module_and_tables_get_its_prefix() -> None:
    """`isolate_namespace Bakery` in a `lib/` engine: its routes default to `bakery/…`
    controllers, and its models (`module Bakery; class Bun` or `class Bakery::Crust`) read
    `bakery_`-prefixed tables, associations to unread models included."""
    found = routes("ruby-engine")
    index = found[("GET", "/api/buns")]
    assert index.handler == "bakery/api/buns#index"
    assert (index.file, index.line) == ("config/routes.rb", 3)
    assert (index.handler_file, index.handler_line) == (
        "app/controllers/bakery/api/buns_controller.rb",
        4,
    )
    show = found[("GET", "/api/buns/{id}")]
    assert show.handler_line == 7
    entities = service("ruby-engine").entities
    bun = entity(entities, "Bakery::Bun")
    assert bun.table == "bakery_buns"
    fields = {f.name: f for f in bun.fields}
    assert fields["name"].type == "string" and fields["name"].nullable is False
    assert fields["oven_id"].references == "bakery_ovens"
    assert fields["recipe_id"].references == "recipes"  # `Pantry` declares no prefix
    assert entity(entities, "Bakery::Crust").table == "bakery_crusts"
    assert not any(e.name == "bakery_buns" for e in entities)  # merged into the model
