"""Petition test data, built through the real services (they validate, compute deadlines,
encrypt and audit)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from youfu.accounts.models import User
from youfu.core.idnumber import make_id_number
from youfu.petitions.models import Attachment, Petition, ReceptionDay
from youfu.petitions.services import (
    do_accept_petition,
    do_add_attachment,
    do_create_reception_day,
    do_register_petition,
)
from youfu.petitions.validation import PetitionData, PetitionerData
from youfu.regions.models import Region
from youfu.testing import World

_sequence = itertools.count(1)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def png(name: str = "scan.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def id_number(born: date = date(1955, 6, 1)) -> str:
    return make_id_number("341199", born, 2 * (next(_sequence) % 400) + 1)


def petitioner(name: str = "李四", phone: str = "13900001234", **extra: Any) -> PetitionerData:
    return PetitionerData(name=name, phone=phone, **extra)


def petition_data(region: Region, **overrides: Any) -> PetitionData:
    values: dict[str, Any] = {
        "channel": "letter",
        "received_on": date(2025, 3, 3),
        "category": "benefits",
        "subject": "关于补发伤残抚恤金的请求",
        "content": "本人2024年抚恤金未足额发放，请求核实补发。",
        "region": region,
        "petitioners": [petitioner()],
        "group_size": 1,
    }
    values.update(overrides)
    return PetitionData(**values)


def register(user: User, region: Region | None = None, **overrides: Any) -> Petition:
    repeat_of = overrides.pop("repeat_of", None)
    attachments = overrides.pop("attachments", ())
    data = petition_data(region or user.region, **overrides)  # type: ignore[arg-type]
    return do_register_petition(data, acting_user=user, repeat_of=repeat_of, attachments=attachments)


def accepted(world: World, *, region: Region | None = None, **overrides: Any) -> Petition:
    """Registered by the township clerk and accepted with a unit and a lead (so assigned)."""
    accepted_on = overrides.pop("accepted_on", None)
    petition = register(world.township_clerk, region or world.township_a, **overrides)
    return do_accept_petition(
        petition,
        accepted_on=accepted_on or petition.received_on,
        handling_unit=world.department,
        lead=world.leader,
        acting_user=world.township_clerk,
    )


# --- samples for the scope walk (accounts/tests/test_scope_walk.py) ------------------------

WALK_SUBJECT = "城关镇柳湾村抚恤金核查"


def walk_petition(world: World) -> Petition:
    """A township-A petition with an attachment, made once per test database."""
    existing = Petition.objects.filter(region=world.township_a, subject=WALK_SUBJECT).first()
    if existing is not None:
        return existing
    petition = accepted(
        world,
        subject=WALK_SUBJECT,
        content="柳湾张三的抚恤金",
        petitioners=[petitioner("柳湾张三", "13900004321")],
        received_on=date(2025, 3, 3),
    )
    do_add_attachment(petition, png(), acting_user=world.township_clerk)
    return petition


def walk_attachment(world: World) -> Attachment:
    return Attachment.objects.filter(petition=walk_petition(world)).first()  # type: ignore[return-value]


def walk_reception_day(world: World) -> ReceptionDay:
    existing = ReceptionDay.objects.filter(region=world.township_a).first()
    if existing is not None:
        return existing
    return do_create_reception_day(
        region=world.township_a,
        on=date(2025, 3, 10),
        place="接待室",
        leader=None,
        leader_name="镇长",
        topics="城关镇 优抚政策",
        acting_user=world.township_clerk,
    )
