"""The route walk's samples and payloads for the accounts' role requests and account recoveries
(see youfu/accounts/tests/walking.py): a role the admin asked for township A's clerk, and a new
second factor asked for the same clerk, both waiting for a leader. Township B's clerk may neither
read nor decide them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from youfu.accounts.models import AccountRecovery, RoleRequest, User
from youfu.accounts.services import do_request_role, do_request_second_factor_reset
from youfu.accounts.tests.walking import Access, Write, acl, api, nothing, page
from youfu.core.roles import Role
from youfu.testing import World, enrol_totp


def walk_role_request(world: World) -> RoleRequest:
    """Township A's clerk, asked to become the village assistant of A's village."""
    found = RoleRequest.objects.filter(user=world.township_clerk).order_by("pk").first()
    if found is not None:
        return found
    return do_request_role(
        world.township_clerk,
        role=Role.VILLAGE_ASSISTANT,
        region_code=world.village_a.code,
        acting_user=world.admin,
    )


def with_a_phone(user: User) -> int:
    """``user``'s id, once they have an authenticator app: only a second factor there is can be
    reset."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        enrol_totp(user)
    return int(user.pk)


def walk_recovery(world: World) -> AccountRecovery:
    """Township A's clerk, who lost their phone: a new second factor asked by the admin."""
    found = AccountRecovery.objects.filter(user=world.township_clerk).order_by("pk").first()
    if found is not None:
        return found
    with_a_phone(world.township_clerk)
    return do_request_second_factor_reset(world.township_clerk, reason="手机丢失", acting_user=world.admin)


SAMPLES: dict[str, Callable[[World], Any]] = {
    "request_id": lambda w: walk_role_request(w).pk,
    "account_recovery_id": lambda w: walk_recovery(w).pk,
}

WRITES: dict[tuple[str, str], Write] = {
    ("POST", "api/v1/role-requests/<request_id>/approve"): api(nothing),
    ("POST", "api/v1/role-requests/<request_id>/refuse"): api(lambda w: {"reason": "不在编"}),
    ("POST", "api/v1/role-requests/<request_id>/withdraw"): api(lambda w: {"reason": "问错了"}),
    ("POST", "api/v1/recovery-requests/<account_recovery_id>/approve"): api(nothing),
    ("POST", "api/v1/recovery-requests/<account_recovery_id>/refuse"): api(lambda w: {"reason": "未见本人"}),
    ("POST", "api/v1/recovery-requests/<account_recovery_id>/withdraw"): api(lambda w: {"reason": "找到了"}),
}

NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "accounts/approvals/"): page(
        lambda w: [
            {"request": walk_role_request(w).pk, "decision": "approve"},
            {"request": walk_role_request(w).pk, "decision": "refuse", "reason": "不在编"},
        ]
    ),
    ("POST", "accounts/approvals/recoveries/"): page(
        lambda w: [
            {"recovery": walk_recovery(w).pk, "decision": "approve"},
            {"recovery": walk_recovery(w).pk, "decision": "refuse", "reason": "未见本人"},
        ]
    ),
    ("POST", "api/v1/recovery-requests"): api(
        # the village assistant, who has no recovery waiting (township A's clerk has the sample)
        lambda w: {"user": with_a_phone(w.village_assistant), "kind": "second_factor", "reason": "手机丢失"}
    ),
    ("POST", "api/v1/role-requests"): api(
        # the village assistant, who has no request waiting (township A's clerk has the sample)
        lambda w: {"user": w.village_assistant.pk, "role": "township_clerk", "region": w.township_a.code}
    ),
}
READ_ONLY: set[str] = set()

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "accounts/approvals/": acl(get="l", post="l"),
    "api/v1/role-requests": acl(get="al", post="a"),
    "api/v1/role-requests/<request_id>": acl(get="al"),
    "api/v1/role-requests/<request_id>/approve": acl(post="l"),
    "api/v1/role-requests/<request_id>/refuse": acl(post="l"),
    "api/v1/role-requests/<request_id>/withdraw": acl(post="a"),
    "accounts/approvals/recoveries/": acl(post="l"),
    "api/v1/recovery-requests": acl(get="al", post="a"),
    "api/v1/recovery-requests/<account_recovery_id>": acl(get="al"),
    "api/v1/recovery-requests/<account_recovery_id>/approve": acl(post="l"),
    "api/v1/recovery-requests/<account_recovery_id>/refuse": acl(post="l"),
    "api/v1/recovery-requests/<account_recovery_id>/withdraw": acl(post="a"),
}
