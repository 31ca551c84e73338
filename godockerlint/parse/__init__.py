"""parse: Dockerfile text -> model (the first step of the pipeline).

Owns the parser (`parser`), BuildKit's word rules (`buildkit_words`), shell words and
commands (`shell`) and the model it produces (`model`: Dockerfile, Stage, Instruction,
Span). Knows nothing of Go. May import: core.
"""
