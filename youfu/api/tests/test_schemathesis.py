"""schemathesis against /api/v1/openapi.json (issue 15): every operation, with a county clerk's
and an admin's token, answers without a server error and as its document says (status code,
content type, headers and body schema).

The document is read from the site's own /api/v1/openapi.json, through Django's WSGI handler (no
network), and every operation becomes a test per persona, so that the workers of ``pytest -n``
share them. Generated path parameters are swapped, now and then, for the ids of real records (the
scope walk's samples, built once per module), so that operations reach their rules and not only
their 404. Each example runs in a savepoint that is rolled back: the walk's writes leave the
module's records as they were, and the next example meets the same database.

``make test`` runs a few examples per operation (positive data, examples and fuzzing phases);
``make fuzz-api`` (``YOUFU_FUZZ=deep``) runs many more, with invalid data too (negative mode),
the coverage phase (every boundary of every field) and workflows that chain operations through
the links schemathesis infers (a created record is then read, changed and moved on). README,
"Tests", says how; bench/README.md has the figures.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from youfu.accounts.services import do_issue_token
from youfu.accounts.tests.test_scope_walk import SAMPLES
from youfu.registry.reviews import do_open_annual_review
from youfu.registry.tests.factories import register
from youfu.testing import World, make_world

DEEP = os.environ.get("YOUFU_FUZZ") == "deep"
EXAMPLES = int(os.environ.get("YOUFU_FUZZ_API_EXAMPLES") or (100 if DEEP else 3))
WORKFLOWS = int(os.environ.get("YOUFU_FUZZ_API_WORKFLOWS") or 200)
PERSONAS = ("county_clerk", "admin")

# A server error, and every way an answer can break the document.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    return HANDLER(environ, start_response)


HANDLER = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _application)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if DEEP else [GenerationMode.POSITIVE]
)
# The coverage phase sends every boundary of every field, hundreds of requests an operation:
# the deep run's.
schema.config.phases.coverage.enabled = DEEP

# Path parameter → ids of real records, filled by the module's world.
REAL: dict[str, list[Any]] = {}
# (documented operation, persona, single | workflow) → requests sent, for the figures
# (YOUFU_FUZZ_STATS names a file). The coverage phase also sends methods an operation does not
# take (TRACE, OPTIONS …): they count for the operation they were made from.
SENT: Counter[tuple[str, str, str]] = Counter()


@schema.hook("flatmap_path_parameters")
def _real_records(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    generated = path_parameters or {}
    real = {name: REAL[name] for name in generated if REAL.get(name)}
    if not real:
        return st.just(path_parameters)
    chosen = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in real.items()})
    return st.one_of(st.just(path_parameters), chosen.map(lambda ids: {**generated, **ids}))


@pytest.fixture(scope="module", autouse=True)
def _connections_kept_open() -> Iterator[None]:
    """A request must not close the database connection that holds the test's transaction
    (Django's ``close_old_connections`` would; its test client disconnects it too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def _module_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("files")


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings: Any, _module_files: Path) -> None:
    # The module's records keep their files (photos, archived reports) from test to test.
    settings.MEDIA_ROOT = _module_files


@pytest.fixture(scope="module")
def fuzz_world(
    django_db_setup: None, django_db_blocker: Any, _module_files: Path
) -> Iterator[dict[str, str]]:
    """The scope walk's world with a record for every path parameter, and a token per persona;
    built once, rolled back when the module ends."""
    with override_settings(MEDIA_ROOT=_module_files), django_db_blocker.unblock(), transaction.atomic():
        world: World = make_world()
        do_issue_token(world.township_clerk, acting_user=world.township_clerk)
        register(world.township_clerk, world.village_a, name="柳湾张三")
        do_open_annual_review(2026, acting_user=world.county_clerk)
        for name, sample in SAMPLES.items():
            REAL.setdefault(name, []).append(sample(world))
        tokens = {}
        for persona in PERSONAS:
            user = getattr(world, persona)
            key, _ = do_issue_token(user, acting_user=user)
            tokens[persona] = f"Bearer {key}"
        try:
            yield tokens
        finally:
            REAL.clear()
            transaction.set_rollback(True)
            _write_figures()


def _write_figures() -> None:
    target = os.environ.get("YOUFU_FUZZ_STATS")
    if not target or not SENT:
        return
    with open(target, "a", encoding="utf-8") as out:
        for (operation, persona, kind), count in sorted(SENT.items()):
            row = {"operation": operation, "persona": persona, "kind": kind, "cases": count}
            out.write(json.dumps(row) + "\n")
    SENT.clear()


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    # The module's world is shared on purpose: each example is rolled back.
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("persona", PERSONAS)
@schema.parametrize()
@SETTINGS
def test_api(case: Any, persona: str, fuzz_world: dict[str, str], db: None) -> None:
    SENT[(case.operation.label, persona, "single")] += 1
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": fuzz_world[persona]}, checks=CHECKS)
        transaction.set_rollback(True)


@pytest.mark.skipif(not DEEP, reason="the deep run's (make fuzz-api)")
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_workflows(persona: str, fuzz_world: dict[str, str], db: None) -> None:
    """Chains of operations linked by the records they return (schemathesis infers the links
    from the document), each chain rolled back when it ends."""
    token = fuzz_world[persona]

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            SENT[(case.operation.label, persona, "workflow")] += 1
            return {"headers": {"Authorization": token}}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=WORKFLOWS,
            deadline=None,
            database=None,
            stateful_step_count=6,
            suppress_health_check=list(HealthCheck),
        )
    )
