"""Rendering the blocks that fixes insert, from the Jinja templates in `templates/`.

Templates ship as package data of `godockerlint.templates` and are read with
`importlib.resources`. jinja2 is imported only when a fix is actually applied
(`LazyFix.edits`): linting never renders a template, so it never imports jinja2.

Templates are written with "\\n" line ends and no indentation; `lines_block`
gives the rendered lines the indentation of the instruction they go next to and
the file's own line ending, and `Style` carries the file's continuation style
(escape character and continuation-line indent).
"""

from __future__ import annotations

from typing import Callable, Iterable

from godockerlint.core.findings import Edit
from godockerlint.core.record import Frozen, _set

_env = None


def environment():
    global _env
    if _env is None:
        import jinja2

        def load(name: str):
            from importlib.resources import files

            try:
                return files("godockerlint.templates").joinpath(name).read_text(encoding="utf-8")
            except (FileNotFoundError, OSError):
                return None

        _env = jinja2.Environment(
            loader=jinja2.FunctionLoader(load),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )
    return _env


def render(template_name: str, /, **values) -> str:
    """The rendered template (`*.j2`), "\\n" line ends, without a trailing newline."""
    return environment().get_template(template_name).render(**values).rstrip("\n")


def render_lines(template_name: str, /, **values) -> list[str]:
    text = render(template_name, **values)
    return text.split("\n") if text else []


class Style(Frozen):
    """How the file writes things: its escape character and continuation-line indent."""

    __slots__ = ("escape", "continuation", "newline")

    def __init__(self, escape: str = "\\", continuation: str = "    ", newline: str = "\n") -> None:
        _set(self, "escape", escape)
        _set(self, "continuation", continuation)
        _set(self, "newline", newline)

    @property
    def cont(self) -> str:
        """What ends a continued line: a blank and the escape character."""
        return f" {self.escape}"

    @classmethod
    def of(cls, df) -> "Style":
        return cls(df.escape, continuation_indent(df), df.newline)


def continuation_indent(df, default: str = "    ") -> str:
    """The leading blanks of the first continuation line of a multi-line RUN (else `default`)."""
    commented = {c.span.line for c in df.comments}
    for ins in df.instructions:
        if ins.span.end_line <= ins.span.line or ins.heredocs:
            continue
        line = ins.span.line + 1
        if line in commented:
            continue
        start = df.lines.line_start(line)
        text = df.text[start:df.lines.line_end(line)]
        blanks = text[: len(text) - len(text.lstrip(" \t"))]
        base = df.text[df.lines.line_start(ins.span.line):ins.span.start]
        if blanks and text.strip() and len(blanks) > len(base):
            return blanks[len(base):] if blanks.startswith(base) else blanks
    return default


def lines_block(lines: Iterable[str], indent: str, newline: str) -> str:
    """Whole lines with `indent` (blank lines stay empty) and the file's line ending."""
    return "".join((f"{indent}{ln}" if ln else "") + newline for ln in lines)


class LazyFix:
    """A Fix whose edit texts are rendered from templates on first use.

    Same interface as findings.Fix (`edits`, `applicability`, `message`); the
    offsets are known when the finding is made, the text only when it is needed.
    `exclusive`: applied alone in its pass (the whole-file rewrite).
    """

    __slots__ = ("_make", "_edits", "applicability", "message", "exclusive", "layout")

    def __init__(self, make: Callable[[], Iterable[Edit]], applicability: str, message: str = "",
                 exclusive: bool = False, layout: str = "") -> None:
        self._make = make
        self._edits: tuple[Edit, ...] | None = None
        self.applicability = applicability
        self.message = message
        self.exclusive = exclusive
        self.layout = layout  # as findings.Fix.layout

    @property
    def edits(self) -> tuple[Edit, ...]:
        if self._edits is None:
            self._edits = tuple(self._make())
        return self._edits

    def __repr__(self) -> str:
        return f"LazyFix({self.applicability!r}, {self.message!r})"
