"""docs/deploy.md stays true to the code: every ``youfu`` command it shows is a real command with
the flags it shows, every setting it names is one youfu reads, and every file it names exists.
(Its shell blocks were run as written on a test set-up; what needs servers of its own is not run
here.)"""

from __future__ import annotations

import re
from pathlib import Path

import youfu

ROOT = Path(youfu.__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy.md"
SETTINGS = ROOT / "youfu" / "settings.py"


def text() -> str:
    return DEPLOY.read_text(encoding="utf-8")


def shown_commands() -> list[str]:
    """``youfu …`` in the shell blocks (continuations joined, comments dropped) and in the prose."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text(), flags=re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if line.startswith("youfu "):
                found.append(line)
    prose = re.sub(r"```.*?```", "", text(), flags=re.S)
    found += re.findall(r"`(youfu [^`]+)`", prose)
    return found


def test_every_youfu_command_shown_exists_with_its_flags() -> None:
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    shown = shown_commands()
    assert len(shown) >= 8
    wrong = []
    for line in shown:
        words = line.split()
        name = words[1]
        if name not in commands:
            wrong.append(f"{line}: no command {name}")
            continue
        parser = load_command_class(commands[name], name).create_parser("youfu", name)
        known = {option for action in parser._actions for option in action.option_strings}
        wrong += [
            f"{line}: {name} takes no {word}"
            for word in words[2:]
            if word.startswith("-") and word.split("=", 1)[0] not in known
        ]
    assert wrong == []


def test_every_setting_named_is_one_youfu_reads() -> None:
    named = set(re.findall(r"\bYOUFU_[A-Z_]+[A-Z]\b", text()))
    assert "YOUFU_DATABASE_REPLICA_URL" in named
    read = set(re.findall(r"\bYOUFU_[A-Z_]+[A-Z]\b", SETTINGS.read_text(encoding="utf-8")))
    assert named - read == set()


def test_every_file_named_exists() -> None:
    named = set(re.findall(r"`((?:youfu|docs|bench)/[\w./-]+)`", text()))
    assert "youfu/core/replica.py" in named
    assert [path for path in sorted(named) if not (ROOT / path).exists()] == []
