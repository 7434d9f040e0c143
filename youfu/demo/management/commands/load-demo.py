from __future__ import annotations

import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.db import transaction

from youfu.accounts.models import Department, User
from youfu.accounts.roles import Role
from youfu.accounts.services import do_create_department, do_create_user
from youfu.core.commands import YoufuCommand
from youfu.demo.generator import BASE_PERSONS, DEFAULT_SEED, load_county
from youfu.regions.services import import_regions

DATA = Path(__file__).resolve().parents[2] / "data"
COUNTY = "341199000000"
FIRST_TOWNSHIP = "341199100000"

# (username, role, region, full name)
ACCOUNTS = [
    ("admin", Role.COUNTY_ADMIN, COUNTY, "系统管理员"),
    ("clerk", Role.COUNTY_CLERK, COUNTY, "王优抚"),
    ("township", Role.TOWNSHIP_CLERK, FIRST_TOWNSHIP, "李乡干"),
    ("leader", Role.LEADER, COUNTY, "张局长"),
    ("auditor", Role.AUDITOR, COUNTY, "赵审计"),
]


class Command(YoufuCommand):
    help = (
        "Load the demo county (青山县): its regions, demo accounts and a synthetic registry. "
        "Safe to run again: nothing is added twice, and people are only added to an empty registry."
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

    def resolve_actor(self, username: str | None) -> Any:
        # The demo bootstraps itself: the first run creates admin as "system", later
        # runs act as admin.
        if username:
            return super().resolve_actor(username)
        return User.objects.filter(username="admin").first()

    def run(self, actor: Any, **options: Any) -> dict[str, Any]:
        password = options["password"]
        created: list[str] = []
        with transaction.atomic():
            regions = import_regions(
                (DATA / "regions.csv").read_bytes(), acting_user=actor, filename="regions.csv"
            )
            for username, role, region, full_name in ACCOUNTS:
                if User.objects.filter(username=username).exists():
                    continue
                user = do_create_user(
                    username,
                    role=role,
                    region_code=region,
                    password=password,
                    acting_user=actor,
                    full_name=full_name,
                )
                created.append(username)
                if actor is None:
                    actor = user  # the first admin creates the rest
            if not Department.objects.exists():
                for name in ("县民政局", "县人社局", "县卫健委", "县住建局"):
                    do_create_department(name, region_code=COUNTY, acting_user=actor)
        registry = load_county(
            persons=options["persons"],
            seed=options["seed"],
            actor=actor,
            progress=self.progress if options.get("verbosity", 1) >= 2 else None,
        )
        return {
            "ok": True,
            "regions_created": len(regions.created),
            "accounts_created": created,
            "accounts": [a[0] for a in ACCOUNTS],
            "registry": registry.as_dict(),
        }

    def progress(self, done: int, total: int) -> None:
        self.stderr.write(f"  {done:,} / {total:,} people")

    def describe(self, result: dict[str, Any]) -> str:
        lines = ["演示账号 / demo accounts (password from $YOUFU_DEMO_PASSWORD, default youfu-demo-2026):"]
        for username, role, region, full_name in ACCOUNTS:
            lines.append(f"  {username:<9} {role.value:<16} {region}  {full_name}")
        lines.append("  admin and leader enrol two-factor authentication at first login.")
        registry = result["registry"]
        if registry["skipped"]:
            lines.append("登记库已有人员，未再添加 / the registry already has people: none added.")
        else:
            lines.append(
                f"登记库 / registry: {registry['persons']:,} people, {registry['households']:,} households, "
                f"{registry['qualifications']:,} qualifications ({registry['seconds']} s)."
            )
        return "\n".join(lines)
