"""Faults as tests (issue 15): real processes killed, racing, and cut off from their servers.

A fault test builds its records in the test process through the services, in a test that commits
(``django_db(transaction=True)``), and then hands the database to other processes:

- ``Shared``: the test's database as other processes reach it. On PostgreSQL that is the test
  database itself. SQLite's test database lives in this process's memory, so it is copied to a file
  with SQLite's backup API for them (``push``) and copied back for the test to read (``pull``).
- ``kill_sweep``: a driver (``python -m youfu.core.tests.faults``, Django set up once) forks one child
  per kill point. The child runs a youfu command as the CLI does, stops after its k-th SQL statement
  and is killed there with SIGKILL by the driver. After each kill the driver opens a new connection
  (the restart) and fingerprints every table. Then the command runs whole, and once more.
- ``race``: the driver forks racers; each gets ready (its user, token and client, the URLconf
  loaded) and waits at one ``multiprocessing.Barrier``, then all send their request at once through
  youfu's whole WSGI stack (middleware, views, services).
- ``private_postgres``, ``private_redis``, ``serve``: servers of the test's own, on free ports —
  never the shared PostgreSQL on 5432 or Redis on 6379 — and youfu's own server (``youfu
  runserver``) against them.

A tool that is missing skips the test saying which; with ``CI=true`` it fails instead, so CI cannot
pass without the faults. ``YOUFU_FAULT_STATS=FILE`` appends each test's figures (faults injected,
and survived) as a JSON line; ``bench/README.md`` ("Faults") sums them. ``YOUFU_FAULTS=deep`` kills
each command after every one of its statements instead of every second or third.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

RESULT_MARK = "FAULTS-RESULT "
REPO = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
YOUFU = str(Path(sys.executable).with_name("youfu"))
# A subprocess that runs longer than this is stuck: the test fails instead of hanging CI.
PROCESS_TIMEOUT = 240


# --- tools and figures ---------------------------------------------------------------------------


def missing_tool(reason: str) -> None:
    """Skip, saying what is missing; fail under CI, where every fault must be injected."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true runs every fault test)")
    pytest.skip(reason)


POSTGRES_TOOLS = ("initdb", "pg_ctl", "pg_dump", "psql")


def postgres_bin() -> Path | None:
    """The directory of initdb, pg_ctl, pg_dump and psql (their real one: a link on PATH leads
    there), else Debian's versioned directories."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if all((candidate / tool).exists() for tool in POSTGRES_TOOLS):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def record_figures(test: str, kind: str, injected: int, survived: int, **extra: Any) -> None:
    path = os.environ.get("YOUFU_FAULT_STATS")
    if not path:
        return
    row = {"test": test, "kind": kind, "injected": injected, "survived": survived, **extra}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")


# --- the test's database, shared with other processes --------------------------------------------


class Shared:
    """The test database as other processes reach it (see the module's docstring)."""

    def __init__(self, home: Path) -> None:
        from django.db import connection

        self.home = home
        self.vendor = connection.vendor
        db = connection.settings_dict
        if self.vendor == "sqlite":
            self.file = home / "youfu.sqlite3"
            self.url = f"sqlite:///{self.file}"
        else:
            auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "youfu.settings",
            "YOUFU_HOME": str(self.home),
            "YOUFU_DATABASE_URL": self.url,
            "YOUFU_DATA_KEY": settings.YOUFU_DATA_KEY,
            "YOUFU_SECRET_KEY": settings.SECRET_KEY,
            "YOUFU_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "YOUFU_HUEY_FILE": str(self.home / "queue.sqlite3"),
            # The other processes run this very checkout, whatever else is installed.
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("YOUFU_REDIS_URL", "YOUFU_HUEY_IMMEDIATE", "YOUFU_DEBUG", "YOUFU_SECURE_COOKIES"):
            env.pop(name, None)
        env.update(extra)
        return env

    def push(self) -> None:
        """What the test wrote, for the other processes to read (SQLite: into the file)."""
        if self.vendor != "sqlite":
            return
        from django.db import connection

        connection.ensure_connection()
        self.file.unlink(missing_ok=True)
        target = sqlite3.connect(self.file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()

    def pull(self) -> None:
        """What the other processes wrote, for the test to read (SQLite: from the file)."""
        if self.vendor != "sqlite":
            return
        from django.db import connection

        source = sqlite3.connect(self.file)
        try:
            source.execute("PRAGMA journal_mode=DELETE")  # the WAL checkpointed into the file
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()


def run_driver(shared: Shared, mode: str, spec: dict[str, Any], timeout: float = PROCESS_TIMEOUT) -> Any:
    """Run the driver below in a new process on the shared database; its JSON result."""
    done = subprocess.run(
        [PYTHON, "-m", "youfu.core.tests.faults", mode, json.dumps(spec)],
        env=shared.env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise AssertionError(f"the driver gave no result (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


def kill_sweep(shared: Shared, argv: list[str], *, stride: int = 1) -> dict[str, Any]:
    """Kill ``youfu <argv>`` after statement 1, 1 + stride, … until it finishes on its own; then
    run it once more. See ``_kill_sweep``. ``YOUFU_FAULTS=deep`` kills after every statement
    (``make test`` keeps the stride, to stay quick)."""
    if os.environ.get("YOUFU_FAULTS") == "deep":
        stride = 1
    return dict(run_driver(shared, "kill", {"argv": argv, "stride": stride}))


def survived(sweep: dict[str, Any], *, refusal_writes: frozenset[str] = frozenset()) -> int:
    """Every kill was a SIGKILL and left every table as it was — but a kill after the commit,
    which ends the sweep with the operation done; the operation was done exactly once (run whole
    at the end, or finished before its last kill) and a second run was refused, changing nothing
    but ``refusal_writes`` (a refused import's audit record). The number of kills."""
    kills = sweep["kills"]
    assert kills and all(kill["signal"] == signal.SIGKILL for kill in kills), kills
    assert all(kill["changed"] == [] for kill in kills[:-1]), kills
    last, done = kills[-1], sweep["completed"]
    if last["changed"]:
        assert done["killed"] and not last["in_transaction"], last
    else:
        assert done["code"] == 0, done
    assert sweep["changed"], "the operation never happened"
    assert any(kill["in_transaction"] for kill in kills), "no kill landed inside the transaction"
    assert sweep["again"]["code"] == 1, sweep["again"]
    assert set(sweep["again_changed"]) <= refusal_writes, sweep["again_changed"]
    return len(kills)


def race(shared: Shared, target: str, n: int = 2, **args: Any) -> list[dict[str, Any]]:
    """Run ``target(i, wait, **args)`` (a dotted path) in ``n`` processes that meet at a barrier
    (``wait``); their answers, in racer order."""
    (answers,) = steps(shared, [{"race": target, "n": n, "args": args}])
    return list(answers)


def steps(shared: Shared, plan: list[dict[str, Any]]) -> list[Any]:
    """Several steps in one driver, in order: ``{"race": target, "n": 2, "args": {...}}`` as
    ``race``, or ``{"call": target, "args": {...}}``, a function run in the driver (between
    races: export the batch the racers approved). Each step's answer. A call that raises ends
    the plan; the error then shows every answer before it (what the races answered is usually
    why the call found nothing to work on)."""
    answers = list(run_driver(shared, "steps", {"steps": plan}))
    if len(answers) < len(plan) or (
        answers and isinstance(answers[-1], dict) and "step_failed" in answers[-1]
    ):
        failed = answers[-1].get("step_failed") if answers else ""
        raise AssertionError(
            f"step {len(answers)} of {len(plan)} failed:\n{failed}\n"
            f"the answers before it: {json.dumps(answers[:-1], ensure_ascii=False, default=str)[:6000]}"
        )
    return answers


# --- the driver (in its own process) -------------------------------------------------------------


def fingerprint() -> dict[str, list[Any]]:
    """Every table: its row count, a digest of all its rows, and the sums of its money (fen)."""
    from django.apps import apps
    from django.db.models import Sum

    prints: dict[str, list[Any]] = {}
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = list(model._base_manager.order_by("pk").values_list(*fields))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        money = [f for f in fields if f.endswith("_fen")]
        sums = model._base_manager.aggregate(**{f: Sum(f) for f in money}) if money and rows else {}
        prints[model._meta.label] = [len(rows), digest, {k: v or 0 for k, v in sums.items()}]
    return prints


def _differences(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> dict[str, Any]:
    return {
        label: [a.get(label), b.get(label)]
        for label in sorted(set(a) | set(b))
        if a.get(label) != b.get(label)
    }


def _read_line(fd: int, timeout: float) -> bytes:
    """One line from the child's pipe; b"" when the child closed it (it ended on its own)."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the child neither reached its kill point nor ended")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 256)
            if not chunk:
                return data
            data += chunk
    return data


def _run_command_child(argv: list[str], stop_at: int, report: int, output: Path) -> None:
    """In the forked child: ``youfu <argv>`` as the CLI runs it, stopping after statement
    ``stop_at`` (0: never) to be killed; the statement count reported at the end."""
    from django.core.management import execute_from_command_line
    from django.db import connection

    handle = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(handle, 1)
    os.dup2(handle, 2)
    count = 0

    def stop_here(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        result = execute(sql, params, many, context)
        count += 1
        if count == stop_at:
            atomic = int(context["connection"].in_atomic_block)
            os.write(report, f"stopped {count} {atomic}\n".encode())
            time.sleep(PROCESS_TIMEOUT)  # the driver kills this process here
        return result

    code = 0
    try:
        with connection.execute_wrapper(stop_here):
            execute_from_command_line(["youfu", *argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 3
    with contextlib.suppress(OSError):
        os.write(report, f"ended {count} 0\n".encode())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _fork_command(argv: list[str], stop_at: int, output: Path) -> dict[str, Any]:
    from django.db import connections

    connections.close_all()  # no connection crosses the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _run_command_child(argv, stop_at, write, output)
    os.close(write)
    try:
        line = _read_line(read, PROCESS_TIMEOUT).decode().split()
    finally:
        os.close(read)
    killed = bool(line) and line[0] == "stopped"
    if killed:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return {
        "killed": killed,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "code": os.waitstatus_to_exitcode(status),
        "statements": int(line[1]) if line else None,
        "in_transaction": bool(int(line[2])) if killed else None,
        "output": output.read_text(encoding="utf-8", errors="replace")[-4000:],
    }


def _preload(command: str) -> None:
    """What every child would load again before its first statement — the command, the URLconf,
    the system checks' imports — loaded once, before the forks."""
    from django.core.checks import run_checks
    from django.core.management import get_commands, load_command_class
    from django.urls import get_resolver

    load_command_class(get_commands()[command], command)
    get_resolver().url_patterns  # noqa: B018
    run_checks()


def _kill_sweep(spec: dict[str, Any]) -> dict[str, Any]:
    """Kill the command after statement 1, 1 + stride, … (each in a new process, each after a
    fresh fingerprint), until a run ends on its own; then run it once more. Every kill's
    fingerprint is reported with the tables it changed, if any."""
    argv, stride = spec["argv"], int(spec["stride"])
    _preload(argv[0])
    folder = Path(tempfile.mkdtemp(prefix="youfu-kill-"))
    try:
        return _sweep(argv, stride, folder / "out.txt")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sweep(argv: list[str], stride: int, output: Path) -> dict[str, Any]:
    from django.db import connections

    started = time.monotonic()
    before = fingerprint()
    kills: list[dict[str, Any]] = []
    stop_at = 1
    while True:
        run = _fork_command(argv, stop_at, output)
        if not run["killed"]:
            break
        now = fingerprint()
        connections.close_all()
        kills.append(
            {
                "after": stop_at,
                "signal": run["signal"],
                "in_transaction": run["in_transaction"],
                "changed": sorted(_differences(before, now)),
            }
        )
        if now != before:
            break  # killed after its commit: the operation is done, and is not run whole again
        stop_at += stride
    after = fingerprint()
    again = _fork_command(argv, 0, output)
    final = fingerprint()
    connections.close_all()
    return {
        "kills": kills,
        "completed": run,
        "changed": sorted(_differences(before, after)),
        "again": again,
        "again_changed": sorted(_differences(after, final)),
        "seconds": round(time.monotonic() - started, 1),
    }


def _racer(target: str, i: int, barrier: Any, results: Any, args: dict[str, Any]) -> None:
    from django.db import connections
    from django.utils.module_loading import import_string

    try:
        answer = import_string(target)(i, lambda: barrier.wait(), **args)
    except BaseException:
        answer = {"crashed": traceback.format_exc()}
    finally:
        connections.close_all()
    results.put((i, answer))


def _race(target: str, n: int, args: dict[str, Any]) -> list[dict[str, Any]]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(n, timeout=PROCESS_TIMEOUT / 2)
    results = context.Queue()
    racers = [context.Process(target=_racer, args=(target, i, barrier, results, args)) for i in range(n)]
    for racer in racers:
        racer.start()
    answers = dict(results.get(timeout=PROCESS_TIMEOUT) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
    return [answers[i] for i in range(n)]


def _steps(spec: dict[str, Any]) -> list[Any]:
    from django.db import connections
    from django.urls import get_resolver
    from django.utils.module_loading import import_string

    get_resolver().url_patterns  # noqa: B018  (loaded once here, not by each racer after the barrier)
    answers: list[Any] = []
    for step in spec["steps"]:
        if "race" in step:
            answers.append(_race(step["race"], int(step.get("n", 2)), step["args"]))
        else:
            try:
                answers.append(import_string(step["call"])(**step["args"]))
            except Exception:
                answers.append({"step_failed": traceback.format_exc()})
                break
            finally:
                connections.close_all()
    return answers


def answer_of(response: Any, started: float) -> dict[str, Any]:
    """What a racer's request got back — status, body (JSON if it is), when it was sent and
    answered — as JSON the driver can print."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = response.content.decode(errors="replace")[:2000]
    return {"status": response.status_code, "body": body, "started": started, "ended": time.monotonic()}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "youfu.settings")
    django.setup()
    mode, spec = sys.argv[1], json.loads(sys.argv[2])
    result = _kill_sweep(spec) if mode == "kill" else _steps(spec)
    sys.stdout.write(RESULT_MARK + json.dumps(result, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


# --- servers of the test's own ---------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder on a free port, run as the ``postgres`` user
    when the tests run as root (PostgreSQL refuses root). Durability is off: it is thrown away."""

    def __init__(self, bindir: Path, folder: Path) -> None:
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bindir / tool), *args],
            check=True,
            capture_output=True,
            timeout=timeout,
            cwd=self.folder,
        )

    def init(self) -> None:
        initdb = ["-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"]
        self._run("initdb", *initdb, "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.folder / "log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = postgres_bin()
    if bindir is None:
        missing_tool(
            "initdb, pg_ctl, pg_dump or psql not found (apt-get install postgresql): no private PostgreSQL"
        )
        raise AssertionError  # not reached
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing_tool("running as root without runuser: PostgreSQL cannot be started as another user")
    folder = Path(tempfile.mkdtemp(prefix="youfu-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PrivatePostgres(bindir, folder)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


class PrivateRedis:
    """A redis-server on a free port that keeps nothing on disk: stopped, it forgets its queue."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not self.answers():
            assert self.process.poll() is None, "redis-server did not start"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Gone at once, as a crash or a killed container: SIGKILL."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    executable = shutil.which("redis-server")
    if executable is None:
        missing_tool("redis-server not found (apt-get install redis-server): no private Redis")
        raise AssertionError  # not reached
    server = PrivateRedis(executable)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class Server:
    """``youfu runserver`` in its own process; ``get``/``post`` answer (status, headers, body)."""

    def __init__(self, env: dict[str, str], log: Path, *, wait_for: str = "/accounts/login/") -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [YOUFU, "runserver", "--noreload", f"127.0.0.1:{self.port}"],
                env=env,
                cwd=REPO,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            assert time.monotonic() < deadline, "youfu runserver did not answer"
            try:
                self.get(wait_for)
                return
            except OSError:
                time.sleep(0.2)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        call = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(call, timeout=60) as response:  # noqa: S310 (loopback)
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode(errors="replace")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path, headers=headers)

    def post_json(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        data = json.dumps(body).encode()
        return self.request("POST", path, data, {"Content-Type": "application/json", **(headers or {})})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


@contextlib.contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[Server]:
    server = Server(env, log)
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    main()
