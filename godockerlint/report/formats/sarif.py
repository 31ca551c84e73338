"""SARIF 2.1.0 report: one run, the rules that fired, results with regions, fixes and fingerprints.

Pure: the output depends only on the arguments (`rules` defaults to the rule
registry, which is static data).
"""

from __future__ import annotations

import json
import posixpath
from typing import Mapping, Sequence
from urllib.parse import quote

from godockerlint import __version__
from godockerlint.core.findings import Finding, Severity
from godockerlint.report.fingerprint import fingerprints
from godockerlint.core.redact import redact

USES_SOURCES = True  # render() takes the decoded sources (for fingerprints)
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/godockerlint/godockerlint"
FINGERPRINT_KEY = "godockerlint/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(file: str) -> str:
    """A file as a SARIF artifact URI: relative paths stay relative (forward slashes), absolute
    ones become file:// URIs; characters outside a URI path are percent-encoded."""
    path = file.replace("\\", "/")
    if path.startswith("/"):
        return "file://" + quote(path)
    if len(path) > 1 and path[1] == ":":  # C:/...
        return "file:///" + quote(path)
    return quote(posixpath.normpath(path))


def _rule(rule, code: str) -> dict:
    if rule is None:  # a finding from a rule that is not registered: describe what we know
        return {"id": code}
    paragraphs = [p.strip() for p in rule.doc.split("\n\n") if p.strip()]
    full = paragraphs[0] if paragraphs else rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(full.split())},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"fix": rule.fix},
    }


def _region(f) -> dict:
    region = {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)}
    if f.end_line >= f.line:
        region["endLine"] = f.end_line
        region["endColumn"] = max(f.end_column, 1)
    return region


def _fix(f: Finding, uri: str) -> dict:
    fix = f.fix
    description = fix.message or f"{f.code} fix"
    if fix.applicability != "safe":
        description += f" ({fix.applicability}: it may change what the image does)"
    return {
        "description": {"text": description},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri},
            "replacements": [
                {"deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                 "insertedContent": {"text": redact(e.text)}}
                for e in sorted(fix.edits, key=lambda e: (e.start, e.end))
            ],
        }],
    }


def document(findings: Sequence[Finding], *, sources: Mapping[str, str] | None = None,
             rules: Mapping | None = None) -> dict:
    """The SARIF log as a dict."""
    if rules is None:
        from godockerlint.lint.rule import load_rules

        rules = load_rules()
    ordered = sorted(findings, key=Finding.sort_key)
    prints = fingerprints(ordered, sources)
    codes = sorted({f.code for f in ordered})
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for f, fp in zip(ordered, prints):
        uri = artifact_uri(f.file)
        result = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": _region(f)}}],
            "partialFingerprints": {FINGERPRINT_KEY: fp},
        }
        if f.related:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": r.message},
                 "physicalLocation": {"artifactLocation": {"uri": uri}, "region": _region(r)}}
                for i, r in enumerate(f.related)]
        if f.fix is not None and f.fix.edits:
            result["fixes"] = [_fix(f, uri)]
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "godockerlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rules.get(code), code) for code in codes],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(findings: Sequence[Finding], *, color: bool = False, quiet: bool = False, failed: int = 0,
           sources: Mapping[str, str] | None = None, rules: Mapping | None = None) -> str:
    """The SARIF log as indented JSON; `color`, `quiet` and `failed` do not apply."""
    return json.dumps(document(findings, sources=sources, rules=rules), indent=2, ensure_ascii=False) + "\n"
