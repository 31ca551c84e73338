"""SARIF logs checked against the OASIS 2.1.0 schema (tests/data), formats included.

jsonschema checks `format` ("uri", "uri-reference", "date-time", all in the SARIF schema)
only with a format checker, and each of those only when its package is installed
(rfc3986-validator, rfc3339-validator: the test extra); without them it passes any string.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
FORMATS = jsonschema.FormatChecker()
MISSING = {"uri", "uri-reference", "date-time"} - set(FORMATS.checkers)
assert not MISSING, f"jsonschema cannot check {sorted(MISSING)}: pip install rfc3986-validator rfc3339-validator"
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA, format_checker=FORMATS)


def validate_sarif(log: dict) -> None:
    """Raises jsonschema.ValidationError on any violation of the schema, formats included."""
    VALIDATOR.validate(log)
