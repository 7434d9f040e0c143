"""What the care demo tests share: a small demo county to build one care area on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from youfu.demo.care_staff import CareStaff

FAST = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@contextmanager
def small_demo(
    blocker: DjangoDbBlocker, persons: int, *around: AbstractContextManager[Any]
) -> Iterator[CareStaff]:
    """The registry and accounts of load-demo for ``persons`` people, in a transaction rolled back
    on leaving, run inside the context managers ``around`` (a frozen clock, another MEDIA_ROOT).

    A module-scoped ``demo`` fixture builds its care area on it with the demo accounts it gives
    and yields what it made::

        @pytest.fixture(scope="module")
        def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, int]]:
            with small_demo(django_db_blocker, PERSONS) as staff:
                yield care_visits.fill(staff, TODAY, random.Random("demo-visits"))
    """
    with ExitStack() as stack:
        stack.enter_context(blocker.unblock())
        stack.enter_context(FAST)
        for manager in around:
            stack.enter_context(manager)
        stack.enter_context(transaction.atomic())
        call_command(
            "load-demo",
            "--persons",
            str(persons),
            "--registry-only",
            "--i-know-this-is-not-production",
            stdout=StringIO(),
        )
        yield CareStaff.load()
        transaction.set_rollback(True)
