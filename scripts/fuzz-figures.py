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
    workflow_steps: Counter[str] = Counter()
    imports: Counter[str] = Counter()
    ends: dict[str, Counter[str]] = defaultdict(Counter)
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            row = json.loads(line)
            if "operation" in row:
                operations[row["persona"]].add(row["operation"])
                if row.get("kind") == "workflow":
                    workflow_steps[row["persona"]] += row["cases"]
                else:
                    cases[row["persona"]] += row["cases"]
            else:
                imports[row["importer"]] += row["cases"]
                ends[row["importer"]].update(row.get("ends", {}))
    for persona in sorted(operations):
        steps = f", {workflow_steps[persona]} workflow steps" if workflow_steps[persona] else ""
        count = len(operations[persona])
        print(f"API as {persona}: {count} operations, {cases[persona]} cases{steps}, 0 failures")
    if operations:
        every = set().union(*operations.values())
        total = sum(cases.values()) + sum(workflow_steps.values())
        print(f"API in all: {len(every)} operations, {total} requests, 0 failures")
    for importer in sorted(imports):
        detail = ", ".join(f"{end} {n}" for end, n in ends[importer].most_common())
        print(f"import {importer}: {imports[importer]} cases, 0 failures ({detail})")


if __name__ == "__main__":
    main(sys.argv[1:])
