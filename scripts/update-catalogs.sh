#!/usr/bin/env bash
# Refresh the translation catalogs: extract every marked string into
# youfu/locale/{zh_Hans,en}/LC_MESSAGES/django.po, then compile the .mo files.
# New strings arrive untranslated: translate them in the zh_Hans catalog (the en catalog fills itself),
# run this again to compile, and commit .po and .mo together.
# youfu/core/tests/test_catalogs.py fails while a string is missing or untranslated.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
youfu="${YOUFU:-$root/.venv/bin/youfu}"
# Settings create YOUFU_HOME (default ./var) on import: keep that out of the source tree.
if [[ -z "${YOUFU_HOME:-}" ]]; then
    YOUFU_HOME="$(mktemp -d)"
    trap 'rm -rf -- "$YOUFU_HOME"' EXIT
fi
export YOUFU_HOME

cd "$root/youfu"
"$youfu" makemessages -l zh_Hans -l en --no-obsolete --add-location file --ignore=.venv --ignore=var
"$root/.venv/bin/python" "$root/scripts/fill-en-catalog.py" "$root/youfu/locale/en/LC_MESSAGES/django.po"
"$youfu" compilemessages
