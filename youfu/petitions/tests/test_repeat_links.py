"""A repeat is linked only to a matter of the same petitioner, and the public page shows only
what belongs to the code and phone it was asked with (issue 10, item 2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import InvalidInput
from youfu.petitions.models import Petition, PetitionEvent, State
from youfu.petitions.services import do_link_repeat, do_reply_petition
from youfu.petitions.tests.factories import accepted, id_number, petitioner, register
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

REPLY = "经核实，予以补发2024年抚恤金。"


def _replied_case(world: World) -> Petition:
    """李四's case, assigned to a unit and replied."""
    original = accepted(world, petitioners=[petitioner("李四", "13900001234")])
    do_reply_petition(original, replied_on=date(2025, 3, 20), text=REPLY, acting_user=world.township_clerk)
    return original


def _someone_else(world: World) -> Petition:
    return register(
        world.township_clerk,
        received_on=date(2025, 4, 1),
        petitioners=[petitioner("王五", "13700005678")],
    )


class TestLinking:
    def test_another_petitioners_matter_is_refused_and_nothing_changes(self, world: World) -> None:
        original = _replied_case(world)
        other = _someone_else(world)
        events_before = PetitionEvent.objects.count()
        with pytest.raises(InvalidInput) as refused:
            do_link_repeat(other, original=original, acting_user=world.township_clerk)
        assert refused.value.code == "not_the_same_petitioner" and "original" in refused.value.fields
        other.refresh_from_db()
        assert other.state == State.REGISTERED and other.repeat_of_id is None
        assert PetitionEvent.objects.count() == events_before
        assert not AuditEvent.objects.filter(event_type=EventType.PETITION_LINKED_AS_REPEAT).exists()

    def test_the_api_answers_400(self, world: World, client: Client) -> None:
        original = _replied_case(world)
        other = _someone_else(world)
        log_in(client, world.township_clerk)
        response = client.post(
            f"/api/v1/petitions/{other.pk}/link-repeat",
            {"original": original.pk},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "not_the_same_petitioner"
        assert Petition.objects.get(pk=other.pk).state == State.REGISTERED

    def test_registering_as_a_repeat_of_someone_else_registers_nothing(self, world: World) -> None:
        original = _replied_case(world)
        count = Petition.objects.count()
        with pytest.raises(InvalidInput):
            register(
                world.township_clerk,
                received_on=date(2025, 4, 1),
                petitioners=[petitioner("王五", "13700005678")],
                repeat_of=original,
            )
        assert Petition.objects.count() == count

    def test_the_same_id_number_with_another_phone_is_the_same_petitioner(self, world: World) -> None:
        number = id_number()
        original = accepted(world, petitioners=[petitioner("李四", "13900001234", id_number=number)])
        again = register(
            world.township_clerk,
            received_on=date(2025, 4, 1),
            petitioners=[petitioner("李四", "13600009999", id_number=number)],
        )
        do_link_repeat(again, original=original, acting_user=world.township_clerk)
        assert again.state == State.REPEAT and again.repeat_of == original

    def test_the_same_phone_is_the_same_petitioner(self, world: World) -> None:
        original = accepted(world, petitioners=[petitioner("李四", "13900001234")])
        again = register(
            world.township_clerk,
            received_on=date(2025, 4, 1),
            petitioners=[petitioner("李四的儿子", "13900001234")],
        )
        do_link_repeat(again, original=original, acting_user=world.township_clerk)
        assert again.repeat_of == original


def _lookup(client: Client, p: Petition, tail: str) -> str:
    response = client.post("/p/lookup/", {"receipt_code": p.receipt_code_display, "phone_tail": tail})
    assert response.status_code == 302  # type: ignore[attr-defined]
    return client.get("/p/status/").content.decode()


class TestThePublicStatus:
    def test_a_link_made_before_the_check_does_not_show_the_other_case(
        self, world: World, client: Client
    ) -> None:
        original = _replied_case(world)
        other = _someone_else(world)
        # A wrong link as the earlier code let a clerk make it.
        Petition.objects.filter(pk=other.pk).update(state=State.REPEAT, repeat_of=original)
        body = client.get(f"/api/v1/public/petitions/{other.receipt_code}?phone_tail=5678").json()
        assert body["state"] == "repeat" and body["linked_to_earlier_case"] is True
        assert body["reply_text"] == "" and body["handling_unit"] is None and body["replied_on"] is None
        assert body["can_rate"] is False and body["deadlines"] == []
        html = _lookup(client, other, "5678")
        assert REPLY not in html and world.department.name not in html and 'data-testid="linked"' in html
        assert 'name="rating"' not in html
        # Rating from that code cannot touch the other case either.
        rated = client.post(
            f"/api/v1/public/petitions/{other.receipt_code}/satisfaction",
            {"phone_tail": "5678", "rating": "dissatisfied"},
            content_type="application/json",
        )
        assert rated.status_code == 409
        assert Petition.objects.get(pk=original.pk).satisfaction == ""

    def test_the_same_petitioner_sees_the_case_their_repeat_joined(
        self, world: World, client: Client
    ) -> None:
        original = _replied_case(world)
        repeat = register(world.township_clerk, received_on=date(2025, 4, 1), repeat_of=original)
        body = client.get(f"/api/v1/public/petitions/{repeat.receipt_code}?phone_tail=1234").json()
        assert body["state"] == "replied" and body["reply_text"] == REPLY
        assert REPLY in _lookup(client, repeat, "1234")

    def test_a_group_member_not_named_in_the_earlier_case_sees_only_their_petition(
        self, world: World, client: Client
    ) -> None:
        original = _replied_case(world)
        group = register(
            world.township_clerk,
            received_on=date(2025, 4, 1),
            petitioners=[petitioner("李四", "13900001234"), petitioner("王五", "13700005678")],
            group_size=2,
            repeat_of=original,
        )
        url = f"/api/v1/public/petitions/{group.receipt_code}"
        assert client.get(f"{url}?phone_tail=1234").json()["reply_text"] == REPLY
        theirs = client.get(f"{url}?phone_tail=5678").json()
        assert theirs["state"] == "repeat" and theirs["reply_text"] == ""
