"""The county a round trip carries: the reports' scenario (a World with three months of batches —
items in three monthly partitions on PostgreSQL, a failed transfer paid again, recoveries —
relief grants, a medical claim, a housing case, pairings, visits, a needs-check round and
petitions), plus a file of each kind a row can name (a petition's attachment, a relief
application's document, a housing survey's photo, an archived monthly report), a second factor
and an API token."""

from __future__ import annotations

from datetime import date

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from youfu.accounts.services import do_issue_token
from youfu.benefits.tests.helpers import at
from youfu.petitions.models import Petition
from youfu.petitions.services import do_add_attachment
from youfu.petitions.tests.factories import png
from youfu.relief.grants import services as grants
from youfu.relief.housing import services as housing
from youfu.relief.tests import factories_grants, factories_housing
from youfu.reports.archive_services import archive_period
from youfu.reports.tests.scenario import NOV, County, build
from youfu.testing import World, enrol_totp

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<<>>\nendobj\n" * 8


def build_county(world: World) -> County:
    county = build(world)
    w = world
    with time_machine.travel(at(2026, 12, 9), tick=False):
        petition = Petition.objects.filter(region=w.township_a).order_by("pk").first()  # scope: test data
        assert petition is not None
        do_add_attachment(petition, png("来信.png"), acting_user=w.township_clerk)
        grants.do_apply(
            county.people["甲四"],
            factories_grants.application("300.00", reason="illness"),
            documents=[SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf")],
            acting_user=w.village_assistant,
        )
        survey = factories_housing.survey(w, county.people["甲三"], grade="C", on=date(2026, 12, 9))
        photo = factories_housing.upload("屋顶.jpg", factories_housing.jpeg())
        housing.do_add_photo(survey, photo, acting_user=w.township_clerk)
        archive_period(w.county, *NOV)
        enrol_totp(w.leader)
        do_issue_token(w.county_clerk, acting_user=w.county_clerk, name="备份测试")
    return county
