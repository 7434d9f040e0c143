"""CSV files as they come: any line ends, and a refusal (not a crash) for what csv cannot split."""

from __future__ import annotations

import pytest

from youfu.core.csvio import read_csv
from youfu.core.errors import InvalidInput


def test_old_mac_line_ends_are_read() -> None:
    # A lone \r ended every line: csv raised "new-line character seen in unquoted field".
    rows = read_csv(
        b"date,kind,name\r2027-01-01,holiday,\xe5\x85\x83\xe6\x97\xa6\r", ["date", "kind", "name"]
    )
    assert [r.values for r in rows] == [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]


def test_a_field_beyond_the_csv_limit_is_refused() -> None:
    data = b'date,kind,name\n2027-01-01,holiday,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(InvalidInput) as refused:
        read_csv(data, ["date", "kind", "name"])
    assert refused.value.code == "unsupported_file"
