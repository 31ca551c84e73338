"""lint: run the rules over a file and collect findings.

Owns the rule API and registry (`rule`), the engine with inline ignores (`engine`),
configuration (`config`), finding the files to lint (`discovery`, `compose`) and
parallel runs (`parallel`). The registry finds rule modules at run time (the bundled
godockerlint.rules package and entry-point plugins): it never imports a rule by name.
May import: core, parse, analysis.
"""
