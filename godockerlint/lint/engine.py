"""Lint orchestration: bytes -> model -> Go facts -> findings (ignores and severities applied)."""

from __future__ import annotations

import gc
import os
import re
import stat
from pathlib import Path

from godockerlint.core.findings import Finding
from godockerlint.parse.model import Dockerfile
from godockerlint.parse.parser import ParseError, parse_bytes
from godockerlint.core.record import Record
from godockerlint.lint.rule import INVALID_IGNORE, PARSE_ERROR, Rule, RuleContext, load_rules
from godockerlint.core.settings import Settings

IGNORE_RE = re.compile(
    r"^godockerlint\s+(?:(global|stage)\s+)?ignore\s*=\s*([A-Za-z0-9_,\s]*?)\s*(?:#.*)?$", re.I
)
# Ten times the largest real Dockerfiles: bounds the time and memory one file can cost.
MAX_FILE_BYTES = 1024 * 1024


class LintInputError(Exception):
    """The file could not be read at all (missing, permission denied, a directory...).

    str(exc) is a one-line message that names the file."""


class LintResult(list):
    """The findings of one file (a list), plus `errors`: internal failures, one line each, and
    `secrets`: the secret values written in the file, which no output may show."""

    def __init__(self, findings=(), errors=(), secrets=()):
        super().__init__(findings)
        self.errors: list[str] = list(errors)
        self.secrets: set[str] = set(secrets)
        self.facts = None  # the analysis the findings came from (lint_model's; not pickled)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["facts"] = None
        return state


def lint_file(path: Path, settings: Settings, display_path: str | None = None) -> LintResult:
    """Read and lint one file; raises LintInputError when it cannot be read."""
    name = display_path or str(path)
    data = read_dockerfile(path, name)
    return lint_bytes(data, name, settings, context_dir=_default_context(path, settings))


def read_dockerfile(path: Path | str, name: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; raises LintInputError (one line naming it).

    The file is opened without blocking and checked on the open descriptor, so a FIFO or a
    device never hangs the run, even one swapped in after a check by name."""
    fd = -1
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise LintInputError(f"{name}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise LintInputError(f"{name}: not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            raise LintInputError(_too_large(name, str(st.st_size)))
        return _read_fd(fd, st.st_size, name)
    except LintInputError:
        raise
    except FileNotFoundError:
        if os.path.islink(path):
            raise LintInputError(f"{name}: broken symbolic link (to {os.readlink(path)})") from None
        raise LintInputError(f"{name}: no such file or directory") from None
    except IsADirectoryError:
        raise LintInputError(f"{name}: is a directory") from None
    except PermissionError:
        raise LintInputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise LintInputError(f"{name}: {exc.strerror or exc}") from None
    finally:
        if fd != -1:
            os.close(fd)


def _read_fd(fd: int, size: int, name: str) -> bytes:
    """What read_stream() reads from a regular file, with os.read: usually one call of the
    file's size (a buffered read of MAX_FILE_BYTES + 1 allocates a megabyte per file)."""
    limit = MAX_FILE_BYTES + 1
    parts: list[bytes] = []
    total = 0
    want = min(limit, size + 1)  # one byte more than fstat says: the file may have grown
    try:
        while total < limit:
            part = os.read(fd, want)
            if not part:
                break
            parts.append(part)
            total += len(part)
            want = limit - total
    except OSError as exc:
        raise LintInputError(f"{name}: {exc.strerror or exc}") from None
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    if len(data) > MAX_FILE_BYTES:
        raise LintInputError(_too_large(name, f"more than {MAX_FILE_BYTES}"))
    return data


def read_stream(stream, name: str) -> bytes:
    """The bytes of a binary stream (stdin) of at most MAX_FILE_BYTES, never more in memory;
    raises LintInputError."""
    try:
        data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise LintInputError(f"{name}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise LintInputError(_too_large(name, f"more than {MAX_FILE_BYTES}"))
    return data


def _too_large(name: str, size: str) -> str:
    return f"{name}: file too large ({size} bytes; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MiB)"


def _default_context(path: Path | str | None, settings: Settings) -> Path | None:
    if settings.context is not None:
        return Path(settings.context)
    if path is None or str(path) == "-":
        return None
    try:
        parent = Path(path).resolve().parent if Path(path).exists() else Path(path).parent
        return parent if parent.is_dir() else None
    except PermissionError:  # an ancestor folder we may not search: the folder as named
        parent = Path(path).parent
        return parent if os.access(parent, os.X_OK) else None


def lint_bytes(data: bytes, path: str, settings: Settings, *, context_dir: Path | None | str = "auto") -> LintResult:
    """Lint one Dockerfile's content. Never raises on bad content: it yields GDL001. Raises
    LintInputError when the settings ask for a target stage the file does not have."""
    try:
        df = parse_bytes(data, path)
    except ParseError as exc:
        return LintResult([parse_error_finding(exc, path)])
    if context_dir == "auto":
        context_dir = _default_context(path, settings)
    return lint_model(df, settings, context_dir)


def parse_error_finding(exc: ParseError, path: str) -> Finding:
    from godockerlint.core.redact import redact

    return Finding(
        code=PARSE_ERROR.code,
        name=PARSE_ERROR.name,
        severity=PARSE_ERROR.severity,
        file=path,
        line=exc.line,
        column=exc.column,
        end_line=exc.end_line,
        end_column=exc.end_column,
        message=redact(_quote_token_only(exc.message)),  # it may quote the file: no credentials
        url=PARSE_ERROR.url,
    )


_UNKNOWN = "unknown instruction: "
_KEYWORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_QUOTED_RE = re.compile(r"'([^'\n]{40})[^'\n]+'")
MAX_KEYWORD = 20


def _quote_token_only(message: str) -> str:
    """A parse error quotes no more of the file than the offending token: an unknown
    instruction its keyword (the leading letters, at most 20: a file that is not a Dockerfile,
    a password file say, shows none of its content), a quoted value its first 40 characters."""
    if message.startswith(_UNKNOWN):
        word = message[len(_UNKNOWN):]
        m = _KEYWORD_RE.match(word)
        if not m:
            return "unknown instruction (not a keyword)"
        keyword = m.group(0)[:MAX_KEYWORD]
        return _UNKNOWN + keyword + ("…" if keyword != word else "")
    return _QUOTED_RE.sub(lambda m: f"'{m.group(1)}…'", message)


def _gc_paused(fn):
    """Run `fn` with the cyclic garbage collector paused: a lint allocates a model and facts that
    all live until it ends, and collections that find nothing to free cost a third of a large
    file's time. Refcounting still frees; the collector resumes after (and collects the cycles of
    a previous file's facts)."""
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    paused.__name__, paused.__doc__, paused.__wrapped__ = fn.__name__, fn.__doc__, fn
    return paused


lint_bytes = _gc_paused(lint_bytes)  # the parse too: a 1 MiB file's model is a million objects


@_gc_paused
def lint_model(df: Dockerfile, settings: Settings, context_dir: Path | None) -> LintResult:
    from godockerlint.analysis.facts import Facts
    from godockerlint.analysis.buildcontext import BuildContext

    if settings.target and df.stage_by_ref(settings.target.lower()) is None:
        # the build would fail (BuildKit: target stage "x" could not be found): the findings of
        # another final stage would be wrong, so the file is not linted
        raise LintInputError(f"{df.path}: target stage {settings.target!r} could not be found: no stage "
                             f"of this file is named so (`docker build --target` fails the same way)")
    context = BuildContext(context_dir) if context_dir is not None else None
    facts = Facts(df, context, settings.target, settings.build_args)
    rules = load_rules()
    ignores = Ignores.from_comments(df, rules)
    result = LintResult()
    raw: list[Finding] = list(ignores.invalid(df.path))
    for rule in _active_rules(settings, rules):
        try:
            raw.extend(rule.check(RuleContext(rule, df, facts, settings, df.path)))
        except Exception as exc:  # a rule bug must not hide the other rules' findings
            result.errors.append(f"{df.path}: internal error in rule {rule.code}: {type(exc).__name__}: {exc}")
    from godockerlint.analysis.secrets import secret_values
    from godockerlint.core.redact import redact_finding

    secrets = result.secrets = secret_values(facts) if raw else set()
    result.facts = facts
    for f in raw:
        if not settings.enabled(f.code) or ignores.suppresses(f):
            continue
        if f.code in settings.severity:
            f = f.with_severity(settings.severity[f.code])
        result.append(redact_finding(f, secrets))  # no rule may print a secret
    result.sort(key=Finding.sort_key)
    return result


def _active_rules(settings: Settings, rules: dict[str, Rule]) -> list[Rule]:
    """The rules to run under these settings (not the engine's own ones), in code order:
    worked out once per Settings and rule table, not per file."""
    cached = settings.__dict__.get("_active_rules")
    if cached is not None and cached[0] is rules and cached[1] == len(rules):
        return cached[2]
    active = [r for r in rules.values() if r.module != "godockerlint.lint.engine" and settings.enabled(r.code)]
    object.__setattr__(settings, "_active_rules", (rules, len(rules), active))  # not a field: == and repr unchanged
    return active


class _Ignore(Record):
    __slots__ = ("codes", "first_line", "last_line")

    def __init__(self, codes: frozenset[str], first_line: int, last_line: int) -> None:
        self.codes = codes
        self.first_line = first_line
        self.last_line = last_line


class Ignores:
    """Inline ignore comments, hadolint-style:

    - ``# godockerlint ignore=GDL101,GDL202`` silences the next instruction (or the
      instruction whose continuation lines hold the comment);
    - ``# godockerlint stage ignore=...`` silences the rest of the stage holding it;
    - ``# godockerlint global ignore=...`` silences the whole file;
    a trailing ``# reason`` is allowed.
    """

    def __init__(self) -> None:
        self.scopes: list[_Ignore] = []
        self.unknown: list[tuple[str, object]] = []

    @classmethod
    def from_comments(cls, df: Dockerfile, rules: dict[str, Rule]) -> "Ignores":
        self = cls()
        if not df.comments:
            return self
        last_line = df.lines.position(len(df.text))[0]
        for c in df.comments:
            m = IGNORE_RE.match(c.text)
            if not m:
                continue
            scope = (m.group(1) or "").lower()
            codes = [x.strip().upper() for x in m.group(2).split(",") if x.strip()]
            for code in codes:
                if code not in rules:
                    self.unknown.append((code, c))
            codes_set = frozenset(codes)
            if scope == "global":
                self.scopes.append(_Ignore(codes_set, 1, last_line))
            elif scope == "stage":
                first, last = _stage_range(df, c.span.line, last_line)
                self.scopes.append(_Ignore(codes_set, first, last))
            else:
                ins = _target_instruction(df, c)
                if ins is not None:
                    self.scopes.append(_Ignore(codes_set, ins.span.line, ins.span.end_line))
        return self

    def invalid(self, path: str):
        for code, c in self.unknown:
            yield Finding(
                code=INVALID_IGNORE.code,
                name=INVALID_IGNORE.name,
                severity=INVALID_IGNORE.severity,
                file=path,
                line=c.span.line,
                column=c.span.column,
                end_line=c.span.end_line,
                end_column=c.span.end_column,
                message=f"ignore comment names unknown rule {code}: it silences nothing",
                url=INVALID_IGNORE.url,
            )

    def suppresses(self, f: Finding) -> bool:
        if f.code == PARSE_ERROR.code:
            return False
        return any(f.code in s.codes and s.first_line <= f.line <= s.last_line for s in self.scopes)


def _target_instruction(df: Dockerfile, comment):
    if comment.inside is not None:
        return df.instructions[comment.inside]
    for ins in df.instructions:
        if ins.span.start > comment.span.start:
            return ins
    return None


def _stage_range(df: Dockerfile, line: int, last_line: int) -> tuple[int, int]:
    starts = [st.from_instruction.span.line for st in df.stages]
    for i, s in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else last_line + 1
        if line < nxt:
            return (line if line >= s else s), nxt - 1
    return line, last_line
