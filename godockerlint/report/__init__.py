"""report: findings -> what a user or a CI reads.

Owns the output formats (`formats`), finding fingerprints (`fingerprint`), baselines
(`baseline`), choosing and writing report files (`reporting`, `reportfile`) and the
rule table and pages (`ruletable`). Formatters are pure functions of the findings.
May import: core, parse, analysis, lint, fix, rules.
"""
