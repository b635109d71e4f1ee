"""The benchmark table."""

from __future__ import annotations

from typing import Any

import msgspec


class Figure(msgspec.Struct):
    name: str
    value: float
    unit: str
    ratio: float | None = None
    loss: int | None = None
    target: str = ""
    note: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Figure:
        """The ``{"name", "value", "unit", "note"}`` dicts the library benches return."""
        return cls(d["name"], float(d["value"]), d["unit"], note=d.get("note", ""))


def table(section: str, figures: list[Figure]) -> str:
    head = f"  {'measure':<46} {'value':>14} {'unit':<12} {'ratio':>6} {'loss':>5}  target / note"
    lines = [f"\n{section}", head, "  " + "-" * (len(head) + 10)]
    for f in figures:
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
        loss = str(f.loss) if f.loss is not None else ""
        value = f"{f.value:>14,.1f}" if abs(f.value) >= 100 else f"{f.value:>14.3f}"
        lines.append(
            f"  {f.name:<46} {value} {f.unit:<12} {ratio:>6} {loss:>5}  {f.target or f.note}"
        )
    return "\n".join(lines)
