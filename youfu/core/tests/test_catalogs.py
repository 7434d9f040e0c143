"""The translation catalogs are complete, well-formed, compiled, and cover every string in the source.

Refresh them with scripts/update-catalogs.sh, translate what it adds to the zh_Hans catalog, and commit the
.po and .mo files together.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test.utils import override_settings

PACKAGE = Path(__file__).resolve().parents[2]
LOCALE = PACKAGE / "locale"
LANGUAGES = ["zh_Hans", "en"]
# What makemessages reads for the django domain, and what scripts/update-catalogs.sh tells it to skip.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
SKIPPED_DIRS = {"locale", "__pycache__", ".venv", "var", "static", "node_modules"}
GETTEXT_TOOLS = ["xgettext", "msguniq", "msgmerge"]

# A printf-style conversion, named or not: %(name)s, %(count)d, %s, %5.2f. "%%" is a literal percent sign.
CONVERSION = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
NAMED = re.compile(r"%\([^)]*\)[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def load_po(language: str) -> polib.POFile:
    path = po_path(language)
    assert path.is_file(), f"{path} is missing: run scripts/update-catalogs.sh"
    return polib.pofile(str(path))


def live(catalog: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalog if not entry.obsolete]


def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def describe(entry: polib.POEntry) -> str:
    where = ", ".join(sorted({path for path, _line in entry.occurrences}))
    return f"{entry.msgid!r} ({where or 'no location'})"


def placeholders(text: str, python_format: bool) -> set[str]:
    if python_format:
        return {m.group(0) for m in CONVERSION.finditer(text) if m.group(0) != "%%"}
    return set(NAMED.findall(text))


def translations(entry: polib.POEntry | polib.MOEntry) -> tuple[tuple[int, str], ...]:
    if entry.msgid_plural:
        return tuple(sorted((int(n), text) for n, text in entry.msgstr_plural.items()))
    return ((0, entry.msgstr),)


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_no_untranslated_or_fuzzy_entries(language: str) -> None:
    catalog = load_po(language)
    untranslated = [describe(e) for e in catalog.untranslated_entries()]
    fuzzy = [describe(e) for e in catalog.fuzzy_entries()]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated: " + "; ".join(untranslated)
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy: " + "; ".join(fuzzy)
    assert not catalog.metadata_is_fuzzy, f"{language}: the header is marked fuzzy"
    assert live(catalog), f"{language}: the catalog is empty"


@pytest.mark.parametrize(
    ("language", "plural_forms"),
    [("zh_Hans", "nplurals=1; plural=0;"), ("en", "nplurals=2; plural=(n != 1);")],
)
def test_it_declares_language_charset_and_plural_forms(language: str, plural_forms: str) -> None:
    catalog = load_po(language)
    assert catalog.metadata.get("Language") == language
    assert "charset=UTF-8" in catalog.metadata.get("Content-Type", "")
    assert catalog.metadata.get("Plural-Forms") == plural_forms
    nplurals = int(plural_forms.split(";")[0].removeprefix("nplurals="))
    wrong = [describe(e) for e in live(catalog) if e.msgid_plural and len(e.msgstr_plural) != nplurals]
    assert not wrong, f"{language}: plural entries need exactly {nplurals} form(s): " + "; ".join(wrong)


def test_it_keeps_every_placeholder_in_chinese() -> None:
    problems = []
    for entry in live(load_po("zh_Hans")):
        python_format = "python-format" in entry.flags
        # The plural msgid is the one that always names the count; a singular may spell "one" out.
        source = entry.msgid_plural or entry.msgid
        wanted = placeholders(source, python_format)
        for n, text in translations(entry):
            found = placeholders(text, python_format)
            if found != wanted:
                problems.append(f"{describe(entry)} msgstr[{n}] has {sorted(found)}, wants {sorted(wanted)}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_it_keeps_the_english_catalog_identical_to_the_source() -> None:
    wrong = []
    for entry in live(load_po("en")):
        wanted = ((0, entry.msgid), (1, entry.msgid_plural)) if entry.msgid_plural else ((0, entry.msgid),)
        if translations(entry) != wanted:
            wrong.append(describe(entry))
    assert not wrong, "en msgstr must equal msgid: " + "; ".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_a_compiled_catalog_in_sync_with_the_po(language: str) -> None:
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing: run scripts/update-catalogs.sh"
    in_po = {(key(e), translations(e)) for e in live(load_po(language)) if e.translated()}
    in_mo = {(key(e), translations(e)) for e in polib.mofile(str(mo_path)) if e.msgid}
    stale = sorted(str(k) for k, _t in in_po - in_mo)
    extra = sorted(str(k) for k, _t in in_mo - in_po)
    assert not stale and not extra, (
        f"{mo_path.name} is out of date with the .po (run compilemessages): "
        f"not compiled or changed {stale}; only in .mo {extra}"
    )


def copy_sources(destination: Path) -> None:
    """Copy what makemessages reads, leaving the locale directories out so it writes nothing real."""
    for source in PACKAGE.rglob("*"):
        relative = source.relative_to(PACKAGE)
        if source.suffix not in SOURCE_SUFFIXES or not source.is_file():
            continue
        if SKIPPED_DIRS.intersection(relative.parts[:-1]):
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def test_it_translates_every_string_in_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        pytest.skip(f"GNU gettext tools not on PATH ({', '.join(missing_tools)}): cannot extract strings")
    sources = tmp_path / "youfu"
    extracted_locale = tmp_path / "locale"
    copy_sources(sources)
    extracted_locale.mkdir()
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[str(extracted_locale)]):
        call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    extracted = polib.pofile(str(extracted_locale / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert live(extracted), "makemessages found no strings at all: the source copy is wrong"
    for language in LANGUAGES:
        committed = {key(e) for e in live(load_po(language))}
        missing = [describe(e) for e in live(extracted) if key(e) not in committed]
        assert not missing, (
            f"{len(missing)} string(s) missing from the {language} catalog; run scripts/update-catalogs.sh "
            "and translate them: " + "; ".join(missing)
        )
