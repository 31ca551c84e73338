"""Baselines: record today's findings so that a legacy repository gates only on new ones.

A baseline is a JSON file:

    {"godockerlint-baseline": 1, "findings": [
        {"code": "GDL101", "file": "Dockerfile", "fingerprint": "…", "line": 6, "message": "…"}]}

A finding is *in the baseline* when an entry has the same code, file (as reported, with
forward slashes) and fingerprint (see `godockerlint.report.fingerprint`: the normalised text of
the instruction and its occurrence index, never the line number). `line` and `message`
are there for the reader and are not used for matching, so lines added or removed
elsewhere in the Dockerfile do not turn old findings into new ones.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from pathlib import Path
from typing import Mapping, Sequence

from godockerlint.core.findings import Finding
from godockerlint.report.fingerprint import fingerprints

FORMAT_KEY = "godockerlint-baseline"
FORMAT_VERSION = 1


class BaselineError(Exception):
    """str() is one line: `file[:line]: message`."""


def _file(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/"))


def entries(findings: Sequence[Finding], sources: Mapping[str, str] | None = None) -> list[dict]:
    ordered = sorted(findings, key=Finding.sort_key)
    return [
        {"code": f.code, "file": _file(f.file), "fingerprint": fp, "line": f.line, "message": f.message}
        for f, fp in zip(ordered, fingerprints(ordered, sources))
    ]


def dumps(findings: Sequence[Finding], sources: Mapping[str, str] | None = None) -> str:
    """The baseline file's text for these findings (pure)."""
    doc = {FORMAT_KEY: FORMAT_VERSION, "findings": entries(findings, sources)}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, findings: Sequence[Finding], sources: Mapping[str, str] | None = None) -> None:
    from godockerlint.report.reportfile import write_report

    try:  # atomically: a full disk leaves the previous baseline whole
        write_report(path, dumps(findings, sources))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None


class Baseline:
    def __init__(self, keys: Counter) -> None:
        self.keys = keys

    @classmethod
    def load(cls, path: Path) -> "Baseline":
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BaselineError(f"{path}: no such file (create it with --write-baseline {path})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{path}:{exc.lineno}: not a baseline: {exc.msg}") from None
        except RecursionError:
            raise BaselineError(f"{path}: not a baseline: nested too deeply to read") from None
        if not isinstance(doc, dict) or doc.get(FORMAT_KEY) != FORMAT_VERSION or not isinstance(doc.get("findings"), list):
            raise BaselineError(f"{path}: not a godockerlint baseline (expected {{\"{FORMAT_KEY}\": 1, \"findings\": [...]}})")
        keys: Counter = Counter()
        for i, e in enumerate(doc["findings"]):
            if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("code", "file", "fingerprint")):
                raise BaselineError(f"{path}: finding #{i + 1} lacks code, file or fingerprint")
            keys[(e["code"], _file(e["file"]), e["fingerprint"])] += 1
        return cls(keys)

    def split(self, findings: Sequence[Finding], sources: Mapping[str, str] | None = None
              ) -> tuple[list[Finding], list[Finding]]:
        """(new findings, findings in the baseline), each in the order given."""
        left = Counter(self.keys)
        new, known = [], []
        for f, fp in zip(findings, fingerprints(findings, sources)):
            key = (f.code, _file(f.file), fp)
            if left[key] > 0:
                left[key] -= 1
                known.append(f)
            else:
                new.append(f)
        return new, known
