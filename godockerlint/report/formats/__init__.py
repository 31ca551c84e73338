"""formats: one module per --format; each is a pure function of the findings.

Loaded by name (`godockerlint.report.reporting`), only the ones a run asks for.
May import: core, parse, report (fingerprint).
"""
