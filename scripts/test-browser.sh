#!/usr/bin/env bash
# Browser tests: Playwright drives Debian's chromium; screenshots go to artifacts/screenshots.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "FAILED: /usr/bin/chromium is missing (.ci/run installs Debian's chromium)" >&2
        exit 1
    fi
    echo "##########################################################################"
    echo "### SKIPPED: browser tests — /usr/bin/chromium is not installed"
    echo "###          (apt-get install chromium fonts-noto-cjk, or run .ci/run)"
    echo "##########################################################################"
    exit 0
fi
mkdir -p artifacts/screenshots
exec .venv/bin/pytest -m browser -q -p no:xdist
