"""Clerk pages: inbox with urgency, registering (with the repeat offer), the petition page
and its actions, my list, statistics and the export, reception days, notifications."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.test import Client

from youfu.petitions.models import Petition, State
from youfu.petitions.services import do_reply_petition
from youfu.petitions.tests.factories import PDF, accepted, id_number, petitioner, register
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


def new_form(**overrides: str) -> dict[str, str]:
    data = {
        "channel": "visit",
        "received_on": "2025-06-10",
        "category": "housing",
        "subject": "危房改造补助申请",
        "content": "房屋漏雨，申请补助。",
        "group_size": "",
        "referred_by": "",
        "name_0": "王五",
        "phone_0": "13900005555",
        "id_number_0": "",
    }
    data.update(overrides)
    return data


class TestInbox:
    def test_due_dates_are_coloured_by_urgency(self, world: World, client: Client) -> None:
        register(world.township_clerk, received_on=date(2025, 5, 20))  # due 4 June: overdue
        register(world.township_clerk, received_on=date(2025, 6, 3))  # due 18 June: 2 working days
        register(world.township_clerk, received_on=date(2025, 6, 13))  # due 30 June
        log_in(client, world.township_clerk)
        html = client.get("/petitions/").content.decode()
        assert 'class="due overdue"' in html and 'class="due soon"' in html and 'class="due ok"' in html

    def test_tabs_by_state(self, world: World, client: Client) -> None:
        register(world.township_clerk, subject="甲事项")
        accepted(world, subject="乙事项")
        log_in(client, world.township_clerk)
        html = client.get("/petitions/?state=registered").content.decode()
        assert "甲事项" in html and "乙事项" not in html

    def test_the_outsider_sees_none_of_township_a(self, world: World, client: Client) -> None:
        register(world.township_clerk, subject="城关镇的事")
        log_in(client, world.other_township_clerk)
        assert "城关镇的事" not in client.get("/petitions/?state=all").content.decode()
        assert "城关镇的事" not in client.get("/petitions/stats/").content.decode()

    def test_the_admin_may_not_open_it(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        assert client.get("/petitions/").status_code == 403


class TestRegistering:
    def test_a_clerk_registers_and_lands_on_the_petition(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        response = client.post("/petitions/new/", new_form(region=world.township_a.code))
        assert response.status_code == 302, response.content.decode()[:2000]
        petition = Petition.objects.get()
        assert response["Location"] == f"/petitions/{petition.pk}/"
        assert petition.channel == "visit" and petition.petitioners.get().name == "王五"

    def test_errors_come_back_on_the_form(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        bad = id_number()[:17] + "Z"
        response = client.post(
            "/petitions/new/",
            new_form(region=world.township_a.code, id_number_0=bad, received_on="2030-01-01"),
        )
        assert response.status_code == 200
        assert Petition.objects.count() == 0

    def test_a_likely_repeat_is_offered_and_linked(self, world: World, client: Client) -> None:
        original = register(
            world.township_clerk, subject="危房改造补助申请", petitioners=[petitioner("王五", "13900005555")]
        )
        log_in(client, world.township_clerk)
        offer = client.post("/petitions/new/", new_form(region=world.township_a.code))
        assert offer.status_code == 200 and 'data-testid="repeat-candidates"' in offer.content.decode()
        assert Petition.objects.count() == 1
        linked = client.post(
            "/petitions/new/", {**new_form(region=world.township_a.code), "decision": f"repeat:{original.pk}"}
        )
        assert linked.status_code == 302
        repeat = Petition.objects.exclude(pk=original.pk).get()
        assert repeat.state == State.REPEAT and repeat.repeat_of == original

    def test_or_registered_as_new(self, world: World, client: Client) -> None:
        register(
            world.township_clerk, subject="危房改造补助申请", petitioners=[petitioner("王五", "13900005555")]
        )
        log_in(client, world.township_clerk)
        client.post("/petitions/new/", {**new_form(region=world.township_a.code), "decision": "new"})
        assert Petition.objects.filter(state=State.REGISTERED).count() == 2


class TestThePetitionPage:
    def test_timeline_deadlines_and_actions(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        log_in(client, world.township_clerk)
        html = client.get(f"/petitions/{p.pk}/").content.decode()
        assert 'data-testid="timeline"' in html and 'data-action="accept"' in html
        assert 'data-action="reply"' not in html

    def test_an_action_form_accepts(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        log_in(client, world.township_clerk)
        response = client.post(
            f"/petitions/{p.pk}/",
            {
                "action": "accept",
                "accept-accepted_on": "2025-03-04",
                "accept-handling_unit": world.department.pk,
                "accept-lead": world.leader.pk,
            },
        )
        assert response.status_code == 302
        p.refresh_from_db()
        assert p.state == State.ASSIGNED and p.handle_due is not None

    def test_a_refused_action_shows_its_error_and_changes_nothing(self, world: World, client: Client) -> None:
        p = register(world.township_clerk, received_on=date(2025, 3, 3))
        log_in(client, world.township_clerk)
        response = client.post(
            f"/petitions/{p.pk}/", {"action": "accept", "accept-accepted_on": "2025-03-01"}
        )
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        assert Petition.objects.get(pk=p.pk).state == State.REGISTERED

    def test_an_action_not_open_at_this_stage_is_refused(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        log_in(client, world.township_clerk)
        client.post(f"/petitions/{p.pk}/", {"action": "conclude", "conclude-concluded_on": "2025-06-16"})
        assert Petition.objects.get(pk=p.pk).state == State.REGISTERED

    def test_the_page_warns_when_the_calendar_is_incomplete(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        Petition.objects.filter(pk=p.pk).update(calendar_complete=False)
        log_in(client, world.township_clerk)
        assert 'data-testid="calendar-warning"' in client.get(f"/petitions/{p.pk}/").content.decode()

    def test_a_liaison_sees_only_handling_actions(self, world: World, client: Client) -> None:
        p = accepted(world)
        log_in(client, world.liaison)
        html = client.get(f"/petitions/{p.pk}/").content.decode()
        assert 'data-action="reply"' in html and 'data-action="assign"' not in html

    def test_attachments_upload_and_download_in_scope(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        log_in(client, world.township_clerk)
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.post(f"/petitions/{p.pk}/attachments/", {"file": SimpleUploadedFile("letter.pdf", PDF)})
        attachment = p.attachments.get()
        response = client.get(f"/petitions/{p.pk}/attachments/{attachment.pk}/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        log_in(client, world.other_township_clerk)
        assert client.get(f"/petitions/{p.pk}/attachments/{attachment.pk}/").status_code == 404

    def test_a_fake_image_is_refused(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        log_in(client, world.township_clerk)
        from django.core.files.uploadedfile import SimpleUploadedFile

        client.post(
            f"/petitions/{p.pk}/attachments/", {"file": SimpleUploadedFile("photo.jpg", b"MZ\x90\x00evil")}
        )
        assert p.attachments.count() == 0

    def test_the_printable_receipt(self, world: World, client: Client) -> None:
        p = register(world.township_clerk)
        log_in(client, world.township_clerk)
        html = client.get(f"/petitions/{p.pk}/receipt/").content.decode()
        assert p.receipt_code_display in html and "/p/lookup/" in html


class TestMyList:
    def test_the_lead_and_the_liaison_see_their_matters(self, world: World, client: Client) -> None:
        accepted(world, subject="包案事项")
        register(world.township_clerk, subject="未交办事项")
        for user in (world.leader, world.liaison):
            log_in(client, user)
            html = client.get("/petitions/mine/").content.decode()
            assert "包案事项" in html and "未交办事项" not in html


class TestStatistics:
    def test_counts_by_month_channel_category_township(self, world: World, client: Client) -> None:
        a = accepted(world, received_on=date(2025, 3, 3))
        do_reply_petition(a, replied_on=date(2025, 3, 13), text="答复", acting_user=world.township_clerk)
        register(world.township_clerk, received_on=date(2025, 4, 1), repeat_of=a, channel="phone")
        register(world.county_clerk, world.county, received_on=date(2025, 4, 2), category="medical")
        from youfu.petitions.selectors import petitions_for
        from youfu.petitions.stats import statistics

        stats = statistics(petitions_for(world.county_clerk), start=date(2025, 1, 1), end=date(2025, 12, 31))
        total = stats["total"]
        assert (total["received"], total["repeats"], total["new"]) == (3, 1, 2)
        assert (total["accepted_on_time"], total["concluded_on_time"], total["average_days"]) == (1, 1, 10.0)
        assert [(r["label"], r["received"]) for r in stats["by_month"]] == [("2025-03", 1), ("2025-04", 2)]
        assert {r["key"]: r["received"] for r in stats["by_channel"]} == {"letter": 2, "phone": 1}
        assert {r["label"]: r["received"] for r in stats["by_township"]} == {"青山县": 1, "城关镇": 2}

    def test_the_page_and_the_xlsx(
        self, world: World, client: Client, django_assert_max_num_queries: object
    ) -> None:
        accepted(world)
        log_in(client, world.county_clerk)
        assert client.get("/petitions/stats/?start=2025-01-01&end=2025-12-31").status_code == 200
        response = client.get("/petitions/stats.xlsx?start=2025-01-01&end=2025-12-31")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        from openpyxl import load_workbook

        book = load_workbook(BytesIO(response.content))
        assert len(book.sheetnames) == 4
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert rows[-1][1] == 1  # the total row: one received

    def test_the_numbers_come_from_a_few_queries(
        self, world: World, django_assert_max_num_queries: object
    ) -> None:
        for _ in range(5):
            accepted(world)
        from youfu.petitions.selectors import petitions_for
        from youfu.petitions.stats import statistics

        with django_assert_max_num_queries(8):  # type: ignore[operator]
            statistics(petitions_for(world.county_clerk), start=date(2025, 1, 1), end=date(2025, 12, 31))


class TestReceptionDays:
    def test_a_clerk_adds_one_and_a_visit_is_linked(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        response = client.post(
            "/petitions/receptions/",
            {"date": "2025-06-20", "place": "县信访接待室", "leader": world.leader.pk, "topics": "优抚"},
        )
        assert response.status_code == 302
        from youfu.petitions.models import ReceptionDay

        day = ReceptionDay.objects.get()
        p = register(world.county_clerk, world.county, channel="visit", reception=day, subject="接待日来访")
        html = client.get(f"/petitions/receptions/{day.pk}/").content.decode()
        assert "接待日来访" in html and p.reception == day


class TestLinkingThePerson:
    def test_a_registered_person_with_the_same_id_number_is_offered(
        self, world: World, client: Client
    ) -> None:
        from youfu.registry.tests.factories import register as register_person

        number = id_number()
        person = register_person(world.township_clerk, world.village_a, name="李四", id_number=number)
        p = register(world.township_clerk, petitioners=[petitioner(id_number=number)])
        log_in(client, world.township_clerk)
        html = client.get(f"/petitions/{p.pk}/").content.decode()
        assert 'data-testid="registered-match"' in html and f"/registry/{person.pk}/" in html
        client.post(f"/petitions/{p.pk}/", {"action": "beneficiary", "beneficiary-beneficiary": person.pk})
        assert Petition.objects.get(pk=p.pk).beneficiary == person

    def test_the_county_clerk_routes_to_a_township(self, world: World, client: Client) -> None:
        p = register(world.county_clerk, world.county)
        log_in(client, world.county_clerk)
        assert 'data-action="route"' in client.get(f"/petitions/{p.pk}/").content.decode()
        client.post(f"/petitions/{p.pk}/", {"action": "route", "route-region": world.township_a.code})
        assert Petition.objects.get(pk=p.pk).region == world.township_a


class TestQueryCounts:
    def test_lists_do_not_grow_with_the_rows(self, world: World, client: Client) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from youfu.accounts.services import do_issue_token

        key, _ = do_issue_token(world.county_clerk, acting_user=world.county_clerk)
        log_in(client, world.county_clerk)

        def count(url: str, **extra: str) -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, **extra).status_code == 200
            return len(queries)

        accepted(world)
        urls = ["/petitions/", "/petitions/mine/", "/api/v1/petitions"]
        client.get("/api/v1/petitions", HTTP_AUTHORIZATION=f"Bearer {key}")  # the token's first use is noted
        before = [count(u, HTTP_AUTHORIZATION=f"Bearer {key}") if "api" in u else count(u) for u in urls]
        for _ in range(5):
            accepted(world)
            register(world.township_clerk)
        after = [count(u, HTTP_AUTHORIZATION=f"Bearer {key}") if "api" in u else count(u) for u in urls]
        assert before == after
