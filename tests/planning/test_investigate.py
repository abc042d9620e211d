"""Fix, debug, performance and refactor requests resolved through the code map
(planning/investigate.py), on the RealWorld backends of ../shared/realworld: every repo serves
the same API, so one request must land on each stack's own registration, handler, layer files
and entity — and nothing it names may be invented."""

from __future__ import annotations

import statistics
import time
from functools import cache

import pytest

from backend_planner.errors import ConfigError
from backend_planner.planning.investigate import (
    PLACEHOLDERS,
    Investigation,
    entity_files,
    investigate,
    load_catalog,
    parse_catalog,
)
from backend_planner.planning.resolve import lemmas
from backend_planner.workspace import Service, analyze
from backend_planner.workspace.scan import scan
from workspace.codemap.realworld import REALWORLD

DJANGO = "Sean-Miningah__realWorld-DjangoRestFramework"
LARAVEL = "adr1enbe4udou1n__laravel-realworld-example-app"
NEST = "adr1enbe4udou1n__nestjs-realworld-example-app"
SPRING = "alexey-lapin__realworld-backend-spring"
RAILS = "hummusonrails__realworld-couchbase-ruby-orm"
FASTAPI = "saschavonpapenCB__couchbase-fastapi-realworld"
GO = "siahsang__golang-realworld-example-app"
RUST = "snamiki1212__realworld-v1-rust-actix-web-diesel"
TYPEORM = "tgiardina__typescript-typeorm-realworld-example-app"
FLASK = "webofmars__realworld-flask"
ALL = [DJANGO, LARAVEL, NEST, SPRING, RAILS, FASTAPI, GO, RUST, TYPEORM, FLASK]
# Stacks whose code map has a unique constraint on the articles' slug (a SQL schema).
SQL = [DJANGO, LARAVEL, NEST, SPRING, GO, RUST, FLASK]

CREATE_500 = "Debug the intermittent 500 on article creation"
SLOW_LIST = "The articles list endpoint is slow"
LOGIN_500 = "Fix login returning 500"
ORDERS = "Orders list is slow"


@cache
def repo(directory: str) -> tuple[Service, tuple[str, ...]]:
    """The repo's backend (the one serving the most endpoints) and its files, analysed once."""
    profile = analyze(REALWORLD / directory)
    service = max(profile.backends(), key=lambda s: len(s.endpoints))
    return service, tuple(scan(REALWORLD / directory))


@cache
def run(directory: str, request: str) -> Investigation:
    service, files = repo(directory)
    return investigate(request, service, files)


def location_paths(inv: Investigation) -> list[str]:
    return [loc.split(" — ", 1)[0].rsplit(":", 1)[0] for loc in inv.locations]


def located(inv: Investigation, file: str | None, line: int | None) -> bool:
    return any(loc.startswith(f"{file}:{line} — ") for loc in inv.locations)


def names_article(name: str) -> bool:
    return "article" in lemmas(name)


# ----------------------------------------------------------------------------- 500 on create


@pytest.mark.parametrize("directory", SQL)
def test_intermittent_500_on_create_reads_the_post_endpoint_and_the_unique_slug(
    directory: str,
) -> None:
    inv = run(directory, CREATE_500)
    endpoint = inv.endpoints[0]
    assert endpoint.method == "POST" and endpoint.path.endswith("/articles")
    # registration first, then the handler, both with lines
    assert inv.locations[0] == f"{endpoint.file}:{endpoint.line} — registers POST {endpoint.path}"
    assert located(inv, endpoint.handler_file, endpoint.handler_line)
    assert names_article(inv.entities[0].name)
    entity = inv.entities[0]
    assert located(inv, entity.file, entity.line)
    unique = inv.facts[0].split("unique: ", 1)[1].split(";", 1)[0]
    assert "slug" in unique
    assert inv.symptom == "intermittent" and "server_error" in inv.symptoms
    assert inv.operation == "create"
    race = [c for c in inv.causes if c.startswith("Unique-constraint race")]
    assert race and "slug" in race[0]
    assert any("validation" in c for c in inv.causes)
    assert any(c.startswith("No transaction") for c in inv.causes)
    assert inv.regression_test and "parallel" in inv.regression_test


def test_without_a_unique_constraint_the_race_is_the_missing_constraint() -> None:
    inv = run(RAILS, CREATE_500)  # the Couchbase models declare no unique column
    assert "unique: none" in inv.facts[0]
    assert not any(c.startswith("Unique-constraint race") for c in inv.causes)
    assert any("has no unique constraint" in c for c in inv.causes)
    # the HTML and the API create are both served
    assert {e.path for e in inv.endpoints} == {"/articles", "/api/articles"}


def test_causes_use_the_orm_of_the_stack() -> None:
    assert any("transaction.atomic()" in c for c in run(DJANGO, CREATE_500).causes)
    assert any("DB::transaction()" in c for c in run(LARAVEL, CREATE_500).causes)
    assert any("prisma.$transaction()" in c for c in run(NEST, CREATE_500).causes)
    assert any("select_related()" in c for c in run(DJANGO, SLOW_LIST).causes)
    assert any("with() eager loading" in c for c in run(LARAVEL, SLOW_LIST).causes)


# ----------------------------------------------------------------------------- slow list


@pytest.mark.parametrize("directory", [DJANGO, LARAVEL, NEST, SPRING, GO, RUST, FLASK, FASTAPI])
def test_slow_list_reads_the_list_handler_and_names_n_plus_one_and_unbounded(
    directory: str,
) -> None:
    inv = run(directory, SLOW_LIST)
    [endpoint] = inv.endpoints
    assert endpoint.method == "GET" and endpoint.path == "/api/articles"
    assert located(inv, endpoint.handler_file, endpoint.handler_line)
    assert inv.symptom == "slow" and inv.operation == "list"
    assert any(c.startswith("Unbounded results: GET /api/articles") for c in inv.causes)
    assert inv.not_found == []


@pytest.mark.parametrize("directory", [DJANGO, LARAVEL, NEST, GO, RUST, FLASK])
def test_slow_list_names_the_columns_without_an_index(directory: str) -> None:
    inv = run(directory, SLOW_LIST)
    missing = inv.facts[0].split("none on ", 1)[1].split(", ")
    cause = next(c for c in inv.causes if c.startswith("No index on the columns"))
    assert all(column in cause for column in missing)
    assert any(c.startswith("N+1 queries") for c in inv.causes)


def test_an_indexed_list_has_no_missing_index_cause() -> None:
    inv = run(SPRING, SLOW_LIST)  # author_id and created_at are indexed in the changelog
    assert "indexes: author_id, created_at" in inv.facts[0]
    assert not any(c.startswith("No index on the columns") for c in inv.causes)


def test_the_orm_indexes_django_foreign_keys() -> None:
    fact = run(DJANGO, SLOW_LIST).facts[0]
    assert "author (foreign key, indexed by the ORM)" in fact
    assert "none on created" in fact


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        (NEST, ["src/articles/queries/articles.query.ts", "src/articles/articles.service.ts"]),
        (RUST, [f"src/app/features/article/{name}.rs" for name in ("repositories", "usecases")]),
        (DJANGO, ["articles/filters.py", "articles/serializers.py"]),
        (GO, ["internal/core/articles.go"]),
        (FASTAPI, ["api/core/article.py"]),
        (LARAVEL, ["app/Http/Resources/MultipleArticlesResource.php"]),
    ],
)
def test_slow_list_reads_the_entitys_query_service_and_serializer_files(
    directory: str, expected: list[str]
) -> None:
    inv = run(directory, SLOW_LIST)
    for path in expected:
        assert path in inv.files


def test_the_list_query_comes_before_the_single_item_query() -> None:
    files = run(SPRING, SLOW_LIST).files
    base = "service/src/main/java/com/github/al/realworld/"
    assert f"{base}application/query/GetArticlesHandler.java" in files
    assert f"{base}domain/repository/ArticleRepository.java" in files
    # the write handlers are not read for a slow list
    assert f"{base}application/command/CreateArticleHandler.java" not in files


def test_a_create_reads_the_create_validation_not_the_update_one() -> None:
    files = run(LARAVEL, CREATE_500).files
    assert "app/Http/Requests/NewArticleRequest.php" in files
    assert "app/Http/Requests/UpdateArticleRequest.php" not in files


def test_a_missing_list_endpoint_is_not_found_but_the_entity_is_read() -> None:
    inv = run(TYPEORM, SLOW_LIST)  # this repo serves only POST /api/articles and POST /api/users
    assert inv.endpoints == []
    assert inv.not_found == ["articles list endpoint"]
    assert inv.closest == ["POST /api/articles"]
    assert "src/repositories/article/ArticleRepository.ts" in inv.files
    assert "src/services/article/ArticleService.ts" in inv.files


# ----------------------------------------------------------------------------- login


@pytest.mark.parametrize("directory", [d for d in ALL if d != TYPEORM])
def test_login_500_resolves_the_login_endpoint(directory: str) -> None:
    inv = run(directory, LOGIN_500)
    assert inv.endpoints[0].method == "POST"
    assert inv.endpoints[0].path.endswith("/users/login")
    assert located(inv, inv.endpoints[0].handler_file, inv.endpoints[0].handler_line)
    assert inv.symptom == "server_error"
    assert any(c.startswith("The login/registration path") for c in inv.causes)
    # a login is no entity's create: no unique-constraint race
    assert not any(c.startswith("Unique-constraint race") for c in inv.causes)


def test_login_reads_the_auth_code_and_the_login_files_first() -> None:
    inv = run(NEST, LOGIN_500)
    assert "src/auth/auth.service.ts" in inv.files
    dtos = [p for p in inv.files if p.endswith(".dto.ts")]
    assert dtos[0] == "src/users/dto/login.dto.ts"
    spring = run(SPRING, LOGIN_500).files
    assert any(p.endswith("/application/command/LoginUserHandler.java") for p in spring)


def test_a_repo_without_login_says_so() -> None:
    inv = run(TYPEORM, LOGIN_500)
    assert inv.endpoints == []
    assert inv.not_found == ["login endpoint"]
    assert inv.closest


# ----------------------------------------------------------------------------- not found


@pytest.mark.parametrize("directory", ALL)
def test_orders_list_is_not_found_with_the_closest_endpoints(directory: str) -> None:
    inv = run(directory, ORDERS)
    service, _ = repo(directory)
    labels = {f"{e.method} {e.path}" for e in service.endpoints}
    assert inv.not_found == ["orders list endpoint"]
    assert inv.endpoints == [] and inv.entities == []
    assert inv.closest and set(inv.closest) <= labels
    assert not inv.found


def test_a_written_out_endpoint_the_repo_lacks_is_not_found() -> None:
    inv = run(NEST, "POST /api/orders times out")
    assert inv.not_found == ["POST /api/orders"]
    assert inv.endpoints == []


# ----------------------------------------------------------------------------- other symptoms


def test_a_path_word_names_the_endpoint() -> None:
    for directory in (DJANGO, LARAVEL, NEST, SPRING, RUST, FLASK):
        inv = run(directory, "The articles feed is slow")
        assert [e.path for e in inv.endpoints] == ["/api/articles/feed"], directory
    spring = run(SPRING, "The articles feed is slow").files
    assert any(p.endswith("application/query/GetFeedHandler.java") for p in spring)


def test_a_synonym_names_the_entity() -> None:
    inv = run(NEST, "Posts list is slow")
    assert [e.label for e in inv.endpoints] == ["GET /api/articles"]


def test_an_explicit_endpoint_with_an_auth_failure() -> None:
    inv = run(LARAVEL, "Users get 401 on PUT /api/user after a while")
    assert [e.label for e in inv.endpoints] == ["PUT /api/user"]
    assert inv.symptom == "auth_failure" and inv.not_found == []
    assert "config/auth.php" in inv.files and "app/Support/JwtGuard.php" in inv.files
    assert any("Token scheme mismatch" in c for c in inv.causes)


def test_duplicates_on_a_table_without_unique_constraint() -> None:
    inv = run(LARAVEL, "Duplicate comments are created when users double click")
    assert [e.label for e in inv.endpoints] == ["POST /api/articles/{slug}/comments"]
    assert [e.name for e in inv.entities] == ["Comment"]  # the users only act here
    assert inv.symptom == "duplicates"
    assert any(c.startswith("comments has no unique constraint") for c in inv.causes)


@pytest.mark.parametrize(
    ("directory", "entity", "unique"),
    [
        (SPRING, "ArticleFavoriteJdbcEntity", "(article_id, user_id)"),
        (RUST, "Favorite", "(article_id, user_id)"),
        (GO, "FavouriteArticle", "(article_id, user_id) (primary key)"),
    ],
)
def test_a_deadlock_on_favoriting_reads_the_join_entity(
    directory: str, entity: str, unique: str
) -> None:
    inv = run(directory, "Deadlock when favoriting articles")
    assert {e.method for e in inv.endpoints} == {"POST", "DELETE"}
    assert all(e.path.endswith("/favorite") for e in inv.endpoints)
    assert inv.entities[0].name == entity
    assert f"unique: {unique}" in inv.facts[0]
    assert inv.symptom == "deadlock"


def test_n_plus_one_names_the_relations_the_list_loads() -> None:
    inv = run(NEST, "N+1 queries on the articles feed")
    assert inv.symptom == "n_plus_one"
    cause = next(c for c in inv.causes if c.startswith("Related rows"))
    assert "author" in cause and "ArticleFavorite" in cause and "ArticleTag" in cause


# ----------------------------------------------------------------------------- refactor


def test_refactor_to_a_repository_layer_that_exists() -> None:
    inv = run(TYPEORM, "Refactor the articles endpoints to use a repository layer")
    facts = inv.refactor
    assert facts is not None and facts.target_layer == "repository"
    assert facts.target_exists
    assert facts.target_files == ["src/repositories/article/ArticleRepository.ts"]
    assert "src/repositories/user/UserRepository.ts" in facts.layers["repository"]


def test_refactor_to_a_repository_layer_that_does_not_exist() -> None:
    inv = run(LARAVEL, "Refactor the articles endpoints to use a repository layer")
    facts = inv.refactor
    assert facts is not None and facts.target_layer == "repository"
    assert not facts.target_exists and facts.target_files == []
    assert facts.direct_handlers == ["app/Http/Controllers/Api/ArticleController.php"]
    # every article endpoint is in scope, none of the comments'
    assert {e.label for e in inv.endpoints} >= {"GET /api/articles", "POST /api/articles"}
    assert not any("comments" in e.path for e in inv.endpoints)


def test_a_problem_report_is_no_refactor() -> None:
    assert run(NEST, SLOW_LIST).refactor is None


# ----------------------------------------------------------------------------- invariants

REQUESTS = [
    CREATE_500,
    SLOW_LIST,
    LOGIN_500,
    ORDERS,
    "The articles feed is slow",
    "Deadlock when favoriting articles",
    "Memory leak when listing comments",
    "Comments list returns wrong results",
    "Fetching a profile is slow",
    "Refactor the articles endpoints to use a repository layer",
]


@pytest.mark.parametrize("directory", ALL)
def test_no_location_is_invented(directory: str) -> None:
    _, files = repo(directory)
    for request in REQUESTS:
        inv = run(directory, request)
        assert set(location_paths(inv)) <= set(files), request
        assert inv.files == list(dict.fromkeys(location_paths(inv))), request
        for text in [*inv.causes, *inv.checks, inv.regression_test or ""]:
            assert not any(f"{{{name}}}" in text for name in PLACEHOLDERS), text


@pytest.mark.parametrize("directory", ALL)
def test_investigating_is_deterministic_and_fast(directory: str) -> None:
    service, files = repo(directory)
    first = [investigate(r, service, files) for r in REQUESTS]
    timings = []
    for _ in range(5):
        for request in REQUESTS:
            start = time.perf_counter()
            investigate(request, service, files)
            timings.append(time.perf_counter() - start)
    assert [investigate(r, service, files) for r in REQUESTS] == first
    assert statistics.median(timings) < 0.005


def test_entity_files_on_its_own() -> None:
    service, files = repo(RUST)
    article = next(e for e in service.entities if e.name == "Article")
    found = entity_files(service, article, files, roles=("repository", "service"))
    assert [(f.path, f.role) for f in found] == [
        ("src/app/features/article/repositories.rs", "repository"),
        ("src/app/features/article/usecases.rs", "service"),
    ]


# ----------------------------------------------------------------------------- catalog


CATALOG = "planning/catalog/symptoms.toml"


def catalog_text() -> str:
    from importlib import resources

    return (
        resources.files("backend_planner.planning")
        .joinpath("catalog/symptoms.toml")
        .read_text(encoding="utf-8")
    )


def test_the_catalog_covers_the_symptom_kinds() -> None:
    kinds = set(load_catalog().symptoms)
    assert {
        "slow",
        "n_plus_one",
        "server_error",
        "intermittent",
        "duplicates",
        "wrong_results",
        "memory_leak",
        "auth_failure",
        "deadlock",
    } <= kinds
    for symptom in load_catalog().symptoms.values():
        assert symptom.causes and symptom.checks and symptom.regression_test


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("related rows ({relations})", "related rows ({relatives})", "unknown placeholder"),
        ('"n_plus_one", "missing_index"', '"n_plus_one", "no_such_cause"', "names unknown"),
        ('triggers = ["slow",', 'triggers = ["deadlock", "slow",', "is also"),
        ('when = ["list"]', 'when = ["lists"]', "when"),
    ],
)
def test_a_broken_catalog_is_a_config_error(old: str, new: str, message: str) -> None:
    text = catalog_text()
    assert old in text
    with pytest.raises(ConfigError, match=message):
        parse_catalog(text.replace(old, new, 1), CATALOG)
