"""The administrative region tree: (province → city →) county → township → village.

Regions are keyed by their 12-digit statistical code (统计用区划代码). The code is
hierarchical: a township's code starts with its county's 6 significant digits, a
village's with its township's 9. Region scope (core.scope) relies on that: "inside
my region" is a prefix match on a code column, one indexed comparison with no join,
whether the user is a township clerk or a province's leader.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from youfu.core.scope import RegionScoped, ScopedManager


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")
    VILLAGE = "village", _("village")


# How many leading digits of the code identify a region of each level.
SIGNIFICANT_DIGITS = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_ORDER = list(SIGNIFICANT_DIGITS)
# Where each level's own segment of the code starts: 11|01|05|001|002.
_SEGMENT_START = {
    RegionLevel.PROVINCE: 0,
    RegionLevel.CITY: 2,
    RegionLevel.COUNTY: 4,
    RegionLevel.TOWNSHIP: 6,
    RegionLevel.VILLAGE: 9,
}


def code_fits_level(code: str, level: RegionLevel) -> bool:
    """A township's code has its own segment non-zero and zeros after it, and so on."""
    end = SIGNIFICANT_DIGITS[level]
    own = code[_SEGMENT_START[level] : end]
    return len(code) == 12 and code.isdigit() and own.strip("0") != "" and code[end:].strip("0") == ""


class Region(models.Model):
    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)

    objects = ScopedManager()
    scope = RegionScoped(code_path="code", personal_data=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def scope_prefix(self) -> str:
        return self.code[: SIGNIFICANT_DIGITS[RegionLevel(self.level)]]

    def contains(self, code: str) -> bool:
        return code.startswith(self.scope_prefix)
