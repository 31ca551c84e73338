"""Effective settings of a run: defaults, overridden by the config file, then by CLI flags.

This module is deliberately free of YAML: `config.py` reads the file (with
ruamel.yaml, only when there is one) and produces a `Settings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from godockerlint.core.findings import Severity

DEFAULT_ALLOWED_FINAL_IMAGES = (
    "gcr.io/distroless/static*",
    "gcr.io/distroless/base*",
    "gcr.io/distroless/cc*",
)


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] = frozenset()  # empty: every rule
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)  # per-code override
    failure_threshold: Severity | None = Severity.INFO  # None: never fail on findings
    goproxy: str | None = None  # default value written into an inserted ARG GOPROXY
    private: tuple[str, ...] = ()  # module path globs that are private
    allowed_final_images: tuple[str, ...] = ()  # in addition to distroless
    syntax: str = "docker/dockerfile:1"  # or "none"
    ci_cache: str = "persistent"  # or "ephemeral"
    download_step: str = "auto"  # "bind", "copy", or "auto": bind when the file already uses RUN --mount
    final_image_cgo_off: str = "gcr.io/distroless/static-debian12:nonroot"
    final_image_cgo_on: str = "gcr.io/distroless/base-debian12:nonroot"
    rule_options: dict[str, dict] = field(default_factory=dict)  # per-rule options by code
    context: Path | None = None  # build context; None: the Dockerfile's folder
    target: str | None = None  # --target stage
    build_args: dict[str, str] = field(default_factory=dict)  # --build-arg values (from a compose file)
    config_path: Path | None = None  # the config file these came from, if any

    def __getstate__(self) -> dict:
        """The fields only: the answers kept by enabled() and the engine (`_...`) are not
        pickled (a process pool's RemoteFix carries its Settings; rules hold lambdas)."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def enabled(self, code: str) -> bool:
        try:  # asked ~50 times a file, for the same few dozen codes: the answers are kept
            return self.__dict__["_enabled"][code]
        except KeyError:
            pass
        cache = self.__dict__.get("_enabled")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_enabled", cache)  # not a field: no effect on ==, repr or replace()
        cache[code] = answer = self._enabled_uncached(code)
        return answer

    def _enabled_uncached(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(s) for s in self.ignore)
