"""godockerlint: a Dockerfile linter and rewriter for Go builds."""

__version__ = "0.2.0"
