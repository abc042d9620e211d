"""Golden plan expectations: feature requests on real repos, each with the checklist a
demanding reviewer would hold the plan to.

Every case is (repo, request) + checks written from the repo's code and the RealWorld ground
truth (../shared/realworld/expected.json), not from what the planner prints today; every case
also passes the `UNIVERSAL` checks of golden.py (no rule violations, no placeholders, valid
identifiers, files to modify exist, files to create don't, nothing that exists is created
again, new endpoints under the API prefix, migrations in the repo's tool's scheme).
A failure lists review comments, one per line.
"""

from __future__ import annotations

from typing import Any

import pytest

from planning.golden import (
    REPOS,
    UNIVERSAL,
    Check,
    at_most_new_entities,
    builds_on,
    creates_like,
    creates_none_like,
    creates_only,
    criterion,
    endpoint_added,
    endpoint_like,
    endpoints_within,
    existing,
    field_added,
    field_references,
    intent,
    item,
    mentions,
    migration,
    modifies,
    modifies_any,
    new_entity,
    no_auth_lockout,
    no_endpoint,
    no_field,
    no_migration,
    no_new_endpoints,
    no_new_entities,
    no_public_endpoints,
    not_found,
    nothing_not_found,
    on_endpoint,
    only_new_entities,
    plan_of,
    public_endpoints,
    reads,
    run_checks,
    stores,
    template,
    token_hashed,
    tokens_hashed_if_any,
)

# ----------------------------------------------------------------------------- the repos

GO = "go-httprouter"
DRF = "django-drf"
FASTAPI_CB = "fastapi-couchbase"
FLASK = "flask"
TYPEORM = "express-typeorm"
NEST = "nestjs-prisma"
SPRING = "spring"
LARAVEL = "laravel"
RAILS = "rails-couchbase"
ACTIX = "actix-diesel"
GIN = "go-gin-shop"
INVENTORY = "fastapi-inventory"
PRISMA = "express-prisma"

# Files a reviewer names (all exist; see the repos).
GO_ROUTES = "cmd/handlers.go"
GO_ARTICLES = "cmd/articles.go"
GO_CORE = "internal/core/articles.go"
GO_MODELS = "models/models.go"
GO_LOGIN = "cmd/auth.go"
GO_USERS = "cmd/users.go"
GO_MIDDLEWARE = "cmd/middleware.go"

DRF_VIEWS = "articles/views.py"
DRF_MODELS = "articles/models.py"
DRF_SERIALIZERS = "articles/serializers.py"
DRF_FILTERS = "articles/filters.py"
DRF_ACCOUNTS = "accounts/views.py"
DRF_USER = "accounts/models.py"

FLASK_ROUTES = "realworld/api/routes/v1/articles/routes.py"
FLASK_SQL = "realworld/api/routes/v1/articles/handler.py"
FLASK_USERS = "realworld/api/routes/v1/users/routes.py"

NEST_CONTROLLER = "src/articles/articles.controller.ts"
NEST_SERVICE = "src/articles/articles.service.ts"
NEST_QUERY = "src/articles/queries/articles.query.ts"
NEST_DTO = "src/articles/dto/article.dto.ts"
NEST_CREATE_DTO = "src/articles/dto/article-create.dto.ts"
NEST_LOGIN = "src/users/users.controller.ts"
NEST_USERS = "src/users/users.service.ts"
NEST_AUTH = "src/auth/auth.service.ts"
NEST_USER = "src/user/user.controller.ts"
NEST_USER_SERVICE = "src/user/user.service.ts"
NEST_APP = "src/app.module.ts"
NEST_MAIN = "src/main.ts"
NEST_STRATEGY = "src/auth/jwt.strategy.ts"
NEST_GUARD = "src/auth/jwt-auth.guard.ts"

_JAVA = "service/src/main/java/com/github/al/realworld"
_API = "service-api/src/main/java/com/github/al/realworld/api"
SPRING_OPERATIONS = f"{_API}/operation/ArticleOperations.java"
SPRING_USER_OPERATIONS = f"{_API}/operation/UserOperations.java"
SPRING_CONTROLLER = f"{_JAVA}/infrastructure/web/ArticleController.java"
SPRING_USER_CONTROLLER = f"{_JAVA}/infrastructure/web/UserController.java"
SPRING_LOGIN = f"{_JAVA}/application/command/LoginUserHandler.java"
SPRING_SECURITY = f"{_JAVA}/infrastructure/config/SecurityConfig.java"
SPRING_WEB = f"{_JAVA}/infrastructure/config/WebConfig.java"
SPRING_ASSEMBLY = f"{_JAVA}/infrastructure/db/jdbc/ArticleAssemblyJdbcRepository.java"
SPRING_ARTICLE_ENTITY = f"{_JAVA}/infrastructure/db/jdbc/ArticleJdbcEntity.java"
SPRING_COMMENT = f"{_JAVA}/infrastructure/db/jdbc/CommentJdbcEntity.java"

LARAVEL_ARTICLES = "app/Http/Controllers/Api/ArticleController.php"
LARAVEL_ARTICLE = "app/Models/Article.php"
LARAVEL_USERS = "app/Http/Controllers/Api/UserController.php"
LARAVEL_USER = "app/Models/User.php"
LARAVEL_NEW_ARTICLE = "app/Http/Requests/NewArticleRequest.php"
LARAVEL_PROVIDER = "app/Providers/AppServiceProvider.php"
LARAVEL_GUARD = "app/Support/JwtGuard.php"

RAILS_ARTICLES = "app/controllers/api/articles_controller.rb"
RAILS_ARTICLE = "app/models/article.rb"
RAILS_USERS = "app/controllers/api/users_controller.rb"

ACTIX_ROUTES = "src/app/drivers/routes.rs"
ACTIX_ARTICLE = "src/app/features/article/entities.rs"
ACTIX_USER_CONTROLLER = "src/app/features/user/controllers.rs"
ACTIX_MAIN = "src/main.rs"

GIN_ROUTES = "internal/routes/routes.go"
GIN_USERS = "internal/handlers/user_handler.go"
GIN_USER_SERVICE = "internal/services/user_service.go"
GIN_PRODUCTS = "internal/handlers/product_handler.go"
GIN_PRODUCT_SERVICE = "internal/services/product_service.go"
GIN_AUTH = "internal/middleware/auth.go"

INV_ITEMS = "app/api/v1/items.py"
INV_REPOSITORY = "app/repositories/item_repository.py"
INV_SERVICE = "app/services/item_service.py"

PRISMA_PROJECTS_ROUTES = "src/routes/projects.routes.ts"
PRISMA_PROJECTS_SERVICE = "src/services/projects.service.ts"
PRISMA_PROJECTS_SCHEMA = "src/schemas/projects.schema.ts"
PRISMA_PROJECTS_CONTROLLER = "src/controllers/projects.controller.ts"

# ----------------------------------------------------------------------------- the requests

BOOKMARKS = "Let users bookmark articles"
SOFT_DELETE = "Add soft delete to articles"
RATE_LIMIT = "Add rate limiting to the login endpoint"
CURSOR = "Add cursor pagination to the articles list endpoint"
CURSOR_ORDERS = "Add cursor pagination to the orders list endpoint"
PASSWORD_RESET = "Add password reset"
READING_TIME = "Add a reading time field to articles and sort the feed by it"
CSV = "Export articles as CSV"
COMMENTS = "Add comments to articles"
EVENTS = "Publish an event when an article is created and process it in a consumer worker"
DEBUG_500 = "Creating an article returns 500 when the title is missing"
SLOW_LIST = "The articles list endpoint is slow"
REPOSITORY = "Refactor the article data access into a repository layer"
STRIPE = "Add Stripe subscriptions for users"
AVATAR = "Let users upload an avatar image to S3 for their profile"
GITHUB_LOGIN = "Add GitHub OAuth login"
GOOGLE_LOGIN = "Add Google OAuth login"
FILTER_SORT = "Let clients filter the articles list by creation date range and sort it by title"
TWO_FA = "Add two-factor authentication (TOTP) to login"
API_KEYS = "Let users create API keys to access the API"
AUDIT = "Add an audit log of changes to articles"
TENANCY = "Make the API multi-tenant: every article belongs to an organization"
WEBHOOKS = "Send webhooks to subscribers when an article is created"
EMAIL_VERIFICATION = "Add email verification for new users"

# ----------------------------------------------------------------------------- checklists
# Shared lines of the checklists, one function per kind of request.


def bookmarks(item_path: str, *files: str) -> list[Check]:
    """A user ↔ article relation copied from favorites: a join entity, POST/DELETE on the
    article, a migration, the favorites relation as the template."""
    return [
        item("relation", entity="Article"),
        new_entity(r"bookmark", [r"user", r"article"], why="the user ↔ article join"),
        only_new_entities(r"bookmark"),
        endpoint_added("POST", f"{item_path}/bookmark", public=False),
        endpoint_added("DELETE", f"{item_path}/bookmark", public=False),
        no_endpoint("PUT|PATCH", why="a bookmark has nothing to update"),
        template(r"favou?rite", why="the repo's existing favorites relation"),
        modifies(*files, why="where the article relation endpoints are registered and served"),
    ]


def soft_delete(delete: str, *files: str) -> list[Check]:
    return [
        field_added("Article", r"deleted", why="soft delete marks the row instead of removing it"),
        on_endpoint(delete),
        no_new_entities("soft delete adds a column, not a model"),
        endpoints_within(
            r"^/api/articles/\{[^}]+\}/restore$",
            why="soft delete changes the existing DELETE (a restore endpoint at most is new)",
        ),
        no_public_endpoints("only the author deletes or restores an article"),
        criterion(
            r"deleted",
            r"(GET /api/articles|list|404|not (be )?(returned|listed)|exclude|hidden)",
            why="that soft-deleted articles disappear from the list and detail reads",
        ),
        modifies(*files, why="where deletes and article reads happen"),
    ]


def rate_limit(login: str, *where: str) -> list[Check]:
    return [
        item("capability", endpoints=[login]),
        criterion(r"\b429\b", r"Retry-After", why="a 429 with Retry-After over the limit"),
        no_new_entities("a rate limit keeps counters in a store, not a model"),
        no_new_endpoints("rate limiting changes no API surface"),
        no_migration("a rate limit needs no schema change"),
        modifies_any(*where, why="the login route or its middleware chain"),
    ]


def cursor(listing: str, *files: str) -> list[Check]:
    return [
        item("capability", endpoints=[listing]),
        nothing_not_found(),
        no_new_entities("pagination adds no model"),
        no_new_endpoints("pagination changes the existing list endpoint"),
        criterion(r"cursor", r"\b400\b", why="a malformed cursor is a 400, never a 500"),
        modifies(*files, why="the list handler and the query it runs"),
    ]


def missing_orders() -> list[Check]:
    return [
        not_found("order"),
        no_new_entities("the repo has no orders; the plan must not invent them"),
        no_new_endpoints("the repo has no orders list to paginate"),
        no_migration("nothing is built for a thing that does not exist"),
        creates_none_like(r"order", why="the repo has no orders"),
    ]


def password_reset(*where: str) -> list[Check]:
    return [
        item("flow"),
        public_endpoints(2, why="request and confirm are reached logged out"),
        endpoint_like("POST", r"reset|forgot", public=True, why="asking for a reset link"),
        no_endpoint("DELETE", why="a reset flow deletes nothing through the API"),
        new_entity(r"reset|token", [r"user", r"expir"], why="single-use, expiring reset tokens"),
        token_hashed(r"reset|token"),
        no_auth_lockout(),
        criterion(
            r"(unknown|non-?existent|whether|known).{0,60}(email|account)|enumerat",
            why="no account enumeration (same answer for unknown emails)",
        ),
        migration("the reset tokens table"),
        modifies_any(*where, why="where the auth routes are registered"),
    ]


def reading_time(*files: str, feed: str = "GET /api/articles/feed") -> list[Check]:
    return [
        field_added("Article", r"reading_?time", why="the requested field"),
        on_endpoint(feed),
        nothing_not_found(),
        no_new_entities("a field on Article is not a model"),
        no_new_endpoints("the feed exists: it gains a sort order"),
        criterion(
            r"reading",
            r"(body|words?)",
            why="how reading time is derived from the body (and kept current on update)",
        ),
        modifies(*files, why="the Article model and the feed query"),
    ]


def csv_export(collection: str, *files: str) -> list[Check]:
    return [
        no_new_entities("an export reads existing rows"),
        no_migration("an export changes no schema"),
        no_endpoint("POST|PUT|PATCH|DELETE", why="an export is a read"),
        endpoints_within(f"^{collection}(/|$)", why="the export belongs to that collection"),
        criterion(
            r"text/csv|Content-Type|Content-Disposition",
            why="the response is a CSV download (text/csv, attachment)",
        ),
        criterion(
            r"escap|quot|formula|injection",
            why="values are quoted and formula injection (=, +, -, @) neutralised",
        ),
        modifies_any(*files, why="where the collection is served"),
    ]


def comments_exist(entity_file: str) -> list[Check]:
    return [
        existing("Comment", entity_file),
        nothing_not_found(),
        no_new_entities("comments exist"),
        no_new_endpoints("the comment endpoints exist"),
        no_migration("comments already have their storage"),
        creates_none_like(r"^(?!.*(test|spec)).*comment", why="comments exist"),
    ]


def events(create: str, *where: str) -> list[Check]:
    return [
        item("integration", endpoints=[create]),
        no_new_endpoints("a consumer worker serves no HTTP"),
        only_new_entities(r"^(Outbox|Inbox|Processed)|Message|Dedup"),
        creates_like(r"worker|consumer|listener|job|subscriber", why="the consumer worker"),
        criterion(
            r"idempot|at.least.once|duplicate|redeliver",
            why="the consumer copes with redelivery",
        ),
        criterion(
            r"commit|outbox|transaction",
            why="the event leaves only once the row is committed",
        ),
        modifies_any(*where, why="where articles are created"),
    ]


def debug_create(create: str, *files: str) -> list[Check]:
    return [
        intent("fix"),
        on_endpoint(create),
        no_new_entities("a bug fix adds no model"),
        no_new_endpoints("a bug fix adds no endpoint"),
        no_migration("a validation bug needs no schema change"),
        criterion(r"\b(400|409|422|4xx)\b", why="the bad input gets a 4xx instead of a 500"),
        criterion(
            r"regression|reproduc|fails? (before|without)",
            why="a test that reproduces the 500 first",
        ),
        reads(*files, why="the create handler and its validation"),
    ]


def slow_list(listing: str, *files: str) -> list[Check]:
    return [
        intent("fix"),
        on_endpoint(listing),
        no_new_entities("a performance fix adds no model"),
        no_new_endpoints("a performance fix adds no endpoint"),
        criterion(
            r"N\+1|query count|number of queries|EXPLAIN|index",
            why="the cause is measured (queries per request, query plan)",
        ),
        reads(*files, why="the list handler and the queries behind it"),
    ]


def repository(*files: str, creates: str = r"repositor") -> list[Check]:
    return [
        creates_only(r"article", why="the article data access"),
        intent("refactor"),
        no_new_entities("a refactor adds no model"),
        no_new_endpoints("a refactor changes no API"),
        no_migration("a refactor changes no schema"),
        creates_like(creates, why="the repository layer"),
        criterion(
            r"(existing )?tests? (still )?pass|unchanged|same (responses|behaviou?r)",
            why="behaviour is unchanged (the existing tests pass as they are)",
        ),
        reads(*files, why="where the queries live today"),
    ]


def repository_exists(existing_file: str) -> list[Check]:
    return [
        intent("refactor"),
        no_new_entities("a refactor adds no model"),
        no_new_endpoints("a refactor changes no API"),
        creates_none_like(
            r"repositor", why=f"the repository layer exists ({existing_file}): extend it"
        ),
    ]


def stripe(*where: str) -> list[Check]:
    return [
        item("integration"),
        new_entity(r"subscription", [r"user", r"stripe", r"status"], why="the subscription"),
        endpoint_like(
            "POST", r"webhook", public=True, why="Stripe calls the webhook without a user token"
        ),
        criterion(r"signature", why="the webhook verifies Stripe's signature"),
        criterion(r"idempot|duplicate|replay|event id|once", why="each Stripe event applies once"),
        no_endpoint(
            "PUT|PATCH",
            r"subscription",
            why="subscription state comes from Stripe (webhooks), never from a client update",
        ),
        no_auth_lockout(),
        migration("the subscriptions table"),
        modifies_any(*where, why="where the app wires new routes, models and Stripe's keys"),
    ]


def avatar(scope: str, current: str, *where: str) -> list[Check]:
    return [
        no_endpoint(
            "[A-Z]+",
            rf"^{current}/\{{",
            why="the avatar is the logged-in user's own: an id in the path lets one user "
            "write another's picture",
        ),
        builds_on("User"),
        no_new_entities("the avatar is a file in S3 and a URL on the user"),
        no_public_endpoints("only the logged-in user changes their avatar"),
        endpoints_within(scope, why="the avatar belongs to the current user's profile"),
        criterion(r"content.type|mime|size|image/", why="uploads are checked (type and size)"),
        modifies_any(*where, why="the user/profile update path"),
    ]


def oauth(provider: str, *where: str) -> list[Check]:
    return [
        item("flow"),
        endpoint_like(
            "GET",
            rf"({provider}|\{{provider\}}).*callback|callback.*({provider}|\{{provider\}})",
            public=True,
            why="the provider redirects a logged-out browser to the callback",
        ),
        mentions(provider, why="the provider's app credentials and user API are specific"),
        public_endpoints(2, why="starting the login and its callback happen logged out"),
        no_auth_lockout(),
        criterion(r"\bstate\b", why="the OAuth state parameter (CSRF)"),
        stores(
            rf"{provider}|provider",
            on="User",
            why="which provider account a user is linked to",
        ),
        migration("linking provider accounts to users"),
        modifies_any(*where, why="where the auth routes are registered"),
    ]


def filter_sort(listing: str, *files: str) -> list[Check]:
    return [
        item("capability", endpoints=[listing]),
        nothing_not_found(),
        no_new_entities("filters and sorting add no model"),
        no_new_endpoints("the list endpoint gains query parameters"),
        criterion(
            r"(unknown|invalid|unsupported|not allowed).{0,40}(sort|field|order)|allow.?list"
            r"|whitelist",
            why="sorting only by allowed fields; anything else is a 400",
        ),
        modifies(*files, why="the list handler and its query"),
    ]


def two_factor(login: str, scope: str, *where: str) -> list[Check]:
    return [
        item("flow", endpoints=[login]),
        endpoints_within(scope, why="2FA endpoints belong with the auth/user routes"),
        no_endpoint("PUT|PATCH", why="2FA has no resource a client edits"),
        at_most_new_entities(
            1, why="the TOTP secret belongs on the user (a recovery codes table at most)"
        ),
        stores(r"totp|otp|two_factor|2fa|mfa|secret", on="User", why="the TOTP secret"),
        criterion(r"encrypt", why="the TOTP secret is stored encrypted"),
        criterion(r"recovery|backup", why="recovery codes for a lost device"),
        no_endpoint("DELETE", r"login", why="login is not deleted"),
        migration("the TOTP secret and flags"),
        modifies_any(*where, why="the login handler, which gains the second step"),
    ]


def api_keys(*where: str) -> list[Check]:
    return [
        new_entity(r"api_?key", [r"user", r"hash|digest"], why="keys stored hashed, per user"),
        only_new_entities(r"api_?key"),
        token_hashed(r"api_?key"),
        endpoint_like("POST", r"api.?keys", public=False, why="creating a key needs a login"),
        endpoint_like("DELETE", r"api.?keys", public=False, why="a key can be revoked"),
        no_public_endpoints("key management is for the logged-in user"),
        criterion(r"once", why="the key is shown only once, at creation"),
        migration("the API keys table"),
        modifies_any(*where, why="the authentication middleware, which accepts keys"),
    ]


def audit(writes: list[str], *where: str) -> list[Check]:
    return [
        item("cross_cutting", endpoints=writes),
        new_entity(r"audit", [r"user|actor", r"action|event"], why="who did what"),
        only_new_entities(r"audit"),
        no_endpoint("POST|PUT|PATCH|DELETE", r"audit", why="the audit log is append-only"),
        no_public_endpoints("the audit log is not public"),
        criterion(r"transaction|atomic", why="the entry commits with the change it records"),
        migration("the audit log table"),
        modifies_any(*where, why="where articles are written"),
    ]


def tenancy(entity: str, *where: str) -> list[Check]:
    return [
        item("cross_cutting"),
        new_entity(r"organi[sz]ation", why="the tenant, named as the request names it"),
        only_new_entities(r"organi[sz]ation|member"),
        field_added(entity, r"(tenant|organi[sz]ation|workspace|org)_?id", why="row ownership"),
        field_references(
            entity,
            r"(tenant|organi[sz]ation|workspace|org)_?id",
            r"organi[sz]ation",
            why="rows belong to an organization",
        ),
        criterion(
            r"(other|another|cross|different).{0,30}(tenant|organi[sz]ation)"
            r"|(tenant|organi[sz]ation).{0,60}(404|403|isolat|never)",
            why="one tenant never reads or writes another's rows",
        ),
        migration("the tenants table and the ownership column"),
        modifies_any(*where, why="the queries that must be scoped"),
    ]


def webhooks(create: str, *where: str) -> list[Check]:
    return [
        item("integration", endpoints=[create]),
        new_entity(r"webhook", [r"url", r"secret"], why="where to deliver and how to sign"),
        only_new_entities(r"webhook|deliver"),
        criterion(r"HMAC|signature|signed", why="deliveries are signed"),
        criterion(r"retr|backoff", why="failed deliveries are retried with backoff"),
        criterion(r"background|queue|worker|async|job", why="delivery leaves the request path"),
        criterion(
            r"SSRF|private|internal (address|network|IP)|localhost",
            why="subscriber URLs cannot reach internal addresses (SSRF)",
        ),
        no_public_endpoints("webhook subscriptions are managed by logged-in users"),
        migration("the webhook subscriptions table"),
        modifies_any(*where, why="where articles are created"),
    ]


def email_verification(register: str, *where: str) -> list[Check]:
    return [
        item("flow", endpoints=[register]),
        field_added("User", r"verified", why="when the email was verified"),
        endpoint_like(
            "GET|POST", r"verif", public=True, why="the link in the email is opened logged out"
        ),
        tokens_hashed_if_any(r"token|verif"),
        no_auth_lockout(),
        criterion(r"expir", why="the verification link expires"),
        no_endpoint("DELETE", why="verification deletes nothing"),
        migration("the verified flag"),
        modifies_any(*where, why="registration, which sends the email"),
    ]


# ----------------------------------------------------------------------------- the cases

_AUTH = r"^/api/(users?)/"  # where the RealWorld repos keep login and the current user
_GIN_AUTH = r"^/api/v1/(auth|users)/"


class Checklist(tuple):  # type: ignore[type-arg]
    """A case's checks (a tuple that prints short in pytest's report)."""

    def __repr__(self) -> str:
        return f"<{len(self)} checks>"


def case(case_id: str, repo: str, request: str, *checks: list[Check] | Check) -> Any:
    flat: list[Check] = []
    for c in checks:
        flat += c if isinstance(c, list) else [c]
    return pytest.param(repo, request, Checklist(flat), id=case_id)


CASES = [
    # -- bookmarks: a relation copied from favorites
    case(
        "bookmarks-go",
        GO,
        BOOKMARKS,
        bookmarks("/api/articles/{slug}", GO_ROUTES),
        migration("the bookmarks table"),
    ),
    case(
        "bookmarks-laravel",
        LARAVEL,
        BOOKMARKS,
        bookmarks("/api/articles/{slug}"),
        modifies_any(
            LARAVEL_ARTICLE, LARAVEL_USER, why="the bookmark relation declared on a model"
        ),
        migration("the bookmarks table"),
    ),
    case(
        "bookmarks-nest",
        NEST,
        BOOKMARKS,
        bookmarks("/api/articles/{slug}"),
        modifies_any(
            NEST_CONTROLLER,
            "src/articles/articles.module.ts",
            why="the bookmark routes join the articles feature",
        ),
        migration("the bookmarks table"),
    ),
    case(
        "bookmarks-actix",
        ACTIX,
        BOOKMARKS,
        bookmarks("/api/articles/{article_title_slug}", ACTIX_ROUTES),
        migration("the bookmarks table"),
    ),
    case(
        "bookmarks-flask",
        FLASK,
        BOOKMARKS,
        bookmarks("/api/articles/{slug}", FLASK_ROUTES),
        migration("the bookmarks table"),
    ),
    case(
        "bookmarks-spring",
        SPRING,
        BOOKMARKS,
        bookmarks("/api/articles/{slug}"),
        migration("the bookmarks table"),
    ),
    # -- soft delete: a column, the DELETE handler, every read filtered
    case(
        "soft-delete-laravel",
        LARAVEL,
        SOFT_DELETE,
        soft_delete("DELETE /api/articles/{slug}", LARAVEL_ARTICLE),
        migration("the deleted_at column"),
    ),
    case(
        "soft-delete-nest",
        NEST,
        SOFT_DELETE,
        soft_delete("DELETE /api/articles/{slug}", NEST_SERVICE),
        migration("the deletedAt column"),
    ),
    case(
        "soft-delete-django",
        DRF,
        SOFT_DELETE,
        soft_delete("DELETE /api/articles/{slug}", DRF_MODELS),
        migration("the deleted_at column"),
        creates_like(
            r"^articles/migrations/0002_\w+\.py$", why="the articles app's next migration"
        ),
    ),
    case(
        "soft-delete-flask",
        FLASK,
        SOFT_DELETE,
        soft_delete("DELETE /api/articles/{slug}", FLASK_SQL),
        migration("the deleted_at column"),
    ),
    case(
        "soft-delete-actix",
        ACTIX,
        SOFT_DELETE,
        soft_delete("DELETE /api/articles/{article_title_slug}", ACTIX_ARTICLE),
        migration("the deleted_at column"),
    ),
    # -- rate limit on login: a capability on POST …/users/login
    case(
        "rate-limit-login-go",
        GO,
        RATE_LIMIT,
        rate_limit("POST /api/users/login", GO_ROUTES, GO_LOGIN, GO_MIDDLEWARE),
    ),
    case(
        "rate-limit-login-laravel",
        LARAVEL,
        RATE_LIMIT,
        rate_limit("POST /api/users/login", LARAVEL_USERS, LARAVEL_PROVIDER),
    ),
    case(
        "rate-limit-login-nest",
        NEST,
        RATE_LIMIT,
        rate_limit("POST /api/users/login", NEST_LOGIN, NEST_APP, NEST_MAIN),
    ),
    case(
        "rate-limit-login-spring",
        SPRING,
        RATE_LIMIT,
        rate_limit(
            "POST /api/users/login",
            SPRING_USER_CONTROLLER,
            SPRING_USER_OPERATIONS,
            SPRING_SECURITY,
            SPRING_WEB,
            SPRING_LOGIN,
        ),
    ),
    case(
        "rate-limit-login-actix",
        ACTIX,
        RATE_LIMIT,
        rate_limit("POST /api/users/login", ACTIX_ROUTES, ACTIX_MAIN),
    ),
    case(
        "rate-limit-login-rails",
        RAILS,
        RATE_LIMIT,
        rate_limit(
            "POST /api/users/login",
            RAILS_USERS,
            "Gemfile",
            "config/application.rb",
            "app/controllers/api/application_controller.rb",
        ),
    ),
    case(
        "rate-limit-login-gin-reuses-limiter",
        GIN,
        RATE_LIMIT,
        rate_limit("POST /api/v1/auth/login", GIN_ROUTES, "internal/middleware/rate_limit.go"),
        creates_none_like(
            r"rate_?limit(?!.*_test)",
            why="internal/middleware/rate_limit.go exists: extend it (per-account key, stricter "
            "limit on login) instead of writing a second limiter",
        ),
    ),
    case(
        "rate-limit-login-typeorm-has-no-login",
        TYPEORM,
        RATE_LIMIT,
        not_found("login", closest=["POST /api/users"]),
        no_new_entities("the repo has no login to protect"),
        no_new_endpoints("the plan must not invent a login endpoint"),
        no_migration("nothing is built for a missing endpoint"),
    ),
    # -- cursor pagination on a list
    case(
        "cursor-go",
        GO,
        CURSOR,
        cursor("GET /api/articles", GO_ARTICLES, GO_CORE),
    ),
    case(
        "cursor-laravel",
        LARAVEL,
        CURSOR,
        cursor("GET /api/articles", LARAVEL_ARTICLES),
    ),
    case(
        "cursor-nest",
        NEST,
        CURSOR,
        cursor("GET /api/articles", NEST_SERVICE, NEST_QUERY),
    ),
    case(
        "cursor-flask",
        FLASK,
        CURSOR,
        cursor("GET /api/articles", FLASK_ROUTES, FLASK_SQL),
    ),
    case(
        "cursor-inventory-items",
        INVENTORY,
        "Add cursor pagination to the items list endpoint",
        cursor("GET /api/v1/items", INV_ITEMS, INV_REPOSITORY),
    ),
    case(
        "cursor-prisma-projects",
        PRISMA,
        "Add cursor pagination to the projects list endpoint",
        cursor("GET /api/projects", PRISMA_PROJECTS_SERVICE, PRISMA_PROJECTS_SCHEMA),
    ),
    case("cursor-orders-not-found-go", GO, CURSOR_ORDERS, missing_orders()),
    case("cursor-orders-not-found-laravel", LARAVEL, CURSOR_ORDERS, missing_orders()),
    case("cursor-orders-not-found-rails", RAILS, CURSOR_ORDERS, missing_orders()),
    # -- password reset: a flow with two public endpoints and hashed, expiring tokens
    case("password-reset-go", GO, PASSWORD_RESET, password_reset(GO_ROUTES)),
    case(
        "password-reset-laravel",
        LARAVEL,
        PASSWORD_RESET,
        password_reset(),  # a new controller registers itself (route attributes)
    ),
    case(
        "password-reset-nest",
        NEST,
        PASSWORD_RESET,
        password_reset(NEST_LOGIN, NEST_APP, "src/users/users.module.ts"),
    ),
    case(
        "password-reset-flask",
        FLASK,
        PASSWORD_RESET,
        password_reset(FLASK_USERS, "realworld/app.py"),
    ),
    case(
        "password-reset-spring",
        SPRING,
        PASSWORD_RESET,
        password_reset(SPRING_USER_OPERATIONS, SPRING_USER_CONTROLLER, SPRING_SECURITY),
    ),
    case("password-reset-gin", GIN, PASSWORD_RESET, password_reset(GIN_ROUTES)),
    # -- a new field the feed is sorted by
    case(
        "reading-time-go-has-no-feed",
        GO,
        READING_TIME,
        field_added("Article", r"reading_?time", why="the requested field"),
        not_found("feed", closest=["GET /api/articles"]),
        no_new_entities("a field on Article is not a model"),
        migration("the reading_time column"),
        modifies(GO_MODELS, GO_CORE, why="the Article struct and the SQL that reads it"),
    ),
    case(
        "reading-time-laravel",
        LARAVEL,
        READING_TIME,
        reading_time(LARAVEL_ARTICLE, LARAVEL_ARTICLES),
        migration("the reading_time column"),
    ),
    case(
        "reading-time-nest",
        NEST,
        READING_TIME,
        reading_time(NEST_SERVICE, NEST_DTO),
        migration("the readingTime column"),
    ),
    case(
        "reading-time-django",
        DRF,
        READING_TIME,
        reading_time(DRF_MODELS, DRF_VIEWS, DRF_SERIALIZERS),
        migration("the reading_time column"),
        creates_like(
            r"^articles/migrations/0002_\w+\.py$", why="the articles app's next migration"
        ),
    ),
    case(
        "reading-time-actix",
        ACTIX,
        READING_TIME,
        reading_time(ACTIX_ARTICLE),
        migration("the reading_time column"),
    ),
    case(
        "reading-time-spring",
        SPRING,
        READING_TIME,
        reading_time(SPRING_ARTICLE_ENTITY, SPRING_ASSEMBLY),
        migration("the reading_time column (and the v_articles_read view)"),
    ),
    case(
        "reading-time-rails-documents",
        RAILS,
        READING_TIME,
        reading_time(RAILS_ARTICLE, RAILS_ARTICLES),
        no_migration("couchbase-orm documents take a new attribute without a migration"),
    ),
    # -- CSV export of a collection
    case("csv-go", GO, CSV, csv_export("/api/articles", GO_ROUTES, GO_ARTICLES)),
    case("csv-laravel", LARAVEL, CSV, csv_export("/api/articles", LARAVEL_ARTICLES)),
    case("csv-flask", FLASK, CSV, csv_export("/api/articles", FLASK_ROUTES)),
    case(
        "csv-inventory-items",
        INVENTORY,
        "Export items as CSV",
        csv_export("/api/v1/items", INV_ITEMS),
    ),
    case(
        "csv-prisma-projects",
        PRISMA,
        "Export projects as CSV",
        csv_export("/api/projects", PRISMA_PROJECTS_ROUTES, PRISMA_PROJECTS_CONTROLLER),
    ),
    # -- comments where comments exist
    case("comments-exist-go", GO, COMMENTS, comments_exist("migrations/000007_comments.up.sql")),
    case("comments-exist-django", DRF, COMMENTS, comments_exist("comments/models.py")),
    case("comments-exist-laravel", LARAVEL, COMMENTS, comments_exist("app/Models/Comment.php")),
    case("comments-exist-nest", NEST, COMMENTS, comments_exist("prisma/schema.prisma")),
    case(
        "comments-exist-actix",
        ACTIX,
        COMMENTS,
        comments_exist("src/app/features/comment/entities.rs"),
    ),
    case(
        "comments-exist-flask",
        FLASK,
        COMMENTS,
        comments_exist("alembic/versions/aaddef142d08_.py"),
    ),
    case("comments-exist-rails", RAILS, COMMENTS, comments_exist("app/models/comment.rb")),
    case("comments-exist-fastapi", FASTAPI_CB, COMMENTS, comments_exist("api/models/article.py")),
    case("comments-exist-spring", SPRING, COMMENTS, comments_exist(SPRING_COMMENT)),
    # -- events with a consumer worker
    case("events-go", GO, EVENTS, events("POST /api/articles", GO_ARTICLES, GO_CORE)),
    case("events-nest", NEST, EVENTS, events("POST /api/articles", NEST_SERVICE)),
    case(
        "events-laravel",
        LARAVEL,
        EVENTS,
        events("POST /api/articles", LARAVEL_ARTICLES, LARAVEL_ARTICLE),
    ),
    case(
        "events-gin-products",
        GIN,
        "Publish an event when a product is created and process it in a consumer worker",
        events("POST /api/v1/products", GIN_PRODUCT_SERVICE, GIN_PRODUCTS),
    ),
    case(
        "events-inventory-items",
        INVENTORY,
        "Publish an event when an item is created and process it in a consumer worker",
        events("POST /api/v1/items", INV_SERVICE, INV_ITEMS),
    ),
    # -- debugging a 500 on create
    case(
        "debug-500-go",
        GO,
        DEBUG_500,
        debug_create("POST /api/articles", GO_ARTICLES),
    ),
    case(
        "debug-500-laravel",
        LARAVEL,
        DEBUG_500,
        debug_create("POST /api/articles", LARAVEL_ARTICLES, LARAVEL_NEW_ARTICLE),
    ),
    case(
        "debug-500-nest",
        NEST,
        DEBUG_500,
        debug_create("POST /api/articles", NEST_CONTROLLER, NEST_CREATE_DTO),
    ),
    case(
        "debug-500-django",
        DRF,
        DEBUG_500,
        debug_create("POST /api/articles", DRF_VIEWS, DRF_SERIALIZERS),
    ),
    case(
        "debug-500-typeorm",
        TYPEORM,
        DEBUG_500,
        debug_create("POST /api/articles", "src/controllers/api/article/ArticleController.ts"),
    ),
    case(
        "debug-500-inventory-duplicate-sku",
        INVENTORY,
        "Creating an item returns 500 when the SKU already exists",
        debug_create("POST /api/v1/items", INV_ITEMS, INV_SERVICE),
    ),
    # -- a slow list endpoint
    case("slow-list-go", GO, SLOW_LIST, slow_list("GET /api/articles", GO_ARTICLES, GO_CORE)),
    case(
        "slow-list-django",
        DRF,
        SLOW_LIST,
        slow_list("GET /api/articles", DRF_VIEWS, DRF_SERIALIZERS),
    ),
    case(
        "slow-list-laravel",
        LARAVEL,
        SLOW_LIST,
        slow_list("GET /api/articles", LARAVEL_ARTICLES),
    ),
    case("slow-list-nest", NEST, SLOW_LIST, slow_list("GET /api/articles", NEST_SERVICE)),
    case(
        "slow-list-spring",
        SPRING,
        SLOW_LIST,
        slow_list("GET /api/articles", SPRING_CONTROLLER, SPRING_ASSEMBLY),
    ),
    # -- refactor to a repository layer (and where one exists already)
    case("repository-go", GO, REPOSITORY, repository(GO_CORE)),
    case("repository-laravel", LARAVEL, REPOSITORY, repository(LARAVEL_ARTICLES)),
    case("repository-flask", FLASK, REPOSITORY, repository(FLASK_SQL)),
    case(
        "repository-exists-spring",
        SPRING,
        REPOSITORY,
        repository_exists(f"{_JAVA}/domain/repository/ArticleRepository.java"),
    ),
    case(
        "repository-exists-typeorm",
        TYPEORM,
        REPOSITORY,
        repository_exists("src/repositories/article/ArticleRepository.ts"),
    ),
    case(
        "repository-exists-inventory",
        INVENTORY,
        "Refactor the item data access into a repository layer",
        repository_exists(INV_REPOSITORY),
    ),
    # -- Stripe subscriptions
    case("stripe-go", GO, STRIPE, stripe(GO_ROUTES)),
    case(
        "stripe-laravel",
        LARAVEL,
        STRIPE,
        stripe(LARAVEL_USER, LARAVEL_PROVIDER, "config/services.php"),
    ),
    case("stripe-nest", NEST, STRIPE, stripe(NEST_APP)),
    case("stripe-gin", GIN, STRIPE, stripe(GIN_ROUTES)),
    # -- S3 avatar upload onto the profile's existing image field
    case(
        "avatar-go",
        GO,
        AVATAR,
        avatar(r"^/api/(user|profiles)\b", "/api/user", GO_ROUTES, GO_USERS),
        no_field(r"^(image|avatar|avatar_url|image_url)$", why="users.image holds the picture"),
    ),
    case(
        "avatar-laravel",
        LARAVEL,
        AVATAR,
        avatar(r"^/api/(user|profiles)\b", "/api/user"),  # controllers register themselves
        no_field(r"^(image|avatar|avatar_url|image_url)$", why="users.image holds the picture"),
    ),
    case(
        "avatar-nest",
        NEST,
        AVATAR,
        avatar(
            r"^/api/(user|profiles)\b",
            "/api/user",
            NEST_USER,
            NEST_USER_SERVICE,
            NEST_APP,
            "src/user/user.module.ts",
        ),
        no_field(r"^(image|avatar|avatarUrl|avatar_url)$", why="User.image holds the picture"),
    ),
    case(
        "avatar-django",
        DRF,
        AVATAR,
        avatar(r"^/api/(user|profiles)\b", "/api/user", DRF_ACCOUNTS, DRF_USER, "accounts/urls.py"),
        no_field(r"^(image|avatar|avatar_url|image_url)$", why="User.image holds the picture"),
    ),
    case(
        "avatar-gin-needs-a-field",
        GIN,
        "Let users upload an avatar image to S3",
        avatar(r"^/api/v1/users\b", "/api/v1/users", GIN_ROUTES, GIN_USERS),
        field_added("User", r"avatar|image", why="users have no picture column yet"),
        migration("the avatar column"),
    ),
    # -- OAuth login
    case("oauth-github-go", GO, GITHUB_LOGIN, oauth("github", GO_ROUTES)),
    case(
        "oauth-google-laravel",
        LARAVEL,
        GOOGLE_LOGIN,
        oauth("google", LARAVEL_USERS, LARAVEL_USER, "config/services.php"),
    ),
    case("oauth-github-nest", NEST, GITHUB_LOGIN, oauth("github", NEST_LOGIN, NEST_APP)),
    case(
        "oauth-google-django",
        DRF,
        GOOGLE_LOGIN,
        oauth("google", DRF_ACCOUNTS, "accounts/urls.py", "config/settings.py"),
    ),
    case("oauth-google-gin", GIN, GOOGLE_LOGIN, oauth("google", GIN_ROUTES)),
    # -- filtering and sorting a list
    case(
        "filter-sort-go",
        GO,
        FILTER_SORT,
        filter_sort("GET /api/articles", GO_ARTICLES, GO_CORE),
    ),
    case(
        "filter-sort-laravel",
        LARAVEL,
        FILTER_SORT,
        filter_sort("GET /api/articles", LARAVEL_ARTICLES),
    ),
    case(
        "filter-sort-nest",
        NEST,
        FILTER_SORT,
        filter_sort("GET /api/articles", NEST_SERVICE, NEST_QUERY),
    ),
    case(
        "filter-sort-django-filterset",
        DRF,
        FILTER_SORT,
        filter_sort("GET /api/articles", DRF_FILTERS),
    ),
    case(
        "filter-sort-inventory-items",
        INVENTORY,
        "Let clients filter the items list by price range and sort it by name",
        filter_sort("GET /api/v1/items", INV_ITEMS, INV_REPOSITORY),
    ),
    # -- two-factor authentication
    case("2fa-go", GO, TWO_FA, two_factor("POST /api/users/login", _AUTH, GO_LOGIN)),
    case(
        "2fa-laravel",
        LARAVEL,
        TWO_FA,
        two_factor("POST /api/users/login", _AUTH, LARAVEL_USERS),
    ),
    case(
        "2fa-nest",
        NEST,
        TWO_FA,
        two_factor("POST /api/users/login", _AUTH, NEST_LOGIN, NEST_USERS, NEST_AUTH),
    ),
    case(
        "2fa-spring",
        SPRING,
        TWO_FA,
        two_factor("POST /api/users/login", _AUTH, SPRING_LOGIN, SPRING_USER_CONTROLLER),
    ),
    case(
        "2fa-gin",
        GIN,
        TWO_FA,
        two_factor(
            "POST /api/v1/auth/login", r"^/api/v1/(auth|users)/", GIN_USERS, GIN_USER_SERVICE
        ),
    ),
    # -- API keys
    case("api-keys-go", GO, API_KEYS, api_keys(GO_MIDDLEWARE)),
    case(
        "api-keys-nest",
        NEST,
        API_KEYS,
        api_keys(NEST_STRATEGY, NEST_GUARD, NEST_APP, "src/auth/auth.module.ts"),
    ),
    case(
        "api-keys-laravel",
        LARAVEL,
        API_KEYS,
        api_keys(LARAVEL_GUARD, LARAVEL_PROVIDER, "config/auth.php"),
    ),
    case("api-keys-spring", SPRING, API_KEYS, api_keys(SPRING_SECURITY)),
    case("api-keys-gin", GIN, API_KEYS, api_keys(GIN_AUTH, GIN_ROUTES)),
    # -- audit log
    case(
        "audit-go",
        GO,
        AUDIT,
        audit(["POST /api/articles", "PUT /api/articles/{slug}"], GO_CORE, GO_ARTICLES),
    ),
    case(
        "audit-laravel",
        LARAVEL,
        AUDIT,
        audit(
            ["POST /api/articles", "PUT /api/articles/{slug}", "DELETE /api/articles/{slug}"],
            LARAVEL_ARTICLES,
            LARAVEL_ARTICLE,
        ),
    ),
    case(
        "audit-nest",
        NEST,
        AUDIT,
        audit(
            ["POST /api/articles", "PUT /api/articles/{slug}", "DELETE /api/articles/{slug}"],
            NEST_SERVICE,
        ),
    ),
    case(
        "audit-django",
        DRF,
        AUDIT,
        audit(
            ["POST /api/articles", "PUT /api/articles/{slug}", "DELETE /api/articles/{slug}"],
            DRF_VIEWS,
            DRF_MODELS,
        ),
    ),
    case(
        "audit-gin-products",
        GIN,
        "Add an audit log of changes to products",
        audit(
            ["POST /api/v1/products", "PUT /api/v1/products/{id}", "DELETE /api/v1/products/{id}"],
            GIN_PRODUCT_SERVICE,
            GIN_PRODUCTS,
        ),
    ),
    # -- multi-tenancy
    case("tenancy-go", GO, TENANCY, tenancy("Article", GO_CORE)),
    case(
        "tenancy-laravel", LARAVEL, TENANCY, tenancy("Article", LARAVEL_ARTICLE, LARAVEL_ARTICLES)
    ),
    case("tenancy-nest", NEST, TENANCY, tenancy("Article", NEST_SERVICE)),
    case(
        "tenancy-prisma-projects",
        PRISMA,
        "Make the API multi-tenant: every project belongs to an organization",
        tenancy("Project", PRISMA_PROJECTS_SERVICE),
    ),
    # -- outbound webhooks
    case("webhooks-go", GO, WEBHOOKS, webhooks("POST /api/articles", GO_ARTICLES, GO_CORE)),
    case(
        "webhooks-laravel",
        LARAVEL,
        WEBHOOKS,
        webhooks("POST /api/articles", LARAVEL_ARTICLES, LARAVEL_ARTICLE),
    ),
    case("webhooks-nest", NEST, WEBHOOKS, webhooks("POST /api/articles", NEST_SERVICE)),
    case(
        "webhooks-gin-products",
        GIN,
        "Send webhooks to subscribers when a product is created",
        webhooks("POST /api/v1/products", GIN_PRODUCT_SERVICE, GIN_PRODUCTS),
    ),
    case(
        "webhooks-prisma-projects",
        PRISMA,
        "Send webhooks to subscribers when a project is created",
        webhooks("POST /api/projects", PRISMA_PROJECTS_SERVICE, PRISMA_PROJECTS_CONTROLLER),
    ),
    # -- email verification
    case(
        "email-verification-go",
        GO,
        EMAIL_VERIFICATION,
        email_verification("POST /api/users", GO_USERS),
    ),
    case(
        "email-verification-laravel",
        LARAVEL,
        EMAIL_VERIFICATION,
        email_verification("POST /api/users", LARAVEL_USERS, LARAVEL_USER),
    ),
    case(
        "email-verification-nest",
        NEST,
        EMAIL_VERIFICATION,
        email_verification("POST /api/users", NEST_LOGIN, NEST_USERS),
    ),
    case(
        "email-verification-django",
        DRF,
        EMAIL_VERIFICATION,
        email_verification("POST /api/users", DRF_ACCOUNTS, DRF_USER),
        creates_like(
            r"^accounts/migrations/0003_\w+\.py$", why="the accounts app's next migration"
        ),
    ),
    case(
        "email-verification-gin",
        GIN,
        EMAIL_VERIFICATION,
        email_verification("POST /api/v1/users", GIN_USERS, GIN_USER_SERVICE),
    ),
    # -- two existing entities linked: the join is what is new, named like the repo's joins
    case(
        "tags-on-comments-laravel",
        LARAVEL,
        "Add tags to comments",
        item("relation", entity="Comment"),
        new_entity(r"^CommentTag$", [r"comment_id", r"tag_id"], why="the comment ↔ tag join"),
        only_new_entities(r"^CommentTag$"),
        creates_like(
            r"^database/migrations/\w+_create_comment_tag\.php$", why="pivot named like article_tag"
        ),
        template(r"article_tag", why="the repo's existing article ↔ tag join"),
    ),
    case(
        "tags-on-comments-go",
        GO,
        "Add tags to comments",
        item("relation", entity="Comment"),
        only_new_entities(r"^CommentTag$"),
        migration("the comments_tags join table, named like articles_tags"),
    ),
    # -- an existing endpoint named by its path word, not a new "popular tag" resource
    case(
        "popular-tags-django",
        DRF,
        "List the most popular tags",
        on_endpoint("GET /api/tags"),
        no_new_entities("sorting tags by use adds no model"),
        no_new_endpoints("the tags endpoint exists"),
    ),
    # -- actors and states are not things to build
    case(
        "ban-users-go",
        GO,
        "Allow admins to ban users",
        no_new_entities("a ban is a state of the user, not an Admin or Ban model"),
        item("capability", entity="User"),
    ),
    case(
        "drafts-laravel",
        LARAVEL,
        "Add a draft status to articles with publish and unpublish",
        no_new_entities("draft is a status of an article, not a Draft model"),
        item("capability", entity="Article"),
    ),
]


@pytest.mark.parametrize(("repo", "request_text", "checks"), CASES)
def test_golden_plan(repo: str, request_text: str, checks: list[Check]) -> None:
    plan = plan_of(repo, request_text)
    problems = run_checks(plan, REPOS[repo], [*UNIVERSAL, *checks])
    assert not problems, f"{request_text!r} on {repo}:\n" + "\n".join(f"- {p}" for p in problems)


def test_the_table_covers_every_request_on_several_stacks() -> None:
    requests: dict[str, set[str]] = {}
    for param in CASES:
        repo, request_text, _ = param.values
        requests.setdefault(request_text, set()).add(repo)
    assert len(CASES) >= 60
    for request_text in (
        BOOKMARKS,
        SOFT_DELETE,
        RATE_LIMIT,
        CURSOR,
        CSV,
        PASSWORD_RESET,
        READING_TIME,
        COMMENTS,
        EVENTS,
        DEBUG_500,
        SLOW_LIST,
        REPOSITORY,
        STRIPE,
        AVATAR,
        FILTER_SORT,
        TWO_FA,
        API_KEYS,
        AUDIT,
        TENANCY,
        WEBHOOKS,
        EMAIL_VERIFICATION,
    ):
        assert len(requests[request_text]) >= 3, request_text
    assert len(requests[GITHUB_LOGIN] | requests[GOOGLE_LOGIN]) >= 3
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids))


def test_grounded_plans_are_the_same_bytes_in_a_fresh_process() -> None:
    """Caches (word splits, per-index memos, the route style) never change a plan: the same
    request on the same tree gives the same JSON here and in a new interpreter."""
    import subprocess
    import sys

    from planning.golden import REPOS

    repo = REPOS[LARAVEL]
    request = "Let users bookmark articles"
    here = plan_of(LARAVEL, request).model_dump_json()
    script = (
        "import sys; sys.path[:0] = ['tests']\n"
        "from pathlib import Path\n"
        "from backend_planner.planning import plan_workspace\n"
        "from planning.support import SKILLS\n"
        f"print(plan_workspace({request!r}, Path({str(repo.root)!r}), SKILLS).model_dump_json())\n"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert fresh == here
