"""fix: edits, and the loop that applies them.

Owns the edit helpers rules build their fixes with (`edits`, `commandedits`,
`cachemounts`), the whole-file rewrite (`rewrite`, `rewrite_facts`,
`rewrite_templates`), the fixer loop (`fixer`: apply, re-lint, keep or drop) and the
atomic file writer (`writer`). It sits below godockerlint.rules (rules import its
helpers); the loop runs rules only through lint's engine.
May import: core, parse, analysis, lint.
"""
