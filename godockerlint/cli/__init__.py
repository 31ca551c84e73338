"""cli: the entry points (the top of the pipeline).

Owns the command line (`command`: `godockerlint` and its options), `--init` (`init`)
and the language server (`lsp`, the [lsp] extra). May import:
everything below.
"""
