from __future__ import annotations

import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.accounts.services import do_create_department, do_create_user
from youfu.core.commands import YoufuCommand
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Role
from youfu.demo.bureau import BureauLoad, build_bureau
from youfu.demo.generator import BASE_PERSONS, DEFAULT_SEED, load_county
from youfu.regions.services import import_regions
from youfu.reports.tally import ends_to_count, recount

DATA = Path(__file__).resolve().parents[2] / "data"
COUNTY = "341199000000"
FIRST_TOWNSHIP = "341199100000"

FIRST_VILLAGE = "341199100001"
LIAISON_DEPARTMENT = "县民政局"

# (username, role, region, full name, department). A second county clerk, because a county
# clerk's own relief application is approved by another; the village assistant enters care
# records for a township clerk to approve; the liaison works for one paired department.
# The demo's accounts are its bootstrap: they get their roles without a leader's approval,
# which holds while the installation has no leader, so the leader comes last.
ACCOUNTS = [
    ("admin", Role.COUNTY_ADMIN, COUNTY, "系统管理员", ""),
    ("clerk", Role.COUNTY_CLERK, COUNTY, "王优抚", ""),
    ("clerk2", Role.COUNTY_CLERK, COUNTY, "孙经办", ""),
    ("township", Role.TOWNSHIP_CLERK, FIRST_TOWNSHIP, "李乡干", ""),
    ("village", Role.VILLAGE_ASSISTANT, FIRST_VILLAGE, "周协理", ""),
    ("liaison", Role.DEPARTMENT_LIAISON, COUNTY, "吴联络", LIAISON_DEPARTMENT),
    ("auditor", Role.AUDITOR, COUNTY, "赵审计", ""),
    ("leader", Role.LEADER, COUNTY, "张局长", ""),
]


class Command(YoufuCommand):
    help = (
        "Load the demo county (青山县): its regions, demo accounts, a synthetic registry and the "
        "bureau's history (standards, four years of paid batches, petitions, an annual confirmation). "
        "Safe to run again: nothing is added twice, and people are only added to an empty registry. "
        "Refuses to run unless YOUFU_DEBUG is on or --i-know-this-is-not-production is given."
    )
    changes_state = True
    allow_bootstrap = True

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--password", default=os.environ.get("YOUFU_DEMO_PASSWORD", "youfu-demo-2026"))
        parser.add_argument(
            "--persons",
            type=int,
            default=BASE_PERSONS,
            help=f"people in the synthetic registry (default {BASE_PERSONS:,}; 0 for none)",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="the same seed gives the same people"
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            dest="not_production",
            action="store_true",
            help="load the demo although YOUFU_DEBUG is off (make demo passes it)",
        )
        parser.add_argument(
            "--registry-only",
            action="store_true",
            help="only the regions, accounts and people, without the bureau's history (benchmarks)",
        )

    def resolve_actor(self, username: str | None) -> Any:
        # The demo bootstraps itself: the first run creates admin as "system", later
        # runs act as admin.
        if username:
            return super().resolve_actor(username)
        return User.objects.filter(username="admin").first()

    def run(self, actor: User | None, **options: Any) -> dict[str, Any]:
        if not settings.DEBUG and not options["not_production"]:
            # Synthetic people, accounts with a published password and a fabricated history
            # have no place in a bureau's real database.
            raise InvalidInput(
                Message(
                    gettext_noop(
                        "load-demo fills the database with a fictitious county and demo accounts with a "
                        "known password. It runs only with YOUFU_DEBUG=1, or with "
                        "--i-know-this-is-not-production on a database that is not a bureau's."
                    )
                ),
                code="not_a_demo_database",
            )
        password = options["password"]
        created: list[str] = []
        with transaction.atomic():
            regions = import_regions(
                (DATA / "regions.csv").read_bytes(), acting_user=actor, filename="regions.csv"
            )
            for username, role, region, full_name, department_name in ACCOUNTS:
                if User.objects.filter(username=username).exists():
                    continue
                department = (
                    do_create_department(department_name, region_code=region, acting_user=actor)
                    if department_name
                    else None
                )
                user = do_create_user(
                    username,
                    role=role,
                    region_code=region,
                    password=password,
                    acting_user=actor,
                    full_name=full_name,
                    department=department,
                    bootstrap=True,
                    # The demo's password is published (YOUFU_DEMO_PASSWORD): making each visitor
                    # replace it would only lock the next visitor out of the demo.
                    one_time_password=False,
                )
                created.append(username)
                if actor is None:
                    actor = user  # the first admin creates the rest
        registry = load_county(
            persons=options["persons"],
            seed=options["seed"],
            actor=actor,
            progress=self.progress if options.get("verbosity", 1) >= 2 else None,
            demo_usernames=[a[0] for a in ACCOUNTS],
        )
        bureau = (
            BureauLoad(skipped=["the bureau's history: --registry-only"])
            if options["registry_only"]
            else build_bureau(
                seed=options["seed"], progress=self.step if options.get("verbosity", 1) >= 2 else None
            )
        )
        # The dashboard's heavy figures, counted now rather than at the queue's next turn.
        for end in ends_to_count():
            recount(end)
        return {
            "ok": True,
            "regions_created": len(regions.created),
            "accounts_created": created,
            "accounts": [a[0] for a in ACCOUNTS],
            "registry": registry.as_dict(),
            "bureau": bureau.as_dict(),
        }

    def progress(self, done: int, total: int) -> None:
        self.stderr.write(f"  {done:,} / {total:,} people")

    def step(self, what: str) -> None:
        self.stderr.write(f"  {what}")

    def describe(self, result: dict[str, Any]) -> str:
        lines = ["演示账号 / demo accounts (password from $YOUFU_DEMO_PASSWORD, default youfu-demo-2026):"]
        for username, role, region, full_name, department in ACCOUNTS:
            lines.append(f"  {username:<9} {role.value:<18} {region}  {full_name} {department}".rstrip())
        lines.append("  admin and leader enrol two-factor authentication at first login.")
        registry = result["registry"]
        if registry["skipped"]:
            lines.append("登记库已有人员，未再添加 / the registry already has people: none added.")
        else:
            lines.append(
                f"登记库 / registry: {registry['persons']:,} people, {registry['households']:,} households, "
                f"{registry['qualifications']:,} qualifications ({registry['seconds']} s)."
            )
        bureau = result["bureau"]
        if bureau["batches"]:
            failed = bureau["failed_transfer"]
            lines.append(
                f"发放 / payments: {bureau['standards_versions']} standards versions, "
                f"top-up {bureau['topup']}, start month {bureau['payments_start']}, "
                f"{bureau['batches']} batches, {bureau['paid_total']} yuan paid"
                + (
                    f"; a failed transfer in {failed['batch']}, repaid in {failed['repaid_in']}."
                    if failed
                    else "."
                )
            )
        if bureau["review"]:
            review = bureau["review"]
            lines.append(
                f"年审 / annual confirmation {review['year']}: "
                f"{review['confirmed']:,} of {review['items']:,} confirmed."
            )
        petitions = ", ".join(f"{state} {n}" for state, n in bureau["petitions"].items())
        lines.append(f"信访 / petitions: {petitions or '-'}; {bureau['departments']} handling units.")
        for area, counts in bureau.get("care", {}).items():
            if counts:
                made = ", ".join(f"{what} {n:,}" for what, n in counts.items())
                lines.append(f"关爱 / care, {area}: {made}.")
        if bureau["seconds"]:
            lines.append(f"  (the bureau's history: {bureau['seconds']} s)")
        lines.extend(f"  ({note})" for note in bureau["skipped"])
        return "\n".join(lines)
