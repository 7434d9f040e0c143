"""Township A's petitions in each state an action starts from, for the access walk
(``youfu/accounts/tests/test_scope_walk.py``): the walk's own petition is assigned, so accepting,
replying on review, concluding or deciding an extension each need a matter that stands where the
action begins. A payload names its own with ``@petition_id``. Made once per test database, found
by subject after; all petitioned by 柳湾张三, the walk's own petitioner."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from youfu.petitions.models import Petition, ReceptionDay
from youfu.petitions.services import (
    do_accept_petition,
    do_conclude_petition,
    do_create_reception_day,
    do_reply_petition,
    do_request_extension,
    do_start_petition,
)
from youfu.petitions.services.review import do_reply_review, do_request_rereview, do_request_review
from youfu.petitions.tests.factories import petitioner, register
from youfu.testing import World

MARCH = date(2025, 3, 3)  # the walk's payloads act on 2025-03-20 (walking.DAY)


def _found(world: World, subject: str) -> Petition | None:
    return Petition.objects.filter(subject=subject).first()  # scope: the walk's samples


def _registered(world: World, subject: str, *, at_county: bool = False, on: date = MARCH) -> Petition:
    clerk = world.county_clerk if at_county else world.township_clerk
    region = world.county if at_county else world.township_a
    return register(
        clerk, region, subject=subject, petitioners=[petitioner("柳湾张三", "13900004321")], received_on=on
    )


def _assigned(world: World, subject: str, on: date = MARCH) -> Petition:
    return do_accept_petition(
        _registered(world, subject, on=on),
        accepted_on=on,
        handling_unit=world.department,
        lead=world.leader,
        acting_user=world.township_clerk,
    )


def registered(world: World) -> Petition:
    """Received, not yet accepted: to accept, decline, forward or link as a repeat."""
    return _found(world, "走查：待受理") or _registered(world, "走查：待受理")


def at_county(world: World) -> Petition:
    """Received by the county, not yet given to a township: to route."""
    return _found(world, "走查：县级待分办") or _registered(world, "走查：县级待分办", at_county=True)


def _replied(world: World, subject: str) -> Petition:
    petition = _assigned(world, subject)
    t = world.township_clerk
    petition = do_start_petition(petition, started_on=date(2025, 3, 5), acting_user=t)
    return do_reply_petition(petition, replied_on=date(2025, 3, 10), text="答复意见", acting_user=t)


def replied(world: World) -> Petition:
    """Replied on 03-10: to ask for a review, or to conclude."""
    return _found(world, "走查：已答复") or _replied(world, "走查：已答复")


def in_review(world: World) -> Petition:
    """A review asked for: to reply on review."""
    found = _found(world, "走查：复查中")
    if found is None:
        found = do_request_review(
            _replied(world, "走查：复查中"), requested_on=date(2025, 3, 15), acting_user=world.township_clerk
        )
    return found


def _reviewed(world: World, subject: str) -> Petition:
    petition = do_request_review(
        _replied(world, subject), requested_on=date(2025, 3, 12), acting_user=world.township_clerk
    )
    return do_reply_review(
        petition, replied_on=date(2025, 3, 14), text="复查意见", acting_user=world.township_clerk
    )


def reviewed(world: World) -> Petition:
    """Answered on review: to ask for a re-review."""
    return _found(world, "走查：已复查") or _reviewed(world, "走查：已复查")


def in_rereview(world: World) -> Petition:
    """A re-review asked for: to reply on re-review."""
    found = _found(world, "走查：复核中")
    if found is None:
        found = do_request_rereview(
            _reviewed(world, "走查：复核中"), requested_on=date(2025, 3, 16), acting_user=world.township_clerk
        )
    return found


def concluded(world: World) -> Petition:
    """Concluded: to record the petitioner's satisfaction."""
    found = _found(world, "走查：已办结")
    if found is None:
        found = do_conclude_petition(
            _replied(world, "走查：已办结"), concluded_on=date(2025, 3, 15), acting_user=world.township_clerk
        )
    return found


def recent(world: World) -> Petition:
    """Accepted two days ago, its 60 days still running: to ask for (or grant) an extension."""
    on = timezone.localdate() - timedelta(days=2)
    return _found(world, "走查：办理中") or _assigned(world, "走查：办理中", on=on)


def extension_asked(world: World) -> Petition:
    """A clerk asked for 30 more days: for a leader to approve or refuse."""
    found = _found(world, "走查：申请延期")
    if found is None:
        petition = _assigned(world, "走查：申请延期", on=timezone.localdate() - timedelta(days=2))
        do_request_extension(petition, days=30, reason="需要调查", acting_user=world.township_clerk)
        found = Petition.objects.get(pk=petition.pk)  # scope: the walk's sample
    return found


def coming_reception_day(world: World) -> ReceptionDay:
    """A reception day of township A still to come: to edit or cancel (a past one is kept as it was)."""
    found = ReceptionDay.objects.filter(region=world.township_a, place="走查接待室").first()  # scope: samples
    if found is not None:
        return found
    return do_create_reception_day(
        region=world.township_a,
        on=date(2030, 3, 11),
        place="走查接待室",
        leader=None,
        leader_name="镇长",
        topics="优抚政策",
        acting_user=world.township_clerk,
    )


# The action → the petition it starts from (the walk's own, assigned, for the others).
STARTS_FROM = {
    "accept": registered,
    "decline": registered,
    "forward": registered,
    "link_repeat": registered,
    "route": at_county,
    "extend": recent,
    "extension_approve": extension_asked,
    "extension_refuse": extension_asked,
    "review_request": replied,
    "conclude": replied,
    "review_reply": in_review,
    "rereview_request": reviewed,
    "rereview_reply": in_rereview,
    "rate": concluded,
}
