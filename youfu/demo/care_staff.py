"""Who enters and approves the demo's care records (the demo accounts of load-demo)."""

from __future__ import annotations

from dataclasses import dataclass

from youfu.accounts.models import User

CARE_YEARS = 4  # the care records reach this many years back from today


@dataclass(frozen=True)
class CareStaff:
    admin: User
    clerk: User
    clerk2: User  # approves the first clerk's own relief entries
    township: User  # clerk of the first township
    village: User  # assistant in the first township's first village
    leader: User
    liaison: User  # of 县民政局, one of the paired departments

    @classmethod
    def load(cls) -> CareStaff:
        names = ("admin", "clerk", "clerk2", "township", "village", "leader", "liaison")
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        return cls(*(users[name] for name in names))
