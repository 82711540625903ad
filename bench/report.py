"""What a benchmark hands back: its figures (saved as JSON) and a Markdown table of them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Outcome:
    name: str
    figures: dict[str, Any]
    table: str  # Markdown

    def save(self, directory: Path = RESULTS) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        figures = directory / f"{self.name}.json"
        table = directory / f"{self.name}.md"
        figures.write_text(json.dumps(self.figures, indent=2) + "\n", encoding="utf-8")
        table.write_text(self.table, encoding="utf-8")
        return [figures, table]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [headers, ["---" if i == 0 else "---:" for i in range(len(headers))], *rows]
    return "".join(f"| {' | '.join(line)} |\n" for line in lines)
