"""core: the values every layer shares (the bottom of the pipeline).

Owns the records (`record`), findings and fixes (`findings`), resolved settings
(`settings`) and the redaction of secrets (`redact`). May import: nothing (of
godockerlint, but the top-level `godockerlint.__version__`).
"""
