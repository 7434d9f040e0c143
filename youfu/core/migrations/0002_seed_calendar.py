"""Seed the working-day calendar for 2004–2026 from the chinesecalendar package.

Later years come from ``youfu import-calendar`` (the State Council's notice each year).
Re-running is harmless: a year already present is left as it is, so an imported
correction is never overwritten by the package's data.
"""

from typing import Any

from django.db import migrations

FIRST_YEAR = 2004
LAST_YEAR = 2026

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def seed(apps: Any, schema_editor: Any) -> None:
    try:
        import chinese_calendar
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - the package is a pinned dependency
        return
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    version = getattr(chinese_calendar, "__version__", "")
    source = f"chinesecalendar {version}".strip()
    present = set(CalendarYear.objects.values_list("year", flat=True))
    days = []
    for day, name in sorted(constants.holidays.items()):
        if FIRST_YEAR <= day.year <= LAST_YEAR and day.year not in present:
            days.append(CalendarDay(date=day, kind="holiday", name=NAMES.get(name, name)))
    for day, name in sorted(constants.workdays.items()):
        if FIRST_YEAR <= day.year <= LAST_YEAR and day.year not in present:
            label = NAMES.get(name, name)
            days.append(CalendarDay(date=day, kind="workday", name=f"{label}调休"))
    CalendarDay.objects.bulk_create(days, batch_size=500)
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(year=year, source=source, complete=True)
            for year in range(FIRST_YEAR, LAST_YEAR + 1)
            if year not in present
        ]
    )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("core", "CalendarDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
