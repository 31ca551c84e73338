"""analysis: the facts about a parsed Dockerfile, computed once per file.

Owns the Go facts (`facts`: stages, go commands, layering), the build context
(`buildcontext`), base images (`baseimage`), Go versions (`goversion`), what the final
stage needs (`finalneeds`), the artifacts a stage builds (`artifacts`) and what a stage
takes in (`stageinputs`). Rules read these facts; they never re-derive them.
May import: core, parse.
"""
