"""A real VS Code for end-to-end tests: code-server (VS Code 1.100 in a browser) driven by Python
Playwright's async API in Debian's headless Chromium.

Setup: `make test-deps` (scripts/test-deps/vscode.sh) installs chromium and code-server into
.vscode-test/code-server/; the test extra brings `playwright`. Never `playwright install`:
`launch_workbench` uses /usr/bin/chromium (or $BACKEND_PLANNER_TEST_CHROMIUM).

Usage, in an async test (asyncio_mode=auto; the API is Playwright's async one)::

    async def test_x(tmp_path, request):
        artifacts = artifacts_dir(request)  # test-artifacts/vscode/<test>/
        server = CodeServer(vsix, workspace, settings={}, env={"X": "1"}, artifacts=artifacts)
        async with server as cs:
            async with launch_workbench(artifacts) as wb:
                await wb.open(cs.url())             # the workspace folder
                await wb.run_command("Harness: Say Hello")
                await wb.wait_for_notification("Hello")
                await wb.open_file("src/notes.txt")
                text = await wb.hover_text_at(1, 3)
                titles = await wb.lightbulb_actions(2)
                await wb.choose_action(titles[0])
                await wb.screenshot("after-fix")

`CodeServer` also works as a plain `with` (it blocks the event loop for the few seconds it takes
to install the .vsix and start). `env` is laid over os.environ for code-server; the extension host
inherits it. Lines and columns are 1-based, as VS Code shows them. Waits are on conditions with
TIMEOUT_MS; hovers and code actions are asked again while the providers answer nothing (noted in
`harness.log`). On exit `artifacts` keeps the browser's console log, a last screenshot
(`zz-exit.png`), code-server's output and VS Code's logs (the extension host's included).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import ConsoleMessage, Error, Locator, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

REPO_ROOT = Path(__file__).resolve().parents[2]
CODE_SERVER_DIR = REPO_ROOT / ".vscode-test" / "code-server"
CHROMIUM = os.environ.get("BACKEND_PLANNER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Generous: 2 cores shared with other processes. Every wait is on a condition, never a sleep.
TIMEOUT_MS = 30_000
START_TIMEOUT_S = 90.0

# Quiet and deterministic: no welcome page, tips, telemetry, trust prompt, update checks, preview
# tabs or git scanning; short hover delay.
BASE_SETTINGS: dict[str, Any] = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.welcomePage.walkthroughs.openOnInstall": False,
    "workbench.enableExperiments": False,
    "workbench.editor.enablePreview": False,
    "workbench.editor.enablePreviewFromQuickOpen": False,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "telemetry.telemetryLevel": "off",
    "security.workspace.trust.enabled": False,
    "security.workspace.trust.startupPrompt": "never",
    "update.mode": "none",
    "extensions.autoUpdate": False,
    "extensions.autoCheckUpdates": False,
    "extensions.ignoreRecommendations": True,
    "git.enabled": False,
    "git.autoRepositoryDetection": False,
    "git.openRepositoryInParentFolders": "never",
    "editor.accessibilitySupport": "off",
    "editor.minimap.enabled": False,
    "editor.hover.delay": 150,
    "editor.hover.sticky": True,
    "editor.lightbulb.enabled": "on",
    "files.autoSave": "off",
    "chat.commandCenter.enabled": False,
    "chat.disableAIFeatures": True,
    "window.commandCenter": False,
    "npm.autoDetect": "off",
}


def code_server_bin() -> Path:
    """The code-server that scripts/test-deps/vscode.sh installed, or fail the test."""
    path = CODE_SERVER_DIR / "node_modules" / ".bin" / "code-server"
    if not path.exists():
        pytest.fail(f"{path} missing: run `make test-deps` (scripts/test-deps/vscode.sh)")
    return path


def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """A fresh folder for one test's screenshots and logs: $BACKEND_PLANNER_TEST_ARTIFACTS or
    <repo>/test-artifacts, then vscode/<test name>."""
    base = Path(os.environ.get("BACKEND_PLANNER_TEST_ARTIFACTS") or REPO_ROOT / "test-artifacts")
    path = base / "vscode" / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CodeServer:
    """code-server on a free loopback port with its own user data and extensions dirs."""

    def __init__(
        self,
        vsix: Path | None,
        workspace: Path,
        settings: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        artifacts: Path | None = None,
    ) -> None:
        self.vsix = vsix
        self.workspace = Path(workspace)
        self.settings = {**BASE_SETTINGS, **(settings or {})}
        self._given_env = dict(env or {})
        self.env = {**os.environ, **self._given_env}
        self.artifacts = Path(artifacts) if artifacts else None
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._log: Any = None

    # -- paths -------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        assert self._tmp is not None, "CodeServer not started"
        return Path(self._tmp.name)

    @property
    def user_data_dir(self) -> Path:
        return self.root / "user"

    @property
    def extensions_dir(self) -> Path:
        return self.root / "ext"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, folder: Path | None = None) -> str:
        """The workbench URL opening `folder` (default: the workspace)."""
        folder = Path(folder or self.workspace).resolve()
        return f"{self.base_url}/?folder={quote(str(folder))}"

    def _common_args(self) -> list[str]:
        return [
            str(code_server_bin()),
            "--config",
            str(self.root / "config.yaml"),
            "--user-data-dir",
            str(self.user_data_dir),
            "--extensions-dir",
            str(self.extensions_dir),
        ]

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> CodeServer:
        self._tmp = tempfile.TemporaryDirectory(prefix="code-server-")
        (self.user_data_dir / "User").mkdir(parents=True)
        # code-server keeps its own logs, config and heartbeat under the XDG dirs: keep them
        # out of the user's home (unless the caller's env names them).
        for var, sub in (("XDG_DATA_HOME", "xdg-data"), ("XDG_CONFIG_HOME", "xdg-config")):
            if not self._given_env.get(var):
                self.env[var] = str(self.root / sub)
        self.extensions_dir.mkdir()
        # Its own config file: code-server would otherwise write ~/.config/code-server/.
        (self.root / "config.yaml").write_text("auth: none\ncert: false\n")
        (self.user_data_dir / "User" / "settings.json").write_text(
            json.dumps(self.settings, indent=2)
        )
        if self.artifacts:
            self.artifacts.mkdir(parents=True, exist_ok=True)
            self._log = open(self.artifacts / "code-server.log", "ab")  # noqa: SIM115
        else:
            self._log = open(self.root / "code-server.log", "ab")  # noqa: SIM115
        if self.vsix is not None:
            self._install(Path(self.vsix))
        for attempt in range(3):
            self.port = _free_port()
            self._log.write(f"--- serve on port {self.port} (attempt {attempt + 1})\n".encode())
            self._log.flush()
            self.proc = subprocess.Popen(
                [
                    *self._common_args(),
                    "--bind-addr",
                    f"127.0.0.1:{self.port}",
                    "--auth",
                    "none",
                    "--disable-telemetry",
                    "--disable-update-check",
                    "--disable-workspace-trust",
                    "--disable-getting-started-override",
                    "--disable-file-downloads",
                    "--ignore-last-opened",
                    str(self.workspace),
                ],
                env=self.env,
                cwd=self.workspace,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            if self._wait_healthy():
                return self
            self._kill()  # most likely another process took the port: try another one
        self.stop()
        pytest.fail(f"code-server did not answer /healthz; see {self._log.name}")

    def _install(self, vsix: Path) -> None:
        done = subprocess.run(
            [*self._common_args(), "--install-extension", str(vsix), "--force"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        self._log.write(done.stdout)
        self._log.flush()
        out = done.stdout.decode(errors="replace")
        if done.returncode != 0 or "successfully installed" not in out.lower():
            pytest.fail(f"code-server --install-extension {vsix} failed:\n{out}")

    def _wait_healthy(self) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)  # polling an HTTP endpoint: nothing to wait on
        return False

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace)
                # The group may outlive its leader (extension host, language servers).
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop(self) -> None:
        self._kill()
        if self._tmp is None:
            return
        if self.artifacts:
            logs = self.user_data_dir / "logs"
            if logs.is_dir():
                shutil.copytree(logs, self.artifacts / "vscode-logs", dirs_exist_ok=True)
            coder_logs = self.root / "xdg-data" / "code-server" / "coder-logs"
            if coder_logs.is_dir():
                shutil.copytree(coder_logs, self.artifacts / "coder-logs", dirs_exist_ok=True)
        if self._log:
            self._log.close()
            self._log = None
        self._tmp.cleanup()
        self._tmp = None

    def __enter__(self) -> CodeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> CodeServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)


@contextlib.asynccontextmanager
async def launch_workbench(
    artifacts: Path, width: int = 1400, height: int = 900
) -> AsyncIterator[Workbench]:
    """Debian's Chromium, headless, with one page wrapped in a `Workbench`."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make test-deps` (scripts/test-deps/vscode.sh)")
    artifacts.mkdir(parents=True, exist_ok=True)
    console = open(artifacts / "browser-console.log", "a", encoding="utf-8")  # noqa: SIM115
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": width, "height": height})
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)

            def on_console(message: ConsoleMessage) -> None:
                console.write(f"[{message.type}] {message.text}\n")

            def on_page_error(error: Error) -> None:
                console.write(f"[pageerror] {error}\n")

            page.on("console", on_console)
            page.on("pageerror", on_page_error)
            workbench = Workbench(page, artifacts)
            try:
                yield workbench
            finally:
                with contextlib.suppress(Exception):
                    await workbench.screenshot("zz-exit")
        finally:
            await browser.close()
            console.close()


class Workbench:
    """Drives the VS Code workbench in a Playwright page the way a user does."""

    def __init__(self, page: Page, artifacts: Path) -> None:
        self.page = page
        self.artifacts = artifacts

    # -- basics ------------------------------------------------------------------------------
    async def open(self, url: str) -> None:
        """Load the workbench (`CodeServer.url(folder)`) and wait until it is up."""
        await self.page.goto(url)
        await self.page.locator(".monaco-workbench .part.statusbar").wait_for()
        await self.page.locator(".monaco-workbench .part.editor").wait_for()
        # The explorer shows the folder: the window is past its restore phase.
        await self.page.locator(".explorer-folders-view").first.wait_for(state="attached")

    def note(self, message: str) -> None:
        """A line in `artifacts/harness.log` (the driver's retries are noted there)."""
        with open(self.artifacts / "harness.log", "a", encoding="utf-8") as log:
            log.write(f"{time.strftime('%H:%M:%S')} {message}\n")

    async def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        await self.page.screenshot(path=str(path))
        return path

    async def press(self, keys: str) -> None:
        await self.page.keyboard.press(keys)

    # -- quick input -------------------------------------------------------------------------
    @property
    def _quick_input(self) -> Locator:
        return self.page.locator(".quick-input-widget")

    async def _quick_input_type(self, opener: str, text: str) -> None:
        await self._focus_workbench()
        await self.page.keyboard.press(opener)
        box = self._quick_input.locator(".quick-input-box input")
        await box.wait_for()
        await box.fill(text)

    async def _focus_workbench(self) -> None:
        # Close whatever popup (hover, menu, quick input) might swallow the next key.
        if await self._quick_input.is_visible():
            await self.page.keyboard.press("Escape")
            await self._quick_input.wait_for(state="hidden")

    def _rows(self) -> Locator:
        return self._quick_input.locator(".quick-input-list .monaco-list-row")

    async def _pick_row(self, label: str) -> None:
        """Click the quick-input row whose label is exactly `label`."""
        exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
        row = self._rows().filter(has=self.page.locator(".label-name", has_text=exact)).first
        try:
            await row.wait_for()
        except PlaywrightTimeoutError:
            shown = await self._rows().all_inner_texts()
            raise AssertionError(f"no row {label!r} in the quick input; it shows {shown}") from None
        typed = await self._quick_input.locator(".quick-input-box input").input_value()
        await row.click()
        await self._quick_input_done(typed)

    async def _quick_input_done(self, typed: str) -> None:
        """Wait until the quick input closed or moved on to a next prompt (an input box or
        quick pick the chosen command opened): its text box no longer holds what was typed."""
        await self.page.wait_for_function(
            "(typed) => { const w = document.querySelector('.quick-input-widget');"
            " if (!w || w.style.display === 'none' || !w.offsetParent) return true;"
            " const i = w.querySelector('.quick-input-box input');"
            " return !i || i.value !== typed; }",
            arg=typed,
        )

    async def run_command(self, title: str) -> None:
        """Run a command from the palette (F1) by its full shown title, category included:
        "Harness: Say Hello"."""
        await self._quick_input_type("F1", f">{title}")
        await self._pick_row(title)

    async def input_text(self, text: str) -> None:
        """Answer the open input box (`showInputBox`) with `text` and Enter."""
        box = self._quick_input.locator(".quick-input-box input")
        await box.wait_for()
        await box.fill(text)
        await box.press("Enter")
        await self._quick_input_done(text)

    async def quick_pick(self, label: str) -> None:
        """Choose the row labelled `label` of the open quick pick (`showQuickPick`)."""
        exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
        row = self._rows().filter(has=self.page.locator(".label-name", has_text=exact)).first
        await row.wait_for()
        await row.click()
        await row.wait_for(state="hidden")

    # -- editors -----------------------------------------------------------------------------
    async def open_file(self, relpath: str) -> None:
        """Open a workspace file through Quick Open (Ctrl+P) and wait for its tab."""
        name = Path(relpath).name
        await self._quick_input_type("Control+p", relpath)
        await self._pick_row(name)
        await self.wait_for_active_tab(name)
        await self._active_editor.locator(".view-lines").wait_for()

    @property
    def _active_tab(self) -> Locator:
        return self.page.locator(".editor-group-container.active .tab.active")

    @property
    def _active_editor(self) -> Locator:
        return self.page.locator(
            ".editor-group-container.active .editor-container .monaco-editor:visible"
        ).first

    async def wait_for_active_tab(self, title: str | re.Pattern[str]) -> None:
        """Wait until the active tab's label is `title` (a string is matched exactly)."""
        if isinstance(title, str):
            title = re.compile(rf"^\s*{re.escape(title)}\s*$")
        await self._active_tab.filter(
            has=self.page.locator(".label-name", has_text=title)
        ).first.wait_for()

    async def goto_line(self, line: int, column: int = 1) -> None:
        """Move the cursor of the active editor to line:column (Quick Open's `:line:col`)."""
        await self._quick_input_type("Control+p", f":{line}:{column}")
        await self._quick_input.locator(".quick-input-list .monaco-list-row").first.wait_for()
        await self.page.keyboard.press("Enter")
        await self._quick_input.wait_for(state="hidden")
        await self.page.wait_for_function(
            "(want) => [...document.querySelectorAll('.statusbar-item')]"
            ".some(e => (e.textContent || '').includes(want))",
            arg=f"Ln {line}, Col {column}",
        )
        # Keys go to the editor only once it has the focus back from the quick input.
        await self.page.locator(".editor-group-container.active .monaco-editor.focused").wait_for()

    async def hover_text_at(self, line: int, column: int, timeout_ms: int = TIMEOUT_MS) -> str:
        """Hover the mouse over the character at line:column; return the hover's text.

        A provider that is not ready yet (a language server still starting) shows no hover:
        the mouse leaves and comes back until one shows or `timeout_ms` passes."""
        await self.goto_line(line, column)
        cursor = self._active_editor.locator(".cursors-layer .cursor").first
        await cursor.wait_for(state="attached")
        box = await cursor.bounding_box()
        assert box is not None, "editor cursor has no box"
        x, y = box["x"] + 4, box["y"] + box["height"] / 2
        hover = self.page.locator(".monaco-editor .monaco-hover:not(.hidden)").first
        ready = (
            "(el) => { const t = (el.innerText || '').trim();"
            " return t.length > 0 && !/^Loading\\.\\.\\.$/.test(t); }"
        )
        deadline = time.monotonic() + timeout_ms / 1000
        attempt = 0
        while True:
            attempt += 1
            # Away first, then onto the character: a hover needs a real mouse move there.
            await self.page.mouse.move(5, 5)
            with contextlib.suppress(PlaywrightTimeoutError):
                await hover.wait_for(state="hidden", timeout=3_000)
            await self.page.mouse.move(x - 2, y, steps=2)
            await self.page.mouse.move(x, y, steps=2)
            left_ms = max(1_000, int((deadline - time.monotonic()) * 1000))
            try:
                await hover.wait_for(timeout=min(left_ms, 3_000 * attempt))
                await self.page.wait_for_function(
                    ready, arg=await hover.element_handle(), timeout=min(left_ms, 10_000)
                )
                return (await hover.inner_text()).strip()
            except PlaywrightTimeoutError:
                self.note(f"hover_text_at({line}, {column}): no hover, again")
                if time.monotonic() >= deadline:
                    raise

    async def lightbulb_actions(
        self, line: int, column: int = 1, timeout_ms: int = TIMEOUT_MS
    ) -> list[str]:
        """Put the cursor on line:column, open Quick Fix (Ctrl+.), return the menu's action
        titles; the menu stays open for `choose_action`.

        While VS Code says "No code actions available" (providers not ready, the document just
        changed) it asks again until `timeout_ms` passes, then returns []."""
        await self.goto_line(line, column)
        rows = self.page.locator(".action-widget .monaco-list-row.action")
        none = self.page.locator(".monaco-editor-overlaymessage")
        deadline = time.monotonic() + timeout_ms / 1000
        attempt = 0
        while True:
            attempt += 1
            if not await rows.count():
                await self.page.keyboard.press("Control+.")
                try:
                    await rows.first.or_(none).first.wait_for(timeout=5_000)
                except PlaywrightTimeoutError:
                    # The key went nowhere (focus moving, a busy renderer): press it again.
                    self.note(f"lightbulb_actions({line}): no menu after Ctrl+., again")
                    if time.monotonic() >= deadline:
                        raise
                    continue
            if await rows.count():
                return [(await r.locator(".title").inner_text()).strip() for r in await rows.all()]
            if time.monotonic() >= deadline:
                return []
            self.note(f"lightbulb_actions({line}): 'No code actions available', again")
            await self.page.keyboard.press("Escape")
            with contextlib.suppress(PlaywrightTimeoutError):
                await none.wait_for(state="hidden", timeout=3_000)
            # Retrying a request whose answer was "nothing yet": back off a little.
            await self.page.wait_for_timeout(min(2_000, 200 * attempt))

    async def choose_action(self, title: str) -> None:
        """Pick the action `title` from the open code-action menu."""
        # The keyboard, not the mouse: a `context-view-pointerBlock` overlay takes the clicks.
        rows = self.page.locator(".action-widget .monaco-list-row.action")
        await rows.first.wait_for()
        labels = [await r.get_attribute("aria-label") or "" for r in await rows.all()]
        if title not in labels:
            raise AssertionError(f"no code action {title!r} in {labels}")
        focused = rows.and_(self.page.locator(".focused"))
        for _ in range(len(labels) + 1):
            if await focused.count() and await focused.first.get_attribute("aria-label") == title:
                break
            await self.page.keyboard.press("ArrowDown")
            await focused.first.wait_for()
        await self.page.keyboard.press("Enter")
        await self.page.locator(".action-widget").wait_for(state="hidden")

    async def editor_text(self) -> str:
        """The whole text of the active editor, or the text of the markdown preview (a webview)
        when one is showing."""
        editor = self._active_editor
        webview = self.page.locator("iframe.webview.ready:visible").first
        await editor.or_(webview).first.wait_for()
        if not await editor.count():
            body = webview.content_frame.locator("iframe#active-frame").content_frame.locator(
                "body"
            )
            await body.wait_for()
            await self.page.wait_for_function(
                "(el) => (el.innerText || '').trim().length > 0", arg=await body.element_handle()
            )
            return (await body.inner_text()).strip()
        # Monaco renders only the visible lines: copy the whole model instead.
        await editor.locator(".view-lines").click()
        await self.page.evaluate(
            "() => { window.__e2eCopied = null; document.addEventListener('copy', (e) => {"
            " window.__e2eCopied = e.clipboardData ? e.clipboardData.getData('text/plain')"
            " : ''; }, {once: true}); }"
        )
        await self.page.keyboard.press("Control+a")
        await self.page.keyboard.press("Control+c")
        await self.page.wait_for_function("() => window.__e2eCopied !== null")
        text = await self.page.evaluate("() => window.__e2eCopied")
        await self.page.keyboard.press("Control+Home")
        return str(text)

    # -- status bar and notifications --------------------------------------------------------

    async def wait_for_statusbar(self, text: str) -> None:
        await self.page.locator(".part.statusbar .statusbar-item", has_text=text).first.wait_for()

    async def notifications(self) -> list[str]:
        """Messages of the notification toasts now showing (and of the notification center, if
        open)."""
        items = self.page.locator(
            ".notifications-toasts .notification-list-item-message,"
            " .notifications-center .notification-list-item-message"
        )
        return [t.strip() for t in await items.all_inner_texts() if t.strip()]

    async def wait_for_notification(self, text: str) -> str:
        """Wait until a notification toast containing `text` shows; return its message."""
        item = self.page.locator(
            ".notifications-toasts .notification-list-item-message", has_text=text
        ).first
        await item.wait_for()
        return (await item.inner_text()).strip()
