"""Applying fix edits to text (the rewriter's core; the --fix loop builds on it)."""

from __future__ import annotations

from godockerlint.findings import Edit


class OverlapError(ValueError):
    pass


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Apply non-overlapping edits. Inserts at the same offset keep their given order."""
    ordered = sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end, p[0]))
    out: list[str] = []
    pos = 0
    for _, e in ordered:
        if e.start < pos:
            raise OverlapError(f"edit at {e.start} overlaps an earlier edit ending at {pos}")
        out.append(text[pos:e.start])
        out.append(e.text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def select_non_overlapping(fixes) -> list:
    """Greedy choice of fixes whose edits do not overlap (in the given order)."""
    taken: list[tuple[int, int]] = []
    chosen = []
    for fix in fixes:
        spans = [(e.start, e.end) for e in fix.edits]
        if any(_overlaps(s, t) for s in spans for t in taken):
            continue
        chosen.append(fix)
        taken.extend(spans)
    return chosen


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a[0] == a[1] or b[0] == b[1]:  # insertions conflict only strictly inside a replaced span
        return b[0] < a[0] < b[1] or a[0] < b[0] < a[1]
    return a[0] < b[1] and b[0] < a[1]
