"""The written reply (答复意见书) as a PDF with CJK fonts."""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.test import Client

from youfu.petitions.pdf import reply_context
from youfu.petitions.services import do_reply_petition
from youfu.petitions.tests.factories import accepted
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


def weasyprint_or_skip() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: Pango or its fonts are missing
        if os.environ.get("CI") == "true":
            pytest.fail(f"weasyprint cannot run here: {exc}")
        pytest.skip(f"weasyprint cannot run here (needs Pango): {exc}")


@pytest.fixture
def replied(world: World):  # type: ignore[no-untyped-def]
    p = accepted(world)
    do_reply_petition(
        p, replied_on=date(2025, 3, 20), text="经核实，您的抚恤金已补发。", acting_user=world.township_clerk
    )
    return p


def test_the_reply_page_names_the_review_right(replied) -> None:  # type: ignore[no-untyped-def]
    context = reply_context(replied, "reply")
    assert context["text"] == "经核实，您的抚恤金已补发。" and context["names"] == "李四"
    assert "2025-04-21" in context["rights"]


def test_it_makes_a_pdf(world: World, client: Client, replied) -> None:  # type: ignore[no-untyped-def]
    weasyprint_or_skip()
    log_in(client, world.township_clerk)
    response = client.get(f"/petitions/{replied.pk}/reply.pdf?kind=reply")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 1000


def test_no_pdf_before_a_reply(world: World, client: Client) -> None:
    p = accepted(world)
    log_in(client, world.township_clerk)
    assert client.get(f"/petitions/{p.pk}/reply.pdf?kind=reply").status_code == 404


def test_the_outsider_gets_no_pdf(world: World, client: Client, replied) -> None:  # type: ignore[no-untyped-def]
    log_in(client, world.other_township_clerk)
    assert client.get(f"/petitions/{replied.pk}/reply.pdf").status_code == 404
