"""Issue 10, item 21: the README is true.

Every ``youfu`` command in the README's shell blocks runs as written, in order, against a
scratch database, with the input files it names made here and the users its ``--as`` names
(the test personas: ``admin``, ``clerk``, ``leader``). Left out: ``make`` targets and the
long-running worker and server. Optional flags in ``[...]`` are dropped; an ``ID`` is the id
the previous command printed. The README's set-up stays two commands, and every file it
names is in the repository.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

import youfu
from youfu.accounts.models import User
from youfu.testing import World, enrol_totp

ROOT = Path(youfu.__file__).resolve().parent.parent
README = ROOT / "README.md"

# Not run: the worker and the web server never return.
LONG_RUNNING = {"run_huey", "runserver"}
# Environment variables the README's commands read (``echo "$PASSWORD" | youfu …``).
ENVIRONMENT = {"PASSWORD": "Readme-check-2026"}


def readme() -> str:
    return README.read_text(encoding="utf-8")


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:sh|bash|shell|console)\n(.*?)```", text, flags=re.S)


def command_lines(block: str) -> list[str]:
    """The block's commands: continuations joined, comments and optional ``[...]`` dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    lines = []
    for raw in joined.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        while True:  # innermost first, so [--a [--b]] goes too
            shorter = re.sub(r"\s*\[[^\[\]]*\]", "", line)
            if shorter == line:
                break
            line = shorter
        if line:
            lines.append(line.strip())
    return lines


@dataclass
class Step:
    line: str  # as in the README, optional parts dropped
    argv: list[str]  # after ``youfu``
    stdin: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # ``YOUFU_DEBUG=1 youfu …``


def parse(line: str) -> Step | None:
    """A ``youfu`` command of the README, or None for what this test leaves out."""
    stdin = None
    command = line
    if "|" in line:
        left, command = (part.strip() for part in line.split("|", 1))
        echoed = shlex.split(left)
        assert echoed[0] == "echo" and len(echoed) == 2, f"README: cannot feed {left!r} to {command!r}"
        stdin = re.sub(r"\$\{?(\w+)\}?", lambda m: ENVIRONMENT[m.group(1)], echoed[1]) + "\n"
    words = shlex.split(command)
    # Environment assignments before the program (``PORT=8080 make demo``).
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if not words or words[0] == "make":
        return None
    assert words[0] == "youfu", f"README: {line!r} is neither a youfu command nor a make target"
    if len(words) > 1 and words[1] in LONG_RUNNING:
        return None
    return Step(line, words[1:], stdin, env)


def readme_steps() -> list[Step]:
    steps = []
    for block in shell_blocks(readme()):
        for line in command_lines(block):
            step = parse(line)
            if step is not None:
                steps.append(step)
    return steps


# --- the input files the commands name ----------------------------------------------------


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def regions_csv(run: Run) -> bytes:
    # The personas' county and townships again (renamed nothing), and a township more.
    rows = [
        "code,name,parent_code,level",
        "341199000000,青山县,,county",
        "341199100000,城关镇,341199000000,township",
        "341199100201,柳湾村,341199100000,village",
        "341199101000,东岭镇,341199000000,township",
        "341199101201,石桥村,341199101000,village",
        "341199102000,西河乡,341199000000,township",
        "341199102201,杏花村,341199102000,village",
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


def people_xlsx(run: Run) -> bytes:
    from datetime import date

    from youfu.registry.tests.test_import_helpers import person_row, table

    rows = [
        person_row(姓名="孙立国", born=date(1952, 4, 3)),
        person_row(姓名="钱秀英", born=date(1956, 9, 18), male=False, 银行账号="6230000000000000002"),
        person_row(
            姓名="周建军",
            born=date(1970, 1, 20),
            优抚类别="残疾军人",
            伤残性质="因战",
            伤残等级="六级",
            银行账号="6230000000000000003",
        ),
    ]
    return _xlsx(table(rows))


def standards_xlsx(run: Run) -> bytes:
    from youfu.benefits.tests.helpers import BASE_STANDARDS, HEADER

    return _xlsx([list(HEADER), *BASE_STANDARDS])


def returns_csv(run: Run) -> bytes:
    """The bank's answer to the last bank file written: every line paid."""
    from youfu.benefits.services import RETURN_COLUMNS, TOTAL_MARK

    sent = [p for p in run.outputs if p.suffix == ".csv" and p.name != "returns.csv"]
    assert sent, "README: returns.csv is imported before a bank file (.csv) was exported"
    raw = sent[-1].read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(RETURN_COLUMNS))
    for row in rows[1:]:
        writer.writerow([*row, "", ""] if row and row[0] == TOTAL_MARK else [*row, "成功", ""])
    return out.getvalue().encode("utf-8-sig")


def calendar_csv(run: Run) -> bytes:
    rows = [
        "date,kind,name",
        "2027-01-01,holiday,元旦",
        "2027-02-06,holiday,春节",
        "2027-02-07,workday,春节调休",
    ]
    return ("\n".join(rows) + "\n").encode()


INPUTS: dict[str, Callable[[Run], bytes]] = {
    "regions.csv": regions_csv,
    "people.xlsx": people_xlsx,
    "standards.xlsx": standards_xlsx,
    "returns.csv": returns_csv,
    "2027.csv": calendar_csv,
}
OUTPUT_FLAGS = ("-o", "--output")


@dataclass
class Run:
    folder: Path
    outputs: list[Path] = field(default_factory=list)
    last_id: str | None = None
    transcript: list[str] = field(default_factory=list)

    def prepare(self, step: Step) -> list[str]:
        argv = []
        for i, word in enumerate(step.argv):
            previous = step.argv[i - 1] if i else ""
            if word == "ID":
                assert self.last_id is not None, f"README: {step.line!r} needs an ID no command printed"
                argv.append(self.last_id)
                continue
            if previous in OUTPUT_FLAGS:
                target = self.folder / word
                self.outputs.append(target)
                argv.append(str(target))
                continue
            if re.fullmatch(r"[\w.-]+\.(csv|xlsx)", word):
                path = self.folder / word
                # A file an earlier command wrote is read as it is; any other is made now.
                if word in INPUTS and path not in self.outputs:
                    path.write_bytes(INPUTS[word](self))
                assert path.exists(), f"README: {step.line!r} names {word}, which this test cannot make"
                argv.append(str(path))
                continue
            argv.append(word)
        return argv

    def execute(self, step: Step, monkeypatch: pytest.MonkeyPatch) -> str:
        argv = self.prepare(step)
        if argv[0] == "reset-second-factor":
            # "A lost phone": the account had one (a reset of none is refused, nothing to reset).
            enrol_totp(User.objects.get(username=argv[1]))
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", io.StringIO(step.stdin or ""))
        code = 0
        # The settings read the environment once, at start-up: the one the README sets is
        # YOUFU_DEBUG, which is Django's DEBUG.
        debug = step.env.get("YOUFU_DEBUG", "1" if settings.DEBUG else "").lower() in ("1", "true")
        try:
            with monkeypatch.context() as scoped, override_settings(DEBUG=debug):
                for name, value in step.env.items():
                    scoped.setenv(name, value)
                call_command(*argv, stdout=out, stderr=err)
        except CommandError as exc:
            code = exc.returncode or 1
            err.write(str(exc))
        except SystemExit as exc:  # pragma: no cover - argparse in a command's own code
            code = int(exc.code or 0)
        self.transcript.append(f"$ {step.line}\n{out.getvalue()}{err.getvalue()}")
        assert code == 0, "README command failed:\n" + "\n".join(self.transcript[-3:])
        self.remember_id(out.getvalue())
        return out.getvalue()

    def remember_id(self, output: str) -> None:
        text = output.strip()
        found: Any = None
        if text.startswith("{"):
            found = json.loads(text).get("id")
        else:
            match = re.search(r"^id: (\d+)$", text, flags=re.M)
            found = match.group(1) if match else None
        if found is not None:
            self.last_id = str(found)


# --- the tests -----------------------------------------------------------------------------


def test_the_readme_has_commands_to_check() -> None:
    names = {step.argv[0] for step in readme_steps()}
    # The walk below must see the README's main path, not an empty block.
    assert {"import-regions", "create-user", "import-registry", "create-batch", "verify-audit"} <= names


def test_the_set_up_is_two_commands() -> None:
    section = readme().split("## Set-up", 1)[1].split("\n## ", 1)[0]
    blocks = shell_blocks(section)
    assert len(blocks) == 1
    assert command_lines(blocks[0]) == ["make demo", "make test"]


def test_youfu_is_the_installed_command_and_knows_every_readme_command(tmp_path: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["youfu"] == "youfu.manage:main"
    # The long-running ones too, which the walk below leaves out.
    wanted = {step.argv[0] for step in readme_steps()} | {
        shlex.split(line.split("|")[-1])[1]
        for block in shell_blocks(readme())
        for line in command_lines(block)
        if line.startswith("youfu ")
    }
    listed = subprocess.run(
        [sys.executable, "-m", "youfu.manage", "help", "--commands"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "YOUFU_HOME": str(tmp_path)},
        cwd=ROOT,
    ).stdout.split()
    assert wanted - set(listed) == set()


@pytest.mark.django_db
def test_every_readme_command_runs_as_written(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = Run(tmp_path)
    steps = readme_steps()
    for step in steps:
        run.execute(step, monkeypatch)
    assert len(run.transcript) == len(steps)


def test_every_command_named_in_the_prose_exists_with_the_flags_it_shows() -> None:
    """The tables and sentences (``youfu close-batch ID [--note TEXT]``) use placeholders, so
    they are not run; each names a real command, and each flag shown is one it takes."""
    from django.core.management import get_commands, load_command_class

    prose = re.sub(r"```.*?```", "", readme(), flags=re.S)
    shown = re.findall(r"`(youfu [^`]+)`", prose)
    assert shown, "the README's prose names no youfu command"
    commands = get_commands()
    wrong = []
    for text in shown:
        words = text.replace("\\|", "|").split()
        name = words[1]
        if name not in commands:
            wrong.append(f"{text}: no command {name}")
            continue
        parser = load_command_class(commands[name], name).create_parser("youfu", name)
        known = {option for action in parser._actions for option in action.option_strings}
        for word in words[2:]:
            flag = word.strip("[]()").split("=", 1)[0]
            if flag.startswith("-") and flag not in known:
                wrong.append(f"{text}: {name} takes no {flag}")
    assert wrong == []


# Paths the README names that exist only once the system runs (not files of the repository).
GENERATED = ("./var", "artifacts/screenshots/")


def exists_in_the_repository(token: str) -> bool:
    if (ROOT / token).exists():
        return True
    name = token.rstrip("/")
    # A bare name ("services.py", "tests/") is the name every app's file or folder has.
    return "/" not in name and any((ROOT / "youfu").rglob(name))


def test_the_readme_names_only_files_in_the_repository() -> None:
    text = readme()
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    named = set(re.findall(r"`([^`\s]+)`", prose)) | set(re.findall(r"\]\(([^)\s#]+)", prose))
    missing = []
    for token in sorted(named):
        if token.startswith(("/", "$", "-")) or "://" in token or token in GENERATED:
            continue  # URL paths, URLs, variables, flags
        looks_like_a_file = "/" in token or re.search(r"\.(md|py|toml|cfg|txt|sh|ya?ml|json)$", token)
        if looks_like_a_file and not exists_in_the_repository(token):
            missing.append(token)
    assert missing == []


def test_the_file_check_can_fail() -> None:
    assert not exists_in_the_repository("NO-SUCH-FILE.md") and not exists_in_the_repository("docs/no-such")
    assert exists_in_the_repository("youfu/benefits/engine.py") and exists_in_the_repository("services.py")
