"""Understanding a feature request: intent, domain resources, operations, external systems.

A deterministic reading of the request text (no model): words are classified with small
vocabularies, nouns are singularised/pluralised with `inflect`, and external systems come from
the catalog kept as data in `catalog/external.toml`.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from importlib import resources
from typing import Any

from backend_planner.planning.model import ExternalSystem, FeatureSpec, Intent, Resource

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a vocabulary kept as text."""
    return text.split()


FIX_WORDS = frozenset(
    _words(
        """
        fix fixes fixing debug debugging investigate investigation diagnose troubleshoot bug
        bugs broken failing fails crash crashes crashing leak leaks regression issue issues
        error errors slow timeout timeouts flaky incorrect wrong
        """
    )
)
REFACTOR_WORDS = frozenset(
    _words(
        """
        refactor refactoring restructure reorganize reorganise rename extract split cleanup
        modularize modularise decouple migrate migration upgrade replace consolidate
        simplify move
        """
    )
)
INTEGRATE_WORDS = frozenset(["integrate", "integrating", "integration", "connect", "sync", "hook"])
BROAD_WORDS = frozenset(
    _words(
        """
        complete full entire whole end-to-end platform system suite comprehensive
        multi-service
        """
    )
)
# Operations named in a request, mapped to a canonical verb.
OPERATIONS = {
    "create": "create",
    "add": "create",
    "register": "create",
    "submit": "create",
    "list": "list",
    "browse": "list",
    "index": "list",
    "get": "get",
    "view": "get",
    "show": "get",
    "read": "get",
    "fetch": "get",
    "status": "get",
    "update": "update",
    "edit": "update",
    "modify": "update",
    "change": "update",
    "delete": "delete",
    "remove": "delete",
    "cancel": "cancel",
    "refund": "refund",
    "search": "search",
    "filter": "search",
    "export": "export",
    "import": "import",
    "upload": "upload",
    "download": "download",
    "approve": "approve",
    "reject": "reject",
    "archive": "archive",
    "reserve": "reserve",
    "notify": "notify",
    "send": "notify",
    "subscribe": "subscribe",
    "unsubscribe": "unsubscribe",
    "login": "login",
    "logout": "logout",
    "reset": "reset",
    "verify": "verify",
}
# Words that are never a domain resource.
NOT_RESOURCES = frozenset(
    _words(
        """
        a an the and or of for to in on at by with via from into using use our my your their
        its this that these those all any some each every new existing own per as be is are
        it we i me us so than then also build create add implement make write develop design
        set setup support allow enable let provide introduce expose need needs want wants
        should must can could would will please let's lets help api apis rest restful http
        graphql grpc endpoint endpoints route routes routing handler handlers controller
        controllers service services microservice microservices backend server feature
        features system systems module modules layer crud app application platform
        functionality capability management manager managing basic simple complete full
        entire whole end-to-end comprehensive e-commerce ecommerce online internal public
        private admin-only secure securely proper properly real-time realtime automatic
        automated based multi-tenant scalable robust better small large integration
        integrations integrate integrating connect sync hook webhook webhooks callback
        callbacks fix fixes fixing debug debugging investigate investigation diagnose
        troubleshoot bug bugs broken failing fails crash crashes crashing leak leaks
        regression issue issues error errors slow timeout timeouts flaky incorrect wrong
        refactor refactoring restructure reorganize reorganise rename extract split cleanup
        clean up modularize modularise decouple migrate upgrade replace consolidate simplify
        move
        code codebase logic when after before during between across under over them they
        it's not no only just more most less least other others another both way ways work
        works working handling handle handles processing process processes flow flows
        pipeline database db table tables schema migrations model models repository
        repositories storage response responses data
        """
    )
)
UNCOUNTABLE = frozenset(
    _words(
        """
        inventory stock billing auth authentication authorization analytics feedback
        metadata media equipment information news search audit compliance onboarding
        checkout shipping pricing tracking logging monitoring caching messaging chat
        rate_limiting
        """
    )
)
SENSITIVE_RESOURCES = frozenset(
    _words(
        """
        user users account accounts customer customers profile profiles payment payments
        billing invoice invoices subscription subscriptions order orders card cards password
        passwords address addresses patient patients employee employees member members
        """
    )
)
AUTH_WORDS = frozenset(
    _words(
        """
        auth authentication authorization login logout password passwords token tokens jwt
        session sessions role roles permission permissions oauth sso 2fa mfa signup sign-up
        """
    )
)


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def _inflect() -> Any:
    """inflect's engine, imported without typeguard's import-time instrumentation.

    inflect 7 decorates its methods with typeguard's `@typechecked`, which re-parses the module
    source per method at import: ~1.6 s, most of a CLI run. We only pass it strings, so the
    runtime checks buy nothing here; while inflect is first imported, `typechecked` is the
    identity. (A process that imported inflect already keeps its own copy.)
    """
    import sys

    if "inflect" not in sys.modules:
        import typeguard

        original = typeguard.typechecked

        def passthrough(target: Any = None, **_options: Any) -> Any:
            return target if target is not None else passthrough

        typeguard.typechecked = passthrough
        try:
            import inflect
        finally:
            typeguard.typechecked = original
    import inflect

    return inflect.engine()


@lru_cache(maxsize=1)
def external_catalog() -> dict[str, ExternalSystem]:
    """The catalog of external systems, by key (sorted)."""
    text = (
        resources.files("backend_planner.planning")
        .joinpath("catalog/external.toml")
        .read_text(encoding="utf-8")
    )
    data = tomllib.loads(text)
    out: dict[str, ExternalSystem] = {}
    for key in sorted(data):
        entry = dict(data[key])
        entry.pop("keywords", None)
        out[key] = ExternalSystem(key=key, **entry)
    return out


@lru_cache(maxsize=1)
def _external_keywords() -> list[tuple[str, str]]:
    text = (
        resources.files("backend_planner.planning")
        .joinpath("catalog/external.toml")
        .read_text(encoding="utf-8")
    )
    data = tomllib.loads(text)
    pairs = [(kw.lower(), key) for key in sorted(data) for kw in data[key]["keywords"]]
    return sorted(pairs, key=lambda p: (-len(p[0]), p[0], p[1]))


def singular(word: str) -> str:
    word = word.lower()
    if word in UNCOUNTABLE or len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    result = _inflect().singular_noun(word)
    return result if isinstance(result, str) and result else word


def plural(word: str) -> str:
    word = word.lower()
    if word in UNCOUNTABLE:
        return word
    return str(_inflect().plural_noun(word))


def make_resource(words: list[str]) -> Resource:
    """A resource from a noun phrase: the last word carries the number ("order item")."""
    head = singular(words[-1])
    sing = "_".join([*(w.lower() for w in words[:-1]), head])
    plur = "_".join([*(w.lower() for w in words[:-1]), plural(head)])
    return Resource(singular=sing, plural=plur)


def _find_externals(text: str) -> tuple[list[ExternalSystem], str]:
    """Catalogued systems named in `text`, and the text with their keywords blanked out."""
    found: list[str] = []
    lowered = text.lower()
    for keyword, key in _external_keywords():
        pattern = r"(?<![\w-])" + re.escape(keyword) + r"(?![\w-])"
        if re.search(pattern, lowered):
            if key not in found:
                found.append(key)
            lowered = re.sub(pattern, " , ", lowered)
    catalog = external_catalog()
    return [catalog[k] for k in sorted(found)], lowered


_TOKEN = re.compile(r"[a-z][a-z0-9'-]*|[,;:.()/&+]")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            base = word[: -len(suffix)]
            return base[:-1] if len(base) > 2 and base[-1] == base[-2] else base
    return singular(word)


CONTEXT_PREPOSITIONS = frozenset(
    _words("for of on in from about when by per into across within under over after before")
)
WITH_WORDS = frozenset(_words("with including plus featuring"))
# Verbs and qualifiers that never name a resource (besides NOT_RESOURCES).
VERBS = frozenset(
    _words(
        """
        accept protect secure summarise summarize publish send sync handle process track
        generate return returns returned receive store allow enable notify manage expose move
        run schedule validate verify record paginate rate-limit throttle consume emit produce
        missing failing failed slow fast admin
        """
    )
)


def understand(request: str) -> FeatureSpec:
    """Read a feature request."""
    text = " ".join(request.split())
    externals, rest = _find_externals(text)
    tokens = _TOKEN.findall(rest)
    words = [t for t in tokens if t[0].isalpha()]
    wordset = set(words)

    operations: list[str] = []
    for w in words:
        op = OPERATIONS.get(w)
        if op and op not in operations:
            operations.append(op)

    phrases = _phrases(tokens)
    main = [p for kind, p in phrases if kind in ("main", "with")]
    intent: Intent
    # The first words of each sentence: a TODO often states the problem, then what to do
    # ("counters are never evicted. Move them to a shared store.").
    lead = [w for sentence in re.split(r"[.;!?]\s+", rest) for w in _TOKEN.findall(sentence)[:3]]
    symptom = re.search(
        r"\b(?:returns?|returning|throws?|gives?|responds? with|fails? with|got|get)\s+(?:an?\s+)?"
        r"(?:[45]\d\d|[45]xx|error|exception|timeout)\b|\b[45]\d\d\s+(?:error|on|when)\b",
        text,
        re.IGNORECASE,
    )
    building = set(lead) & {"build", "create", "add", "implement"}
    if (wordset & FIX_WORDS or symptom) and not building:
        intent = "fix"
    elif set(lead) & REFACTOR_WORDS or (wordset & {"refactor", "restructure", "decouple"}):
        intent = "refactor"
    elif externals and (wordset & INTEGRATE_WORDS or not main):
        intent = "integrate"
    else:
        intent = "build"

    resources_: list[Resource] = []
    context: list[Resource] = []
    for kind, phrase in phrases:
        if kind == "with" and phrase[-1] in OPERATIONS:  # "with PDF export": an operation
            continue
        resource = make_resource(phrase)
        target = context if kind == "context" else resources_
        if all(r.singular != resource.singular for r in [*resources_, *context]):
            target.append(resource)
    if not resources_ and context and intent != "fix":
        resources_, context = context[:1], context[1:]  # "Add pagination to orders"
    resources_ = resources_[:6]

    keywords = sorted({_stem(w) for w in words if w not in NOT_RESOURCES and len(w) > 2})
    security = security_needs(text)
    broad = bool(wordset & BROAD_WORDS)
    return FeatureSpec(
        request=text,
        intent=intent,
        subject=_subject(intent, text, resources_, externals, keywords, wordset),
        resources=resources_,
        context=context,
        operations=operations,
        external=externals,
        keywords=keywords,
        security=security,
        broad=broad,
    )


def _phrases(tokens: list[str]) -> list[tuple[str, list[str]]]:
    """Noun phrases, each tagged by where it stands: "main" (what to build), "with" (a
    component listed after "with"), "context" (after for/of/on/...: what it is about)."""
    phrases: list[tuple[str, list[str]]] = []
    current: list[str] = []
    mode = "main"
    current_mode = mode
    for token in [*tokens, ","]:
        is_word = token[0].isalpha()
        if is_word and token in CONTEXT_PREPOSITIONS:
            mode = "context"
        elif is_word and mode == "context" and token.endswith("ing") and not current:
            mode = "main"  # "an API for managing warehouses": the purpose, not the context
        elif is_word and token in WITH_WORDS:
            mode = "with"
        content = is_word and token not in NOT_RESOURCES and token not in VERBS and len(token) > 2
        # An operation word continues a noun phrase ("password reset") but never starts one.
        if content and (token not in OPERATIONS or current):
            if not current:
                current_mode = mode
            current.append(token.strip("'-"))
            continue
        if current:
            phrases.append((current_mode, current[-2:]))
            current = []
    return [(kind, p) for kind, p in phrases if p and all(w for w in p)]


def _subject(
    intent: Intent,
    text: str,
    res: list[Resource],
    externals: list[ExternalSystem],
    keywords: list[str],
    words: set[str],
) -> str:
    if intent in ("fix", "refactor"):
        # The request's own words without its verb: "API rate limiting issues".
        verbs = "|".join(sorted(FIX_WORDS | REFACTOR_WORDS))
        lead_verb = re.compile(rf"^\W*(?:please\s+)?(?:{verbs})\b\W*", re.IGNORECASE)
        # Of several sentences, the one that says what to do ("Move the counters to ...").
        sentences = [x for x in re.split(r"(?<=[.;!?])\s+", text) if x.strip()] or [text]
        sentence = next((x for x in sentences if lead_verb.match(x)), sentences[0])
        rest = lead_verb.sub("", sentence)
        rest = re.sub(r"^(?:the|a|an)\s+", "", rest, flags=re.IGNORECASE).rstrip(" .;!?")
        if rest and (rest != sentence.rstrip(" .;!?") or len(sentences) > 1):
            return _clip(rest, 80)
        if intent == "fix":
            return _clip(rest, 80) or "reported issues"
    if res:
        names = [r.label for r in res]
        if intent == "refactor":
            return names[0]
        if intent == "integrate" and externals:
            return f"{res[0].plural.replace('_', ' ')} via {short_name(externals[0])}"
        if len(names) > 1 and "management" in words:
            return f"{names[0]} management API"
        return f"{and_list(names)} API"
    if externals:
        return f"{short_name(externals[0])} integration"
    return " ".join(keywords[:3]) or "backend change"


def and_list(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _clip(text: str, width: int) -> str:
    """`text` cut at a word boundary to at most `width` characters."""
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def short_name(external: ExternalSystem) -> str:
    """ "Stripe API" → "Stripe"; "Email delivery (SendGrid/SMTP)" → "Email delivery"."""
    return external.name.split(" (")[0].removesuffix(" API")


def security_needs(text: str) -> list[str]:
    """Security needs a request implies, as sorted tags.

    auth (users, accounts, anything personal or paid), input_validation (any write),
    webhook_signature (a catalogued system that calls back), secrets (any external system),
    pii (personal data), idempotency (payments and callbacks).
    """
    externals, rest = _find_externals(" ".join(text.split()))
    words = set(re.findall(r"[a-z][a-z0-9-]*", rest.lower()))
    needs = {"input_validation"}
    if externals:
        needs.add("secrets")
    if any(e.webhook for e in externals) or words & {"webhook", "webhooks", "callback"}:
        needs.add("webhook_signature")
    if any(e.pii for e in externals) or words & SENSITIVE_RESOURCES:
        needs.add("pii")
    if words & SENSITIVE_RESOURCES or words & AUTH_WORDS or any(e.pii for e in externals):
        needs.add("auth")
    if any(e.kind == "payments" for e in externals) or words & {"payment", "payments", "refund"}:
        needs.add("idempotency")
    return sorted(needs)
