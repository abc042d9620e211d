#!/usr/bin/env bash
# The VS Code end-to-end tests drive a real VS Code: code-server (VS Code 1.100 served to a
# browser, from the npm registry) in Debian's headless Chromium, through Python Playwright
# (tests/e2e/vscode_support.py). This script installs what they need when it is missing:
#   - Debian packages chromium, libkrb5-dev (code-server's native build) and ripgrep;
#   - code-server@$CODE_SERVER_VERSION into .vscode-test/code-server/ (project-local).
# No GitHub download works here: @vscode/ripgrep's install step would fetch rg from GitHub, so
# its download cache is pre-seeded with Debian's rg. Idempotent, and quick when nothing is
# missing. Prints one line per thing it installs; npm stays quiet but errors show.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep's version and the rg build it downloads (from code-server's lock file).
RIPGREP_PKG_VERSIONS="1.15.11 1.15.10 1.15.9 1.15.12 1.15.13 1.15.14"
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PREFIX="$ROOT/.vscode-test/code-server"
BIN="$PREFIX/node_modules/.bin/code-server"
STAMP="$PREFIX/.installed-$CODE_SERVER_VERSION"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# --- Debian packages -------------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "test-deps: installing Debian packages ${missing[*]} (VS Code e2e tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

# --- code-server from npm --------------------------------------------------------------
if [ -f "$STAMP" ] && [ -x "$BIN" ]; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || {
    echo "test-deps: npm not found; install Node.js 20 and npm (Debian: apt-get install nodejs npm)" >&2
    exit 1
}
echo "test-deps: installing code-server@$CODE_SERVER_VERSION into .vscode-test/code-server (~1 min)" >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# @vscode/ripgrep caches its download in os.tmpdir()/vscode-ripgrep-cache-<its version>/.
export TMPDIR="$work"
for v in $RIPGREP_PKG_VERSIONS; do
    mkdir -p "$work/vscode-ripgrep-cache-$v"
    tar czf "$work/vscode-ripgrep-cache-$v/$RIPGREP_ASSET" -C "$(dirname "$(command -v rg)")" rg
done

rm -rf "$PREFIX"
mkdir -p "$PREFIX"
# A package.json of its own, so npm installs here and not into an enclosing project.
printf '{"name": "vscode-test-code-server", "private": true}\n' >"$PREFIX/package.json"
log="$work/npm.log"
if ! (
    cd "$PREFIX" &&
        npm_config_yes=true npm_config_unsafe_perm=true npm_config_fund=false \
            npm_config_audit=false npm_config_update_notifier=false \
            npm install --no-save --foreground-scripts "code-server@$CODE_SERVER_VERSION"
) >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "test-deps: npm install code-server@$CODE_SERVER_VERSION failed (log above)" >&2
    rm -rf "$PREFIX"
    exit 1
fi
# (its own XDG dirs: code-server writes a config and logs there on every start)
XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" "$BIN" --version >/dev/null
touch "$STAMP"
