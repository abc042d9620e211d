"""Real file paths for a plan, from the StackProfile: the repo's directories and naming.

Each layer's `naming.template` gives the new file's path (`{name}` = the feature in the
service's file case, singular or plural as the layer is named). A layer without a template but
with a directory gets `<dir>/<name><language suffix>`; a layer the repo doesn't have yet gets a
new directory beside the existing code (next to the handlers or models), named in the repo's
style. Single shared files (a routes file, `app/models.py`) are modified, not created.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from backend_planner.planning.model import Resource
from backend_planner.workspace.migrations import next_migration_files
from backend_planner.workspace.profile import LayerNaming, Service


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a vocabulary kept as text."""
    return text.split()


LAYERS = ("handlers", "routes", "services", "models", "repositories", "tests")

# Directory names that hold a layer, not a feature.
GENERIC_DIRS = frozenset(
    _words(
        """
        . app apps src lib pkg internal api apis rest http web server cmd routes router
        routers handlers handler controllers controller services service models model domain
        domains entities entity repository repositories repo repos store stores db database
        crud schemas views core modules module main java kotlin resources
        """
    )
)
# New file names per language when the repo has no such layer yet: (dir name, file template).
DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    "go": {
        "handlers": ("handlers", "{snake}_handler.go"),
        "services": ("services", "{snake}_service.go"),
        "models": ("models", "{snake}.go"),
        "repositories": ("repository", "{snake}_repository.go"),
        "routes": ("routes", "routes.go"),
    },
    "python": {
        "handlers": ("api", "{snake_plural}.py"),
        "services": ("services", "{snake}_service.py"),
        "models": ("models", "{snake}.py"),
        "repositories": ("repositories", "{snake}_repository.py"),
        "routes": ("api", "{snake_plural}.py"),
    },
    "typescript": {
        "handlers": ("controllers", "{kebab_plural}.controller.ts"),
        "services": ("services", "{kebab_plural}.service.ts"),
        "models": ("models", "{kebab}.model.ts"),
        "repositories": ("repositories", "{kebab_plural}.repository.ts"),
        "routes": ("routes", "{kebab_plural}.routes.ts"),
    },
    "javascript": {
        "handlers": ("controllers", "{kebab_plural}.controller.js"),
        "services": ("services", "{kebab_plural}.service.js"),
        "models": ("models", "{kebab}.model.js"),
        "repositories": ("repositories", "{kebab_plural}.repository.js"),
        "routes": ("routes", "{kebab_plural}.routes.js"),
    },
    "java": {
        "handlers": ("web", "{Pascal}Controller.java"),
        "services": ("service", "{Pascal}Service.java"),
        "models": ("domain", "{Pascal}.java"),
        "repositories": ("repository", "{Pascal}Repository.java"),
        "routes": ("web", "{Pascal}Controller.java"),
    },
    "kotlin": {
        "handlers": ("web", "{Pascal}Controller.kt"),
        "services": ("service", "{Pascal}Service.kt"),
        "models": ("domain", "{Pascal}.kt"),
        "repositories": ("repository", "{Pascal}Repository.kt"),
        "routes": ("web", "{Pascal}Controller.kt"),
    },
    "php": {
        "handlers": ("Controllers", "{Pascal}Controller.php"),
        "services": ("Services", "{Pascal}Service.php"),
        "models": ("Models", "{Pascal}.php"),
        "repositories": ("Repositories", "{Pascal}Repository.php"),
        "routes": ("routes", "api.php"),
    },
    "ruby": {
        "handlers": ("controllers", "{snake_plural}_controller.rb"),
        "services": ("services", "{snake}_service.rb"),
        "models": ("models", "{snake}.rb"),
        "repositories": ("repositories", "{snake}_repository.rb"),
        "routes": ("config", "routes.rb"),
    },
    "rust": {
        "handlers": ("routes", "{snake_plural}.rs"),
        "services": ("services", "{snake}.rs"),
        "models": ("domain", "{snake}.rs"),
        "repositories": ("repository", "{snake}.rs"),
        "routes": ("routes", "mod.rs"),
    },
}
FALLBACK_LANGUAGE = "python"


@dataclass(frozen=True)
class FileRef:
    path: str
    create: bool  # False: an existing shared file to modify


@dataclass
class FileSet:
    """The files of one piece of work, create and modify kept apart, in first-seen order."""

    create: list[str] = field(default_factory=list)
    modify: list[str] = field(default_factory=list)

    def add(self, ref: FileRef | None) -> None:
        if ref is None:
            return
        target = self.create if ref.create else self.modify
        if ref.path not in self.create and ref.path not in self.modify:
            target.append(ref.path)

    def extend(self, other: FileSet) -> None:
        for p in other.create:
            self.add(FileRef(p, True))
        for p in other.modify:
            self.add(FileRef(p, False))


def case(words: str, style: str) -> str:
    """`words` is snake_case; return it in `style` (snake, kebab, camel, pascal, lower)."""
    parts = [p for p in words.split("_") if p]
    if style == "kebab":
        return "-".join(parts)
    if style == "pascal":
        return "".join(p.capitalize() for p in parts)
    if style == "camel":
        return parts[0] + "".join(p.capitalize() for p in parts[1:]) if parts else ""
    if style == "lower":
        return "".join(parts)
    return "_".join(parts)


def _file_case(service: Service, naming: LayerNaming | None) -> str:
    style = (service.naming.file_case or "snake").lower()
    if naming is not None:
        stem = posixpath.basename(naming.example)
        if "-" in stem.split(".")[0]:
            return "kebab"
        if re.match(r"[A-Z][a-z]+[A-Z]", stem):
            return "pascal"
    if style == "lower":
        return "kebab" if service.language in ("typescript", "javascript") else "snake"
    return style


def feature_name(service: Service, naming: LayerNaming | None, resource: Resource) -> str:
    words = resource.plural if naming is not None and naming.plural else resource.singular
    style = _file_case(service, naming)
    if naming is not None and re.search(
        r"\{name\}[A-Z]|[a-z/]\{name\}(Controller|Service)", naming.template
    ):
        style = "pascal"
    return case(words, style)


def dir_name(service: Service, naming: LayerNaming | None, resource: Resource) -> str:
    """A feature folder's name: Go and JVM packages are lowercase words run together."""
    if service.language in ("go", "java", "kotlin"):
        return case(resource.singular, "lower")
    return feature_name(service, naming, resource)


def _render(template: str, folder: str, name: str) -> str:
    head, _, base = template.rpartition("/")
    head = head.replace("{name}", folder)
    base = base.replace("{name}", name)
    return f"{head}/{base}" if head else base


def _name_patterns(service: Service, layer: str) -> list[re.Pattern[str]]:
    """Regexes for per-feature directories (`<name>` in the layout) that this layer's code uses.

    Only a layer whose layout lists two or more folders of one such pattern (learnt from
    several features, e.g. `src/modules/post` and `src/modules/user`) has its feature folder
    replaced by the new feature's.
    """
    entries = getattr(service.layout, layer)
    out = []
    for other in LAYERS:
        for entry in getattr(service.layout, other):
            if "<name>" in entry:
                head, _, tail = entry.partition("<name>")
                regex = re.compile(
                    "^" + re.escape(head) + r"([^/]+)" + re.escape(tail.split("/<")[0])
                )
                if len([e for e in entries if regex.match(e)]) >= 2:
                    out.append(regex)
    return out


def _folder_naming(service: Service, layer: str, path: str) -> LayerNaming | None:
    """The handlers' (else services', models') naming when `path` puts the file in a per-feature
    folder that layer's files also live in (`src/{name}/…`): the folder's name is theirs."""
    head = path.split("{name}")[0]
    if "{name}/" not in path or not head:
        return None
    for other in ("handlers", "services", "models", "repositories"):
        naming: LayerNaming | None = getattr(service.naming, other, None)
        if other != layer and naming is not None and naming.template.startswith(head + "{name}/"):
            return naming
    return None


def layer_file(service: Service, layer: str, resource: Resource) -> FileRef | None:
    """The file a feature gets in `layer`, or None when the service has no such layer."""
    naming: LayerNaming | None = getattr(service.naming, layer, None)
    name = feature_name(service, naming, resource)
    folder_name = dir_name(service, naming, resource)
    if naming is not None and naming.template:
        template = naming.template
        if "{name}" in template or "<name>" in template:
            path = template.replace("<name>", "{name}")
            path = _feature_dir(service, layer, path)
            shared = _folder_naming(service, layer, path)
            if shared is not None and shared.plural != naming.plural:
                # One feature folder holds every layer's file (src/posts/posts.resolver.ts and
                # posts.service.ts): its name, and the files named after it, agree.
                naming = naming.model_copy(update={"plural": shared.plural})
                name = feature_name(service, naming, resource)
                folder_name = dir_name(service, naming, resource)
            return FileRef(_render(path, folder_name, name), True)
        # One fixed file: a shared registration file, or one role file per feature folder.
        parent = posixpath.dirname(template)
        folder = posixpath.basename(parent)
        service_dirs = set(service.path.split("/"))
        if (
            layer != "routes"
            and folder
            and folder.lower() not in GENERIC_DIRS
            and folder not in service_dirs
            and not _is_sole(service, layer, template)
        ):
            grand = posixpath.dirname(parent)
            new_dir = posixpath.join(grand, folder_name) if grand else folder_name
            return FileRef(posixpath.join(new_dir, posixpath.basename(template)), True)
        return FileRef(template, False)
    entries = getattr(service.layout, layer, [])
    for entry in entries:
        if "<name>" in entry:
            concrete = entry.replace("<name>", folder_name).split("/<")[0]
            if posixpath.splitext(concrete)[1]:
                return FileRef(concrete, True)
            return FileRef(posixpath.join(concrete, _default_file(service, layer, resource)), True)
    for entry in entries:
        if posixpath.splitext(entry)[1]:  # a file: the layer lives in one shared file
            return FileRef(entry, False)
    for entry in entries:
        return FileRef(posixpath.join(entry, _default_file(service, layer, resource)), True)
    return None


def _is_sole(service: Service, layer: str, template: str) -> bool:
    """A fixed-name file that is the layer's only place (e.g. app/models.py, router/router.go)."""
    return template in getattr(service.layout, layer, []) or posixpath.splitext(
        posixpath.basename(template)
    )[0] == posixpath.basename(posixpath.dirname(template))


def _feature_dir(service: Service, layer: str, path: str) -> str:
    """`src/modules/post/{name}.entity.ts` (learnt from one feature) → the new feature's folder."""
    directory = posixpath.dirname(path)
    for pattern in _name_patterns(service, layer):
        match = pattern.match(directory)
        if match and "{name}" not in match.group(1):
            start, end = match.span(1)
            return directory[:start] + "{name}" + directory[end:] + "/" + posixpath.basename(path)
    return path


def _default_file(service: Service, layer: str, resource: Resource) -> str:
    language = service.language or FALLBACK_LANGUAGE
    table = DEFAULTS.get(language, DEFAULTS[FALLBACK_LANGUAGE])
    _, template = table.get(layer, table["services"])
    return _fill(template, resource)


def _fill(template: str, resource: Resource) -> str:
    return template.format(
        snake=resource.singular,
        snake_plural=resource.plural,
        kebab=case(resource.singular, "kebab"),
        kebab_plural=case(resource.plural, "kebab"),
        Pascal=case(resource.singular, "pascal"),
    )


def anchor_dir(service: Service) -> str:
    """Where new layer directories go: beside the handlers (or models, or routes) today."""
    for layer in ("handlers", "services", "models", "repositories", "routes"):
        naming: LayerNaming | None = getattr(service.naming, layer, None)
        if (
            naming is not None
            and naming.dir
            and "{name}" not in naming.dir
            and "<name>" not in naming.dir
        ):
            return _parent(naming.dir)
        for entry in getattr(service.layout, layer):
            if "<name>" in entry:
                return _parent(entry.split("<name>", 1)[0].rstrip("/") or ".")
            if posixpath.splitext(entry)[1]:
                return posixpath.dirname(entry) or _service_root(service)
            return _parent(entry)
    return _service_root(service)


def _parent(directory: str) -> str:
    parent = posixpath.dirname(directory.rstrip("/"))
    return parent or "."


def _service_root(service: Service) -> str:
    return "." if service.path in ("", ".") else service.path


def new_layer_file(service: Service, layer: str, resource: Resource) -> FileRef:
    """A file for a layer the repo doesn't have yet: a new dir beside the existing code.

    In a repo with one folder per feature (the handlers' path names the feature), the new file
    goes into the feature's folder instead.
    """
    language = service.language or FALLBACK_LANGUAGE
    table = DEFAULTS.get(language, DEFAULTS[FALLBACK_LANGUAGE])
    dirname, template = table.get(layer, table["services"])
    handlers = service.naming.handlers
    feature_dirs = [
        e for e in service.layout.handlers if "<name>" in e and not posixpath.splitext(e)[1]
    ]
    if handlers is not None and "{name}" in posixpath.dirname(handlers.template):
        head = handlers.template.split("{name}", 1)[0]
        folder = head + dir_name(service, handlers, resource)
        handler_dir = posixpath.dirname(handlers.template)
        if handler_dir.endswith("{name}"):
            return FileRef(posixpath.join(folder, _fill(template, resource)), True)
        return FileRef(posixpath.join(folder, dirname, _fill(template, resource)), True)
    if handlers is None and feature_dirs:
        head, _, tail = feature_dirs[0].partition("<name>")
        folder = head + dir_name(service, None, resource) + tail.split("/<")[0]
        return FileRef(posixpath.join(folder, _fill(template, resource)), True)
    base = anchor_dir(service)
    directory = dirname if base == "." else posixpath.join(base, dirname)
    return FileRef(posixpath.join(directory, _fill(template, resource)), "{" in template)


def file_for(service: Service, layer: str, resource: Resource) -> FileRef:
    """`layer_file`, or a new directory beside existing code when the repo has no such layer."""
    ref = layer_file(service, layer, resource)
    return ref if ref is not None else new_layer_file(service, layer, resource)


def migration_files(service: Service, slug: str, planned: tuple[str, ...] = ()) -> list[str]:
    """The next migration file(s) for `slug` in the repo's own scheme ([] without migrations).

    `planned` are migrations this plan already adds, so a second one continues the sequence.
    """
    migrations = service.migrations
    if migrations is None or migrations.dir is None:
        return []
    chain = alembic_chain(service, planned)
    if chain:  # a second new revision builds on the first, not on the repo's head
        migrations = migrations.model_copy(update={"down_revision": chain[-1][1]})
    files = next_migration_files(migrations, slug, existing=(*migrations.latest, *planned))
    # A single-file scheme (one schema.sql) names an existing file: that one is modified.
    return files


_ALEMBIC_FILE = re.compile(
    r"^(?:(?P<rev>[0-9a-f]{12})_.+|\d{4}-\d{2}-\d{2}_.+_(?P<dated>[0-9a-f]{12}))\.py$"
)


def alembic_chain(
    service: Service, files: tuple[str, ...] | list[str]
) -> list[tuple[str, str, str | None]]:
    """For Alembic, the new revision files among `files` in order: (path, revision, down_revision).

    The first new revision points at the repo's head (read from its revision files), each
    further one at the revision before it, so the plan keeps a single head.
    """
    migrations = service.migrations
    if migrations is None or migrations.tool not in ("alembic", "flask-migrate"):
        return []
    chain: list[tuple[str, str, str | None]] = []
    down = migrations.down_revision
    for path in files:
        match = _ALEMBIC_FILE.match(posixpath.basename(path))
        if match is None or path in migrations.latest:
            continue
        revision = match.group("rev") or match.group("dated")
        chain.append((path, revision, down))
        down = revision
    return chain


def migration_criterion(
    service: Service, files: list[str], *, rolls_back: bool, planned: list[str] | None = None
) -> str:
    """The "migration runs" criterion; for Alembic it names each revision and its parent.

    `planned` are all migrations of the plan in order (default: `files`), so a sub-task's
    revision is chained to the one the sub-task before it adds.
    """
    text = f"Migration runs: {files[0]} applies cleanly" + (
        " (and rolls back)" if rolls_back else ""
    )
    chain = [link for link in alembic_chain(service, planned or files) if link[0] in files]
    if chain:
        links = "; ".join(
            f'{posixpath.basename(path)} has revision = "{rev}", down_revision = '
            + (f'"{down}"' if down else "None")
            for path, rev, down in chain
        )
        text += f"; {links}; `alembic heads` shows a single head"
    return text


def routes_file(service: Service, resource: Resource, registration: str | None) -> FileRef:
    """Where the feature's routes are registered."""
    naming = service.naming.routes
    if naming is None and any("<name>" in e for e in service.layout.routes):
        if registration:
            return FileRef(registration, False)
        language = service.language or FALLBACK_LANGUAGE
        dirname, template = DEFAULTS.get(language, DEFAULTS[FALLBACK_LANGUAGE])["routes"]
        return FileRef(posixpath.join(dirname, _fill(template, resource)), "{" in template)
    return file_for(service, "routes", resource)


def test_file(service: Service, source: str, resource: Resource) -> str | None:
    """The test file for `source` in the repo's test layout."""
    naming = service.naming.tests
    layout = service.tests.layout
    stem, ext = posixpath.splitext(posixpath.basename(source))
    if service.language in ("java", "kotlin") and f"/{source}".count("/src/main/") == 1:
        # Maven/Gradle: a test mirrors its class's package under src/test/ (FooServiceTest).
        head, _, tail = f"/{source}".partition("/src/main/")
        return f"{head}/src/test/{posixpath.dirname(tail)}/{stem}Test{ext}".lstrip("/")
    if naming is not None and (naming.dir == "" or layout == "colocated"):
        # Colocated: next to the source file, named like the repo's tests.
        suffix = naming.suffix if naming.suffix.startswith(("_", ".")) else ""
        if suffix == "_test.go" or (suffix and ext and suffix.endswith(ext)):
            return posixpath.join(posixpath.dirname(source), stem + suffix)
    if naming is not None and "{name}" in naming.template:
        name = feature_name(service, naming, resource)
        template = naming.template
        if "<name>" in template:
            template = template.replace("<name>", dir_name(service, naming, resource))
        return template.replace("{name}", name)
    if service.tests.dir:
        directory = service.tests.dir
        if posixpath.splitext(directory)[1]:
            return directory
        return posixpath.join(directory, _default_test_name(service, resource))
    if service.language == "go":
        return posixpath.join(posixpath.dirname(source), stem + "_test.go")
    return None


def _default_test_name(service: Service, resource: Resource) -> str:
    language = service.language or FALLBACK_LANGUAGE
    pattern = service.tests.pattern or ""
    if language == "python":
        return f"test_{resource.plural}.py"
    if language in ("typescript", "javascript"):
        ext = ".ts" if language == "typescript" else ".js"
        kind = ".spec" if "spec" in pattern else ".test"
        return f"{case(resource.plural, 'kebab')}{kind}{ext}"
    if language == "ruby":
        return f"{resource.singular}_spec.rb"
    if language in ("java", "kotlin"):
        return f"{case(resource.singular, 'pascal')}Test.{'java' if language == 'java' else 'kt'}"
    if language == "php":
        return f"{case(resource.singular, 'pascal')}Test.php"
    if language == "rust":
        return f"{resource.plural}.rs"
    return f"{resource.singular}_test.go"
