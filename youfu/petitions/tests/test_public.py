"""The public pages and /api/v1/public: submit, receipt, lookup, satisfaction."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from youfu.audit.models import AuditEvent
from youfu.petitions.codes import format_code, new_code, normalize_code
from youfu.petitions.models import Petition, State
from youfu.petitions.services import do_approve_extension, do_extend_petition, do_reply_petition
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
        submit(client, files=[SimpleUploadedFile("petitioner-upload.png", PNG)])
        attachment = Petition.objects.get().attachments.get()
        assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
        # The stored name is random, never the name the petitioner's file had.
        assert "petitioner-upload" not in attachment.file.name and attachment.content_type == "image/png"


class TestCsrfFailure:
    """A form sent without a valid token gets youfu's own page, in the public layout and in
    Chinese, never Django's stock page with its DEBUG hint; and CSRF stays enforced."""

    @pytest.mark.parametrize(
        "path, data",
        [
            ("/p/lookup/", {"receipt_code": "ABCD-EFGH-JKMNP", "phone_tail": "1234"}),
            ("/p/submit/", {"name": "赵六", "phone": "13812345678", "subject": "x", "content": "y"}),
            ("/p/status/", {"rating": "satisfied"}),
        ],
    )
    def test_youfus_page_in_chinese(self, world: World, path: str, data: dict[str, str]) -> None:
        strict = Client(enforce_csrf_checks=True)
        response = strict.post(path, data)
        assert response.status_code == 403
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html
        assert "表单未能提交" in html and "重新打开页面" in html and "信访 — 退役军人事务" in html
        assert f'href="{path}"' in html  # the link that opens the form afresh
        assert "DEBUG" not in html and "CSRF验证失败" not in html  # Django's stock page
        assert Petition.objects.count() == 0

    def test_the_public_pages_keep_their_origin(self, world: World) -> None:
        # "no-referrer" made browsers post "Origin: null", which the CSRF check refuses.
        html = Client().get("/p/submit/").content.decode()
        assert '<meta name="referrer" content="same-origin">' in html and "no-referrer" not in html

    def test_a_post_from_the_pages_own_origin_goes_through(self, world: World) -> None:
        strict = Client(enforce_csrf_checks=True)
        strict.get("/p/lookup/")
        token = strict.cookies["csrftoken"].value
        response = strict.post(
            "/p/lookup/",
            {"receipt_code": "ABCD-EFGH-JKMNP", "phone_tail": "1234", "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="http://testserver",
        )
        assert response.status_code == 200
        null_origin = strict.post(
            "/p/lookup/",
            {"receipt_code": "ABCD-EFGH-JKMNP", "phone_tail": "1234", "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="null",
        )
        assert null_origin.status_code == 403 and "表单未能提交" in null_origin.content.decode()


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

    def test_a_code_being_guessed_at_still_answers_its_owner(
        self, world: World, settings: LazySettings
    ) -> None:
        settings.YOUFU_PETITION_LOOKUP_LIMITS = {"code": (3, 3600), "ip_code": (2, 3600), "ip": (100, 3600)}
        p = register(world.township_clerk)
        guessers = [Client(REMOTE_ADDR=f"10.0.0.{i}") for i in range(5)]
        statuses = [lookup(c, p.receipt_code, f"000{i}").status_code for i, c in enumerate(guessers)]  # type: ignore[attr-defined]
        assert statuses == [200] * 5  # each a plain "no match"; the code is now guarded
        # A client that failed on the guarded code gets one more try, then it is held back...
        assert lookup(guessers[0], p.receipt_code, "0005").status_code == 200  # type: ignore[attr-defined]
        assert lookup(guessers[0], p.receipt_code, "1234").status_code == 429  # type: ignore[attr-defined]
        # ...but the owner, on their own phone, is answered: nobody can lock them out.
        owner = Client(REMOTE_ADDR="172.16.5.9")
        assert lookup(owner, p.receipt_code_display, "1234")["Location"] == "/p/status/"  # type: ignore[index]
        assert str(State.REGISTERED.label) in owner.get("/p/status/").content.decode()
        # An owner who mistypes the tail once gets a second try.
        careless = Client(REMOTE_ADDR="172.16.5.10")
        assert lookup(careless, p.receipt_code, "1243").status_code == 200  # type: ignore[attr-defined]
        assert lookup(careless, p.receipt_code, "1234").status_code == 302  # type: ignore[attr-defined]

    def test_a_code_being_guessed_at_still_answers_its_owner_over_the_api(self, world: World) -> None:
        p = register(world.township_clerk)
        url = f"/api/v1/public/petitions/{p.receipt_code}?phone_tail="
        attacker = Client(REMOTE_ADDR="10.9.9.9")
        answers = [attacker.get(f"{url}{n:04d}").status_code for n in range(12)]
        assert answers == [404] * 10 + [429] * 2  # the defaults: 10 failures on the code guard it
        owner = Client(REMOTE_ADDR="10.9.9.10")  # the owner, on another address
        assert owner.get(f"{url}1234").json()["state"] == "registered"

    def test_many_clients_together_are_stopped_long_before_10000_tails(self, world: World) -> None:
        p = register(world.township_clerk, petitioners=[petitioner(phone="13900009876")])
        url = f"/api/v1/public/petitions/{p.receipt_code}?phone_tail="
        tails = (f"{n:04d}" for n in range(10_000))
        answered = 0
        clients = 250
        for i in range(clients):
            client = Client(REMOTE_ADDR=f"10.{i // 250}.{i % 250}.1")
            for tail in tails:
                response = client.get(f"{url}{tail}")
                if response.status_code == 429:
                    break  # this client is held back; the next one goes on with the next tail
                assert response.status_code == 404
                answered += 1
        # The defaults: the first client fails 10 times, which guards the code; then every
        # other client gets 2 failures on it, and its third try is refused.
        assert answered == 10 + 2 * (clients - 1)
        assert answered < 10_000 // 15 and next(tails) < "9876"

    def test_one_client_is_limited_on_the_codes_it_guessed_at(
        self, world: World, settings: LazySettings
    ) -> None:
        settings.YOUFU_PETITION_LOOKUP_LIMITS = {"ip": (3, 3600), "code": (100, 3600), "ip_code": (100, 3600)}
        p = register(world.township_clerk)
        other = register(world.township_clerk)
        client = Client(REMOTE_ADDR="10.0.0.1")
        statuses = [lookup(client, p.receipt_code, f"000{i}").status_code for i in range(4)]  # type: ignore[attr-defined]
        assert statuses == [200, 200, 200, 429]
        assert lookup(client, p.receipt_code, "1234").status_code == 429  # type: ignore[attr-defined]
        # Spreading guesses over other codes gives one try on each, then the same refusal...
        assert lookup(client, format_code(new_code()), "1234").status_code == 200  # type: ignore[attr-defined]
        # ...while a matter of its own, never guessed at from there, is still answered,
        assert lookup(client, other.receipt_code, "1234").status_code == 302  # type: ignore[attr-defined]
        # and so is everybody behind another address.
        assert lookup(Client(REMOTE_ADDR="10.0.0.2"), p.receipt_code, "1234").status_code == 302  # type: ignore[attr-defined]

    def test_an_ipv6_client_is_its_whole_64(self, world: World, settings: LazySettings) -> None:
        settings.YOUFU_PETITION_LOOKUP_LIMITS = {"ip": (2, 3600), "code": (100, 3600), "ip_code": (100, 3600)}
        p = register(world.township_clerk)
        for i in range(2):
            lookup(Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1}"), p.receipt_code, "0000")
        neighbour = Client(REMOTE_ADDR="2001:db8:1:2:ffff::7")
        assert lookup(neighbour, p.receipt_code, "0001").status_code == 429  # type: ignore[attr-defined]
        elsewhere = Client(REMOTE_ADDR="2001:db8:1:3::1")
        assert lookup(elsewhere, p.receipt_code, "0001").status_code == 200  # type: ignore[attr-defined]

    def test_a_wrong_pair_and_an_unknown_code_stay_alike_when_limited(
        self, world: World, settings: LazySettings
    ) -> None:
        settings.YOUFU_PETITION_LOOKUP_LIMITS = {"ip": (100, 3600), "code": (3, 3600), "ip_code": (2, 3600)}
        p = register(world.township_clerk)
        unknown = format_code(new_code())
        api = "/api/v1/public/petitions/{}?phone_tail=9{}99"
        pages: list[tuple[object, object]] = []
        for i in range(6):
            pages.append(
                (
                    lookup(Client(REMOTE_ADDR="10.1.0.1"), p.receipt_code_display, "0000"),
                    lookup(Client(REMOTE_ADDR="10.2.0.1"), unknown, "0000"),
                )
            )
            known = Client(REMOTE_ADDR="10.3.0.1").get(api.format(p.receipt_code, i))
            other = Client(REMOTE_ADDR="10.4.0.1").get(api.format(unknown, i))
            assert (known.status_code, known.content) == (other.status_code, other.content)
        # The page and the API count on the same code: after 2 + 2 failures, both are held back.
        assert known.status_code == 429
        assert [k.status_code for k, _ in pages] == [200, 200, 429, 429, 429, 429]  # type: ignore[attr-defined]
        for k, u in pages:
            assert k.status_code == u.status_code and without_csrf(k) == without_csrf(u)  # type: ignore[attr-defined]

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
        # The form starts from the rating and comment given, to be changed if the petitioner wishes.
        assert re.search(r'value="dissatisfied"[^>]*checked', html)
        assert "金额不对</textarea>" in html

    def test_the_extension_reason_is_shown(self, world: World, client: Client) -> None:
        p = accepted(world, received_on=date(2025, 6, 2))
        do_extend_petition(p, days=20, reason="需到省厅调档", acting_user=world.township_clerk)
        do_approve_extension(p, acting_user=world.leader)
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
