"""An instruction's flags and arguments, checked as BuildKit's instruction parser checks
them: flag names and repeats, --mount values, JSON forms, NAME=value lists, HEALTHCHECK
and ONBUILD. The parser (parser.py) runs these as methods of its line reader."""

from __future__ import annotations

import json

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from godockerlint.parse.buildkit_words import (
    GO_SPACE,
    GO_SPACE_SET,
    PARSE_BOOL,
    csv_fields,
    flag_words,
    go_duration,
    go_quote,
    parse_uint,
    parse_words,
    posix_clean,
    ram_in_bytes,
)
from godockerlint.parse.model import Flag, Mount, Span

if TYPE_CHECKING:
    from godockerlint.parse.parser import ParseError

# The flags BuildKit knows, per instruction: bool, string or strings (may be repeated).
# ARG and STOPSIGNAL never look at theirs; every other instruction refuses any flag.
_B, _S, _M = "bool", "string", "strings"
FLAG_SPECS: dict[str, dict[str, str] | None] = {
    "ADD": {"chown": _S, "chmod": _S, "link": _B, "keep-git-dir": _B, "checksum": _S, "unpack": _B, "exclude": _M},
    "COPY": {"chown": _S, "from": _S, "chmod": _S, "link": _B, "exclude": _M, "parents": _B},
    "FROM": {"platform": _S},
    "RUN": {"mount": _M, "network": _S, "security": _S, "device": _M},
    "HEALTHCHECK": {"interval": _S, "timeout": _S, "start-period": _S, "start-interval": _S, "retries": _S},
    "ARG": None,
    "STOPSIGNAL": None,
}
HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
MOUNT_TYPES = frozenset({"bind", "cache", "tmpfs", "secret", "ssh"})
MOUNT_ALIASES = {
    "dst": "target",
    "destination": "target",
    "src": "source",
    "ro": "readonly",
    "readwrite": "rw",
}
_KEYWORD_RE = re.compile(r"[^\t\v\f\r ]+")  # BuildKit splits the keyword off at these
_KEYWORD_GAP_RE = re.compile(r"[\t\v\f\r ]*")
_BK_SPLIT_RE = re.compile(r"[\t\v\f\r ]+")  # BuildKit's whitespace for splitting arguments


def _map(segments: list[tuple[int, int]], i: int) -> int:
    if len(segments) == 1:
        return segments[0][1] + i
    k = max(bisect_right(segments, (i, float("inf"))) - 1, 0)
    a, t = segments[k]
    return t + (i - a)


def _no_constant(name: str):
    raise ValueError(name)  # Go's JSON has no NaN or Infinity


class ArgumentChecks:
    """The parser's argument checks (mixed into parser._Parser: they read its text and spans)."""

    def check_flags(self, kw: str, words: list[tuple[str, int, int]], flags: list[Flag]) -> None:
        """BuildKit's flag checks: known names (case matters), no repeats but of the repeatable
        ones, values where a value is due, booleans spelled true/false; RUN's network and
        security modes."""
        spec = FLAG_SPECS.get(kw, {})
        if spec is None:
            return
        used: set[str] = set()
        for (word, _, _), flag in zip(words, flags):
            name, eq, value = word.partition("=")
            kind = spec.get(name[2:])

            def fail(message: str) -> ParseError:
                return self.error(message, flag.span.start, flag.span.end)

            if kind is None:
                raise fail(f"unknown flag: {name}")
            if name[2:] in used and kind != _M:
                raise fail(f"duplicate flag specified: {name}")
            used.add(name[2:])
            if kind == _B:
                if eq and not value:
                    raise fail(f"missing a value on flag: {name}")
                if value.lower() not in ("true", "false", ""):
                    raise fail(f"expecting boolean value for flag {name}, not: {value}")
            elif not eq:
                raise fail(f"missing a value on flag: {name}")
            elif kind == _S and kw == "RUN" and name == "--network" and value not in ("default", "none", "host"):
                raise fail(f"invalid network mode {go_quote(value)}")
            elif kind == _S and kw == "RUN" and name == "--security" and value not in ("sandbox", "insecure"):
                raise fail(f"security {go_quote(value)} is not valid")

    def json_form(self, args: str, start: int, end: int) -> tuple[str, ...] | None:
        """The exec form, as BuildKit decides it: a JSON array of strings; a JSON array
        holding anything else is an error; any other text is the shell form."""
        if not args.startswith("["):
            return None
        try:
            value = json.loads(args, parse_constant=_no_constant)
        except (ValueError, RecursionError):  # nested past the stack: not a string array, shell form
            return None
        if not isinstance(value, list):
            return None
        if not all(isinstance(v, str) for v in value):
            raise self.error("when using JSON array syntax, arrays must be comprised of strings only", start, end)
        return tuple(value)

    def check_name_values(self, kw: str, args: str, segments) -> None:
        """ENV and LABEL take `name value` or `name=value ...`; no name may be blank (ARG too)."""
        words = parse_words(args, self.escape)
        if not words:
            return

        def at(w):
            return self.error_at(segments, w[0], w[1])

        if kw == "ARG":
            for w in words:
                if w[2].startswith("="):
                    raise self.error("ARG names can not be blank", *at(w))
            return
        if "=" not in words[0][2]:
            if len(_BK_SPLIT_RE.split(args, 1)) < 2:
                raise self.error(f"{kw} must have two arguments: {words[0][2]} has no value", *at(words[0]))
            return
        for w in words:
            if "=" not in w[2]:
                raise self.error(f"Syntax error - can't find = in {go_quote(w[2])}. Must be of the form: name=value",
                                 *at(w))
            if w[2].startswith("="):
                raise self.error(f"{kw} names can not be blank", *at(w))

    def error_at(self, segments, i: int, j: int) -> tuple[int, int]:
        return _map(segments, i), _map(segments, max(j - 1, i)) + 1

    def check_healthcheck(self, args: str, start: int, end: int, flags: list[Flag]) -> None:
        sep = 0
        while sep < len(args) and args[sep] not in GO_SPACE_SET:
            sep += 1
        typ = args[:sep].upper()
        rest = args[sep:].lstrip(GO_SPACE)
        if typ == "NONE":
            if rest:
                raise self.error("HEALTHCHECK NONE takes no arguments", start, end)
        elif typ == "CMD":
            cmd_start = end - len(rest)
            value = self.json_form(rest, cmd_start, end)
            if not rest or value == ():
                raise self.error("Missing command after HEALTHCHECK CMD", start, end)
        else:
            raise self.error(f"Unknown type {go_quote(typ)} in HEALTHCHECK (try CMD)", start, start + sep)
        for f in flags:  # BuildKit reads the durations and the retries when it parses the file
            if not f.value:
                continue
            if f.name == "retries":
                if not re.fullmatch(r"[+-]?\d+", f.value) or not -(1 << 31) <= int(f.value) < 1 << 31:
                    why = "value out of range" if re.fullmatch(r"[+-]?\d+", f.value) else "invalid syntax"
                    raise self.error(f'strconv.ParseInt: parsing {go_quote(f.value)}: {why}', f.span.start, f.span.end)
                if int(f.value) < 0:
                    raise self.error(f"--retries cannot be negative ({int(f.value)})", f.span.start, f.span.end)
                continue
            seconds, problem = go_duration(f.value)
            if problem:
                raise self.error(f"time: {problem}", f.span.start, f.span.end)
            if seconds != 0 and seconds < 0.001:
                raise self.error(f"Interval {go_quote(f.name)} cannot be less than 1ms", f.span.start, f.span.end)

    def onbuild_trigger(self, args: str, start: int, end: int) -> tuple[str, tuple[str, ...] | None]:
        """The trigger instruction of an ONBUILD and its exec form, for its heredocs."""
        m = _KEYWORD_RE.match(args)
        if not m:
            return "", None
        sub = m.group(0).upper()
        if sub == "ONBUILD":
            raise self.error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", start, start + len(sub))
        if sub in ("MAINTAINER", "FROM"):
            raise self.error(f"{sub} isn't allowed as an ONBUILD trigger", start, start + len(sub))
        if sub not in HEREDOC_INSTRUCTIONS:
            return sub, None
        i = _KEYWORD_GAP_RE.match(args, m.end()).end()
        _, i = flag_words(args, i, self.escape)
        rest = args[i:].strip(GO_SPACE)
        return sub, self.json_form(rest, end - len(rest), end)

    def make_flag(self, kw: str, word: str, j: int, k: int, segments) -> Flag:
        start = _map(segments, j)
        span = self.span(start, _map(segments, k - 1) + 1)
        body = word[2:]
        if "=" in body:
            name, value = body.split("=", 1)
        else:
            name, value = body, None
        name = name.lower()
        if not name:
            raise self.error("unknown flag: --", span.start, span.end)
        mount = None
        if kw == "RUN" and name == "mount" and value is not None and body.startswith("mount"):
            mount = self.parse_mount(value, span)
        return Flag(name, value, span, mount)

    def parse_mount(self, value: str, span: Span) -> Mount:
        """A --mount value, checked as BuildKit checks it (keys in order, values once
        variables are expanded: a value with a `$` is not checked)."""

        def fail(message: str) -> ParseError:
            return self.error(f"--mount: {message}", span.start, span.end)

        try:
            fields = csv_fields(value)
        except ValueError as exc:
            raise fail(f"failed to parse csv mounts: {exc}") from None
        for f in fields:  # BuildKit's first pass, before any variable is expanded
            key, eq, val = f.partition("=")
            if eq and key.lower() == "from" and "$" in val[:-1]:
                raise fail("'from' doesn't support variable expansion, define alias stage instead")
        opts: dict[str, str] = {}
        order: list[tuple[str, str]] = []
        mtype = "bind"
        type_known = True
        readonly: bool | None = None  # None: the type's default
        file_info = False  # mode, uid or gid given
        for f in fields:
            key, eq, val = f.partition("=")
            key = key.lower()
            canon = MOUNT_ALIASES.get(key, key)
            if not eq:
                if canon == "readonly":
                    readonly = True
                elif canon == "rw":
                    readonly = False
                elif canon == "required":
                    if type_known and mtype not in ("secret", "ssh"):
                        raise fail(f"unexpected key '{key}' for mount type '{mtype}'")
                else:
                    raise fail(f"invalid field '{f}' must be a key=value pair")
                opts[canon] = "true"
                order.append((canon, "true"))
                continue
            opts[canon] = val
            order.append((canon, val))
            var = "$" in val  # expanded at build time: not checked here
            if canon == "type":
                if var:
                    type_known = False
                    mtype = val.lower()
                    continue
                if val.lower() not in MOUNT_TYPES:
                    raise fail(f"unsupported mount type {go_quote(val)}")
                mtype = val.lower()
            elif canon in ("from", "source", "target", "id", "env"):
                pass
            elif canon in ("readonly", "rw"):
                if not var:
                    if val not in PARSE_BOOL:
                        raise fail(f"invalid value for {key}: {val}")
                    readonly = PARSE_BOOL[val] == (canon == "readonly")
            elif canon in ("required", "size"):
                allowed = ("secret", "ssh") if canon == "required" else ("tmpfs",)
                if type_known and mtype not in allowed:
                    raise fail(f"unexpected key '{key}' for mount type '{mtype}'")
                if not var and not (val in PARSE_BOOL if canon == "required" else ram_in_bytes(val)):
                    raise fail(f"invalid value for {key}: {val}")
            elif canon == "sharing":
                if not var and val.lower() not in ("shared", "private", "locked"):
                    raise fail(f"unsupported sharing value {go_quote(val)}")
            elif canon in ("mode", "uid", "gid"):
                file_info = True
                if not var and not parse_uint(val, 8 if canon == "mode" else 10):
                    raise fail(f"invalid value {val} for {key}")
            else:
                raise fail(f"unexpected key '{key}' in '{f}'")
        if type_known:
            if file_info and mtype not in ("secret", "ssh", "cache"):
                which = next(k for k in ("mode", "uid", "gid") if k in opts)
                raise fail(f"{which} not allowed for {go_quote(mtype)} type mounts")
            if mtype == "secret":
                if opts.get("from"):
                    raise fail("secret mount should not have a from")
                if opts.get("sharing"):
                    raise fail("secret mount should not define sharing")
                if not (opts.get("source") or opts.get("target") or opts.get("id")):
                    raise fail("invalid secret mount. one of source, target required")
                if opts.get("source") and opts.get("id"):
                    raise fail("both source and id can't be set")
            if opts.get("sharing") and mtype != "cache":
                raise fail(f"invalid cache sharing set for {mtype} mount")
            if mtype == "ssh" and opts.get("source"):  # refused when the build runs it
                raise fail("ssh does not support source")
            target = opts.get("target") or ""
            if mtype not in ("secret", "ssh") and target.startswith("/") and "$" not in target \
                    and posix_clean(target) == "/":
                raise fail('invalid mount target "/"')
        if readonly is None:  # BuildKit: bind, secret and ssh read-only, cache and tmpfs writable
            readonly = mtype not in ("cache", "tmpfs")
        return Mount(
            type=mtype,
            target=opts.get("target"),
            source=opts.get("source"),
            from_=opts.get("from"),
            id=opts.get("id"),
            sharing=opts.get("sharing"),
            uid=opts.get("uid"),
            gid=opts.get("gid"),
            mode=opts.get("mode"),
            required=opts.get("required"),
            env=opts.get("env"),
            readonly=readonly,
            options=tuple(order),
            span=span,
        )
