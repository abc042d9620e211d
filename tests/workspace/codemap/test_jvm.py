"""Code map of Java/Kotlin services: Spring routes, JPA / Spring Data JDBC entities, Liquibase."""

from __future__ import annotations

from pathlib import Path

from backend_planner.workspace import analyze
from backend_planner.workspace.codemap.extractors.jvm_config import parse_properties, parse_yaml
from backend_planner.workspace.facts import Endpoint, Entity
from backend_planner.workspace.manifests import parse_gradle, read_version_catalog
from workspace.codemap.realworld import score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"
API = "api/src/main/java/com/example/api/ProductApi.java"
WEB = "app/src/main/java/com/example/app/web/"


def _service(name: str):  # type: ignore[no-untyped-def]
    profile = analyze(FIXTURES / name)
    assert len(profile.services) == 1, profile.services
    return profile.services[0]


def _routes(service) -> dict[tuple[str, str], Endpoint]:  # type: ignore[no-untyped-def]
    return {(e.method, e.path): e for e in service.endpoints}


def _entity(service, name: str) -> Entity:  # type: ignore[no-untyped-def]
    return next(e for e in service.entities if e.name == name)


def test_multimodule_gradle_build_sees_interfaces_of_its_api_module() -> None:
    service = _service("jvm-multimodule")
    assert service.path == "app"
    routes = _routes(service)
    listed = routes[("GET", "/shop/v1/products")]
    assert (listed.handler, listed.file, listed.line) == ("ProductController.list", API, 11)
    assert (listed.handler_file, listed.handler_line) == (WEB + "ProductController.java", 10)
    created = routes[("POST", "/shop/v1/products")]  # @PostExchange, constant path
    assert (created.file, created.line, created.handler_line) == (API, 14, 15)
    # not overridden visibly: the handler is the interface's method
    shown = routes[("GET", "/shop/v1/products/{productId}")]
    assert (shown.handler, shown.handler_file, shown.handler_line) == (
        "ProductController.show",
        API,
        18,
    )


def test_class_prefixes_placeholders_and_methods() -> None:
    routes = _routes(_service("jvm-multimodule"))
    orders = WEB + "OrderController.java"
    # ${shop.orders-path} from application.yml (the dev profile's value is not used),
    # server.servlet.context-path prepended, both class-level paths
    for prefix in ("/shop/orders", "/shop/legacy/orders"):
        assert routes[("GET", prefix)].file == orders
        assert routes[("PUT", prefix + "/{id}")].line == 18
        assert routes[("PATCH", prefix + "/{id}")].handler == "OrderController.update"
        removed = routes[("DELETE", prefix + "/{dynamic}/{id}")]  # unknown placeholder
        assert removed.dynamic and removed.handler_line == 24
    assert len(routes) == 11


def test_jpa_entities_merge_with_liquibase_tables() -> None:
    service = _service("jvm-multimodule")
    order = _entity(service, "PurchaseOrder")
    assert order.table == "orders"
    assert order.file == "app/src/main/java/com/example/app/model/PurchaseOrder.java"
    assert order.line == 20
    fields = {f.name: f for f in order.fields}
    assert set(fields) == {"id", "number", "status", "customer_id", "created_at"}
    assert fields["id"].primary_key
    assert (fields["number"].nullable, fields["number"].unique) == (False, True)
    assert fields["customer_id"].references == "customer"
    assert fields["customer_id"].nullable is False  # @ManyToOne(optional = false)
    assert fields["created_at"].type == "Instant"  # from the @MappedSuperclass
    assert fields["status"].nullable is False  # from the changelog (the model says nothing)
    assert [(i.columns, i.unique) for i in order.indexes][:2] == [
        (["status"], False),
        (["customer_id", "number"], True),
    ]
    assert order.sources == ["app/src/main/resources/db/changelog/orders.xml:4"]
    customer = _entity(service, "Customer")
    assert customer.table == "customer"  # default: the class name in snake_case


def test_liquibase_yaml_changelog() -> None:
    audit = _entity(_service("jvm-multimodule"), "audit_log")
    assert audit.table == "audit_log"
    assert audit.file == "app/src/main/resources/db/changelog/db.changelog-master.yaml"
    fields = {f.name: f for f in audit.fields}
    assert fields["id"].primary_key and fields["id"].nullable is False
    assert fields["customer_id"].references == "customer.id"
    assert fields["message"].type == "TEXT" and fields["message"].unique  # addColumn, index


def test_kotlin_controller_and_entity() -> None:
    service = _service("jvm-kotlin")
    assert service.language == "kotlin"
    routes = _routes(service)
    controller = "src/main/kotlin/com/example/web/NoteController.kt"
    shown = routes[("GET", "/api/notes/{id}")]  # "\${api.base}$NOTES": property + const val
    assert (shown.file, shown.line, shown.handler_file, shown.handler_line) == (
        controller,
        11,
        controller,
        12,
    )
    assert routes[("POST", "/api/notes")].handler == "NoteController.create"
    note = _entity(service, "Note")
    assert note.table == "notes"
    fields = {f.name: f for f in note.fields}
    assert fields["id"].primary_key
    assert fields["title"].nullable is False
    assert fields["body"].nullable is True  # String?
    assert note.indexes[0].columns == ["title"] and note.indexes[0].unique


VOUCHERS = "web/src/main/java/org/acme/web/VoucherController.java"


def test_composed_annotations_and_the_config_folder() -> None:
    service = _service("jvm-composed")
    routes = _routes(service)
    # @ApiController = @RestController + @RequestMapping("/api/v2"); context path from
    # src/main/resources/config/application.yml, which wins over application.properties
    issued = routes[("POST", "/store/api/v2/vouchers")]  # @OpenPost = @RequestMapping(POST)
    assert (issued.handler, issued.file, issued.line, issued.handler_line) == (
        "VoucherController.issue",
        VOUCHERS,
        12,
        13,
    )
    assert routes[("GET", "/store/api/v2/vouchers/{code}")].line == 17  # @GetMapping-based
    redeemed = routes[("POST", "/store/api/v2/vouchers/{code}/redeem")]  # composed of composed
    assert redeemed.handler == "VoucherController.redeem"
    assert ("DELETE", "/store/api/v2/vouchers/{code}") in routes
    assert len(routes) == 4


def test_implicit_column_names_and_a_superclass_of_another_module() -> None:
    service = _service("jvm-composed")
    voucher = _entity(service, "Voucher")
    assert voucher.table == "voucher"
    assert voucher.file == "web/src/main/java/org/acme/web/Voucher.java"
    fields = {f.name: f for f in voucher.fields}
    # Spring Boot's naming: camelCase fields are snake_case columns; explicit names stay
    assert set(fields) == {
        "id",
        "promo_code",
        "maxUses",
        "replaced_voucher_id",
        "created_on",  # from the @MappedSuperclass of the `common` module
        "changed_by",
        "recipient_email",  # GiftVoucher's: single-table inheritance, JPA's default
    }
    assert fields["promo_code"].unique and fields["promo_code"].nullable is False  # changelog
    assert fields["replaced_voucher_id"].references == "voucher"
    assert fields["created_on"].type == "Instant"
    # a changeSet of the "test" context builds no table of the application; a JOINED
    # subclass has a table of its own
    assert {(e.name, e.table) for e in service.entities} == {
        ("Voucher", "voucher"),
        ("Reward", "rewards"),
        ("CashbackReward", "cashback_reward"),
    }


def test_functional_routes() -> None:
    service = _service("jvm-functional")
    routes = _routes(service)
    kotlin = "src/main/kotlin/org/acme/library/"
    java = "src/main/java/org/acme/library/legacy/"
    shown = routes[("GET", "/lib/books/{isbn}")]  # `"/$BOOK"`: a companion const
    assert (shown.handler, shown.file, shown.line) == (
        "BookHandler.show",
        kotlin + "LibraryRoutes.kt",
        21,
    )
    assert (shown.handler_file, shown.handler_line) == (kotlin + "BookHandler.kt", 10)
    assert routes[("POST", "/lib/books/{isbn}/loans")].handler == "BookHandler.borrow"
    assert routes[("GET", "/lib/books")].line == 20
    inline = routes[("GET", "/lib/health")]  # a lambda handler
    assert (inline.handler, inline.handler_file, inline.handler_line) == (
        "LibraryRoutes.libraryRouter",
        kotlin + "LibraryRoutes.kt",
        26,
    )
    assert routes[("GET", "/lib/ping")].handler == "BookHandler.list"  # GET("/ping").invoke(…)
    # Java: the builder's path(...), nest(path(...)), route(...).andRoute(...), method(...)
    joined = routes[("POST", "/lib/members/{id}")]
    assert (joined.handler, joined.file, joined.line) == (
        "MemberHandler.join",
        java + "MemberRoutes.java",
        26,
    )
    assert (joined.handler_file, joined.handler_line) == (java + "MemberHandler.java", 13)
    assert routes[("GET", "/lib/members")].handler == "MemberHandler.all"
    left = routes[("DELETE", "/lib/old/members/{id}")]  # a local variable's method
    assert (left.line, left.handler_line) == (34, 17)
    assert routes[("PUT", "/lib/old/members")].handler == "MemberRoutes.memberStatic"
    assert routes[("PATCH", "/lib/old/flags")].handler == "MemberHandler.join"
    assert len(routes) == 10


def test_kotlin_computed_properties_are_no_columns() -> None:
    label = _entity(_service("jvm-kotlin"), "Label")
    fields = {f.name: f for f in label.fields}
    assert set(fields) == {"id", "display_name", "priority", "archived", "hex"}
    # types of literal initializers, which are not null
    assert (fields["display_name"].type, fields["display_name"].nullable) == ("String", False)
    assert (fields["priority"].type, fields["archived"].type) == ("Int", "Boolean")
    assert fields["hex"].nullable is True


def test_version_catalog_accessors() -> None:
    catalog = read_version_catalog(
        '[libraries]\nweb = { module = "org.springframework.boot:spring-boot-starter-web" }\n'
        '[plugins]\nboot = { id = "org.springframework.boot", version = "3.3.0" }\n'
    )
    names = parse_gradle(
        "plugins { alias(libs.plugins.boot) }\n"
        "dependencies { implementation(libs.web) }\n"
        "dependencies { implementation(libs.spring.springBootStarterWebmvc) }",
        catalog,
    )
    assert {
        "org.springframework.boot",
        "spring-boot-starter-web",
        "spring-boot-starter-webmvc",
    } <= names


def test_config_files() -> None:
    assert parse_properties("# c\na.b = /x\nc: y\nlong=a\\\n  b\n") == {
        "a.b": "/x",
        "c": "y",
        "long": "ab",
    }
    assert parse_yaml("a:\n  b: 1\n---\nspring.profiles: dev\na.b: 2\n") == {"a.b": "1"}
    assert parse_yaml("a: [unclosed") == {}


def test_mongodb_documents_and_unidirectional_one_to_many() -> None:
    service = _service("jvm-documents")
    fields = {
        e.name: {f.name: f for f in e.fields} for e in service.entities
    }  # entity → column → field
    review = _entity(service, "Review")
    assert (review.table, review.line) == ("book_reviews", 9)
    assert fields["Review"]["reviewId"].primary_key
    assert fields["Review"]["isbn"].unique  # @Indexed(unique = true): a unique index too
    assert [(i.columns, i.unique) for i in review.indexes] == [(["isbn"], True)]
    assert "stars" in fields["Review"] and "rating" not in fields["Review"]  # @Field("stars")
    assert "reviewerName" in fields["Review"]  # MongoDB keeps property names as written
    assert _entity(service, "ReadingList").table == "readingList"
    # Branch's @OneToMany @JoinColumn: the foreign key is a column of the shelf table
    branch_ref = fields["Shelf"]["branch_ref"]
    assert (branch_ref.references, branch_ref.nullable) == ("branches", False)
    assert "shelves" not in fields["Branch"] and "loans" not in fields["Branch"]
    assert "code" in fields["Shelf"]  # another library's @Field renames no JPA column
    assert fields["Loan"]["branch_id"].references == "branches"
    assert set(fields["Loan"]) == {"id", "branch_id"}  # mappedBy adds no column


def test_active_profile_of_application_yml() -> None:
    # spring.profiles.active (its ${ENV:default}) brings application-local.yml's context path
    # and the `on-profile: local` document's placeholder value; the prod profile stays unused
    routes = _routes(_service("jvm-documents"))
    shown = routes[("GET", "/shelf/api/v2/reviews/{id}")]
    assert (shown.handler, shown.line, shown.handler_line) == ("ReviewController.show", 10, 11)
    assert len(routes) == 1


def test_imported_path_constants_and_overloaded_handlers() -> None:
    routes = _routes(_service("jvm-constants"))
    plants = "src/main/kotlin/org/garden/plants/PlantController.kt"
    sheds = "src/main/java/org/garden/sheds/ShedController.java"
    # Kotlin `import Owner.NAME` (and `as ALIAS`) of an object's const val of another file
    listed = routes[("GET", "/v2/plants")]
    assert (listed.handler, listed.file, listed.line, listed.handler_line) == (
        "PlantController.list",
        plants,
        12,
        13,
    )
    assert routes[("POST", "/v2/plants")].handler == "PlantController.plant"
    assert routes[("GET", "/v2/plants/{plantId}")].handler_line == 19
    # Java `import static Owner.*`, constants built from constants
    assert routes[("GET", "/sheds/{shedId}/tools")].file == sheds
    # two overloads of one name, both mapped: two endpoints, each at its own method
    first = routes[("DELETE", "/sheds/{shedId}")]
    second = routes[("DELETE", "/sheds/{shedId}/tools/{toolId}")]
    assert (first.handler, first.line, first.handler_line) == ("ShedController.remove", 18, 19)
    assert (second.handler, second.line, second.handler_line) == ("ShedController.remove", 22, 23)
    assert not any(e.dynamic for e in routes.values() if "seasons" not in e.path)


def test_router_dsl_routes_in_loops_and_conditions() -> None:
    routes = _routes(_service("jvm-constants"))
    declared = "src/main/kotlin/org/garden/plants/SeasonRoutes.kt"
    handlers = "src/main/kotlin/org/garden/plants/SeasonHandler.kt"
    assert routes[("GET", "/seasons")].handler_line == 8
    # a loop variable in the path: that segment is {dynamic}, the rest is kept
    harvest = routes[("GET", "/seasons/{dynamic}/harvest")]
    assert harvest.dynamic and (harvest.file, harvest.line) == (declared, 15)
    archived = routes[("GET", "/seasons/{dynamic}/{dynamic}")]  # a loop in a loop
    assert (archived.handler, archived.handler_file, archived.handler_line) == (
        "SeasonHandler.archive",
        handlers,
        12,
    )
    booked = routes[("POST", "/seasons/winter")]  # declared under an `if`
    assert not booked.dynamic and booked.line == 21


def test_embedded_and_embedded_id_columns() -> None:
    shed = _entity(_service("jvm-constants"), "Shed")
    fields = {f.name: f for f in shed.fields}
    # @EmbeddedId: the key class's columns, all primary key; @Embedded and an unannotated
    # field of an @Embeddable type (a record here): their columns, no column of their own
    assert list(fields) == [
        "garden_id",
        "number",
        "label",
        "built_at",
        "painted_at",
        "latitude",
        "longitude",
    ]
    assert fields["garden_id"].primary_key and fields["number"].primary_key
    assert not fields["label"].primary_key and fields["label"].nullable is False
    assert fields["built_at"].nullable is False and fields["built_at"].type == "Instant"


def test_realworld_spring() -> None:
    s = score("alexey-lapin__realworld-backend-spring")
    assert s.recall == 1.0, s.missed
    assert s.precision == 1.0, s.false_positives
    assert s.entity_recall == 1.0, s.entities_missed
