"""The public pages and /api/v1/public: submit, receipt, lookup, satisfaction."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from youfu.audit.models import AuditEvent
from youfu.petitions.codes import format_code, new_code, normalize_code
from youfu.petitions.models import Petition, State
from youfu.petitions.services import do_extend_petition, do_reply_petition
from youfu.petitions.tests.factories import JPEG, PDF, PNG, accepted, petitioner, register
from youfu.testing import World

pytestmark = pytest.mark.django_db


def submit(client: Client, files: list[SimpleUploadedFile] | None = None, **overrides: str) -> object:
    data: dict[str, object] = {
        "name": "赵六",
        "phone": "13812345678",
        "id_number": "",
        "category": "pension",
        "subject": "养老保险接续问题",
        "content": "退役后养老保险未接续。",
    }
    data.update(overrides)
    if files is not None:
        data["attachments"] = files
    return client.post("/p/submit/", data)


class TestSubmitting:
    def test_no_login_a_receipt_with_a_code(self, world: World, client: Client) -> None:
        response = submit(client, files=[SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.pdf", PDF)])
        assert response.status_code == 302 and response["Location"] == "/p/receipt/"  # type: ignore[attr-defined]
        petition = Petition.objects.get()
        assert petition.channel == "online" and petition.region == world.county
        assert petition.attachments.count() == 2 and petition.created_by is None
        receipt = client.get("/p/receipt/").content.decode()
        assert petition.receipt_code_display in receipt
        assert petition.events.get().actor_name == "public"

    def test_the_form_is_mobile_friendly_and_csrf_protected(self, world: World) -> None:
        strict = Client(enforce_csrf_checks=True)
        page = strict.get("/p/submit/")
        assert 'name="viewport"' in page.content.decode() and "csrfmiddlewaretoken" in page.content.decode()
        assert strict.post("/p/submit/", {"name": "x"}).status_code == 403

    def test_at_most_five_attachments(self, world: World, client: Client) -> None:
        files = [SimpleUploadedFile(f"{i}.jpg", JPEG) for i in range(6)]
        response = submit(client, files=files)
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert Petition.objects.count() == 0

    def test_a_file_over_10_mb_is_refused(self, world: World, client: Client) -> None:
        big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
        assert submit(client, files=[big]).status_code == 200  # type: ignore[attr-defined]
        assert Petition.objects.count() == 0

    def test_the_content_decides_not_the_name(self, world: World, client: Client) -> None:
        fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script>")
        assert submit(client, files=[fake]).status_code == 200  # type: ignore[attr-defined]
        renamed = SimpleUploadedFile("scan.exe", PNG)
        assert submit(client, files=[renamed]).status_code == 200  # type: ignore[attr-defined]
        assert Petition.objects.count() == 0

    def test_nothing_limits_how_often_one_may_petition(self, world: World, client: Client) -> None:
        for _ in range(12):
            assert submit(client).status_code == 302  # type: ignore[attr-defined]
        assert Petition.objects.count() == 12

    def test_the_files_are_stored_under_media_root(
        self, world: World, client: Client, settings: LazySettings
    ) -> None:
        submit(client, files=[SimpleUploadedFile("a.png", PNG)])
        attachment = Petition.objects.get().attachments.get()
        assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
        assert "a.png" not in attachment.file.name and attachment.content_type == "image/png"


class TestReceiptCodes:
    def test_shape_and_check_character(self) -> None:
        code = new_code()
        assert len(code) == 13 and format_code(code).count("-") == 2
        assert normalize_code(format_code(code).lower()) == (code, "ok")
        typo = code[:5] + ("0" if code[5] != "0" else "1") + code[6:]
        assert normalize_code(typo)[1] == "typo"
        swapped = code[:3] + code[4] + code[3] + code[5:]
        if swapped != code:
            assert normalize_code(swapped)[1] == "typo"

    def test_codes_are_not_repeated(self) -> None:
        assert len({new_code() for _ in range(2000)}) == 2000

    def test_o_and_i_read_as_zero_and_one(self) -> None:
        code = "0" * 12
        from youfu.petitions.codes import check_symbol

        full = code + check_symbol(code)
        assert normalize_code("oooo-OOOO-oooo" + full[-1])[0] == full


def without_csrf(response: object) -> str:
    import re

    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def lookup(client: Client, code: str, tail: str) -> object:
    return client.post("/p/lookup/", {"receipt_code": code, "phone_tail": tail})


class TestLookup:
    def test_code_and_phone_tail_show_the_status(self, world: World, client: Client) -> None:
        p = accepted(world, petitioners=[petitioner("柳湾张三", "13900004321")])
        response = lookup(client, p.receipt_code_display, "4321")
        assert response.status_code == 302  # type: ignore[attr-defined]
        html = client.get("/p/status/").content.decode()
        assert str(State.ASSIGNED.label) in html and "2025" in html
        # No staff names, no petitioner names, no internal notes.
        assert world.leader.username not in html and "柳湾张三" not in html and "leader" not in html

    def test_a_wrong_phone_and_an_unknown_code_get_the_same_answer(
        self, world: World, client: Client
    ) -> None:
        p = register(world.township_clerk)
        wrong_phone = lookup(client, p.receipt_code, "0000")
        unknown = lookup(client, format_code(new_code()), "1234")
        assert wrong_phone.status_code == unknown.status_code == 200  # type: ignore[attr-defined]
        assert without_csrf(wrong_phone) == without_csrf(unknown)
        assert 'data-testid="refused"' in without_csrf(unknown) and "0000" not in without_csrf(wrong_phone)

    def test_attempts_are_rate_limited_per_code(self, world: World, settings: LazySettings) -> None:
        settings.YOUFU_PETITION_LOOKUP_LIMITS = {"code": (3, 3600), "ip": (100, 3600)}
        p = register(world.township_clerk)
        statuses = []
        for i in range(5):
            client = Client(REMOTE_ADDR=f"10.0.0.{i}")
            statuses.append(lookup(client, p.receipt_code, "0000").status_code)  # type: ignore[attr-defined]
        assert statuses == [200, 200, 200, 429, 429]
        # Even the right phone is held back now: guessing cannot go on.
        assert lookup(Client(REMOTE_ADDR="10.0.1.1"), p.receipt_code, "1234").status_code == 429  # type: ignore[attr-defined]

    def test_attempts_are_rate_limited_per_ip(
        self, world: World, client: Client, settings: LazySettings
    ) -> None:
        settings.YOUFU_PETITION_LOOKUP_LIMITS = {"ip": (3, 3600), "code": (100, 3600)}
        statuses = [lookup(client, format_code(new_code()), "1234").status_code for _ in range(4)]  # type: ignore[attr-defined]
        assert statuses == [200, 200, 200, 429]

    def test_the_reply_and_the_satisfaction_form(self, world: World, client: Client) -> None:
        p = accepted(world)
        do_reply_petition(
            p, replied_on=date(2025, 3, 20), text="经核实，予以补发。", acting_user=world.township_clerk
        )
        lookup(client, p.receipt_code, "1234")
        html = client.get("/p/status/").content.decode()
        assert "经核实，予以补发。" in html and 'name="rating"' in html
        client.post("/p/status/", {"rating": "dissatisfied", "comment": "金额不对"})
        p.refresh_from_db()
        assert p.satisfaction == "dissatisfied"
        html = client.get("/p/status/").content.decode()
        assert 'data-testid="review-advice"' in html and "2025-04-21" in html  # 30 days → Sat → Monday

    def test_the_extension_reason_is_shown(self, world: World, client: Client) -> None:
        p = accepted(world, received_on=date(2025, 6, 2))
        do_extend_petition(p, days=20, reason="需到省厅调档", acting_user=world.township_clerk)
        lookup(client, p.receipt_code, "1234")
        assert "需到省厅调档" in client.get("/p/status/").content.decode()

    def test_the_status_page_needs_a_lookup(self, client: Client) -> None:
        assert client.get("/p/status/").status_code == 302


class TestPublicApi:
    def url(self, p: Petition, tail: str = "1234") -> str:
        return f"/api/v1/public/petitions/{p.receipt_code_display}?phone_tail={tail}"

    def test_the_same_as_json(self, world: World, client: Client) -> None:
        p = accepted(world)
        body = client.get(self.url(p)).json()
        assert body["state"] == "assigned" and body["handle_due"] == "2025-05-06"
        assert body["deadlines"] == [
            {"kind": "handle", "label": body["deadlines"][0]["label"], "due": "2025-05-06"}
        ]
        assert body["reply_text"] == "" and "lead" not in body

    def test_wrong_phone_missing_phone_and_unknown_code_are_one_404(
        self, world: World, client: Client
    ) -> None:
        p = register(world.township_clerk)
        answers = [
            client.get(self.url(p, "9999")),
            client.get(f"/api/v1/public/petitions/{p.receipt_code}"),
            client.get(f"/api/v1/public/petitions/{format_code(new_code())}?phone_tail=1234"),
        ]
        assert {a.status_code for a in answers} == {404}
        assert len({a.content for a in answers}) == 1

    def test_satisfaction_over_the_api(self, world: World, client: Client) -> None:
        p = accepted(world)
        before = client.post(
            f"/api/v1/public/petitions/{p.receipt_code}/satisfaction",
            {"phone_tail": "1234", "rating": "satisfied"},
            content_type="application/json",
        )
        assert before.status_code == 409
        do_reply_petition(p, replied_on=date(2025, 3, 20), text="答复", acting_user=world.township_clerk)
        after = client.post(
            f"/api/v1/public/petitions/{p.receipt_code}/satisfaction",
            {"phone_tail": "1234", "rating": "basically_satisfied", "comment": "还行"},
            content_type="application/json",
        )
        assert after.status_code == 200 and after.json()["satisfaction"] == "basically_satisfied"
        assert AuditEvent.objects.filter(event_type=415).exists()

    def test_a_repeat_shows_the_original_case(self, world: World, client: Client) -> None:
        original = accepted(world)
        repeat = register(world.township_clerk, received_on=date(2025, 4, 1), repeat_of=original)
        body = client.get(self.url(repeat)).json()
        assert body["linked_to_earlier_case"] is True and body["state"] == "assigned"
        assert body["receipt_code"] == repeat.receipt_code_display

    def test_rate_limited_with_429(self, world: World, client: Client, settings: LazySettings) -> None:
        settings.YOUFU_PETITION_LOOKUP_LIMITS = {"ip": (2, 3600), "code": (100, 3600)}
        p = register(world.township_clerk)
        codes = [client.get(self.url(p, "0000")).status_code for _ in range(3)]
        assert codes == [404, 404, 429]
        assert client.get(self.url(p)).json()["error"]["code"] == "too_many_requests"


class TestPublicReceptionDays:
    def test_coming_days_are_listed(self, world: World, client: Client) -> None:
        from youfu.petitions.services import do_create_reception_day

        do_create_reception_day(
            region=world.county,
            on=date(2025, 6, 20),
            place="县信访接待大厅",
            leader=world.leader,
            leader_name="张局长",
            acting_user=world.county_clerk,
        )
        do_create_reception_day(
            region=world.county,
            on=date(2025, 5, 1),
            place="旧",
            leader=None,
            leader_name="过去",
            acting_user=world.county_clerk,
        )
        html = client.get("/p/receptions/").content.decode()
        assert "张局长" in html and "县信访接待大厅" in html and "过去" not in html
