"""Dockerfile text -> model.

dockerfile-parse splits the file into instructions (line ranges and keywords).
This layer adds what it lacks: exact spans, parser directives, BOM and CRLF,
comment lines inside continuations, flags (``--mount`` with every key alias),
JSON vs shell form, and heredocs, whose bodies dockerfile-parse mistakes for
instructions: they are reattached to their instruction here.

Nothing here knows about Go.
"""

from __future__ import annotations

import io
import json
import re
from bisect import bisect_right

from dockerfile_parse import DockerfileParser

from godockerlint.model import (
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    LineIndex,
    Mount,
    Span,
    Stage,
)
from godockerlint.record import Record

BOM = "\ufeff"
INSTRUCTIONS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD "
    "RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
NO_FLAG_INSTRUCTIONS = frozenset(
    {"ENV", "ARG", "LABEL", "ONBUILD", "MAINTAINER", "USER", "WORKDIR", "EXPOSE", "STOPSIGNAL", "VOLUME"})
HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
JSON_INSTRUCTIONS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK"})
MOUNT_TYPES = frozenset({"bind", "cache", "tmpfs", "secret", "ssh"})
MOUNT_ALIASES = {
    "dst": "target",
    "destination": "target",
    "src": "source",
    "ro": "readonly",
    "readwrite": "rw",
}
MOUNT_BOOL_KEYS = frozenset({"readonly", "rw", "required", "relabel"})
DIRECTIVE_RE = re.compile(r"^#[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(.*?)[ \t]*$")
HEREDOC_WORD_RE = re.compile(r"^(\d*)<<(-?)([^<]+)$")
_KEYWORD_RE = re.compile(r"\S+")
_BLANKS_RE = re.compile(r"[ \t]*")
_PLAIN_TOKEN_RE = re.compile(r"[^ \t\"']*")  # a token's characters up to a blank or a quote


class ParseError(Exception):
    """The file is not a valid Dockerfile. Carries a 1-based line and column."""

    def __init__(self, message: str, line: int = 1, column: int = 1, end_line: int | None = None,
                 end_column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.end_line = end_line or line
        self.end_column = end_column or column + 1


def decode(data: bytes) -> tuple[str, bool]:
    """Bytes -> (text without BOM, had_bom). Raises ParseError for non-text input."""
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    nul = data.find(b"\x00")
    if nul != -1:
        line, col = _byte_position(data, nul)
        raise ParseError("not a text file (NUL byte)", line, col)
    try:
        return data.decode("utf-8"), bom
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        raise ParseError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, col) from None


def _byte_position(data: bytes, i: int) -> tuple[int, int]:
    """1-based (line, column) of byte `i`, the column counted in characters as in the model."""
    line_start = data.rfind(b"\n", 0, i) + 1
    prefix = data[line_start:i].decode("utf-8", errors="replace")
    return data.count(b"\n", 0, i) + 1, len(prefix) + 1


def parse_bytes(data: bytes, path: str = "Dockerfile") -> Dockerfile:
    text, bom = decode(data)
    return parse(text, path, bom=bom)


def parse(text: str, path: str = "Dockerfile", *, bom: bool = False) -> Dockerfile:
    if text.startswith(BOM):
        text, bom = text[1:], True
    return _Parser(text, path, bom).run()


class _Entry(Record):
    __slots__ = ("keyword", "first", "last")

    def __init__(self, keyword: str, first: int, last: int) -> None:
        self.keyword = keyword
        self.first = first  # 0-based first line
        self.last = last  # 0-based last line


class _Parser:
    def __init__(self, text: str, path: str, bom: bool) -> None:
        self.text = text
        self.path = path
        self.bom = bom
        self.index = LineIndex(text)
        # physical lines without their line terminators
        self.lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
        self.escape = "\\"
        self.directives: list[Directive] = []
        self.comments: list[Comment] = []
        self.instructions: list[Instruction] = []

    # -- helpers -----------------------------------------------------------------
    def off(self, line0: int, col0: int = 0) -> int:
        return self.index.starts[line0] + col0

    def span(self, start: int, end: int) -> Span:
        return self.index.span(start, end)

    def error(self, message: str, start: int, end: int | None = None) -> ParseError:
        line, col = self.index.position(start)
        end_line, end_col = self.index.position(end if end is not None else start + 1)
        return ParseError(message, line, col, end_line, end_col)

    # -- driver ------------------------------------------------------------------
    def run(self) -> Dockerfile:
        first_line = self.read_directives()
        covered: set[int] = set(range(first_line))
        entries = self.split(first_line)
        i = 0
        while i < len(entries):
            e = entries[i]
            ins_index = len(self.instructions)
            ins, resume = self.build_instruction(e, ins_index)
            self.instructions.append(ins)
            covered.update(range(e.first, max(e.last, resume - 1) + 1))
            i += 1
            if resume > e.last + 1:
                # heredoc bodies: drop entries inside them, re-split if one straddles the end
                while i < len(entries) and entries[i].first < resume:
                    if entries[i].last >= resume:
                        entries[i:] = self.split(resume)
                        break
                    i += 1
        self.check_uncovered(covered, first_line)
        return self.assemble()

    def read_directives(self) -> int:
        """Parser directives at the top of the file; returns the first line after them."""
        seen: set[str] = set()
        for n, line in enumerate(self.lines):
            m = DIRECTIVE_RE.match(line.strip())
            if not m or m.group(1).lower() not in ("syntax", "escape", "check"):
                return n
            name, value = m.group(1).lower(), m.group(2)
            if name in seen:
                return n  # a repeated directive is an ordinary comment
            seen.add(name)
            start = self.off(n, len(line) - len(line.lstrip()))
            span = self.span(start, self.off(n, len(line)))
            if name == "escape":
                if value not in ("\\", "`"):
                    col = line.index("=") + 1
                    raise self.error(
                        f"invalid escape directive {value!r}: it must be a backslash or a backtick",
                        self.off(n, col), self.off(n, len(line)))
                self.escape = value
            self.directives.append(Directive(name, value, span))
        return len(self.lines)

    def split(self, first_line: int) -> list[_Entry]:
        """dockerfile-parse's instruction splitting, from `first_line` on."""
        tail = "\n".join(self.lines[first_line:])
        # Our escape character, then a blank line so that dockerfile-parse looks for no
        # further directives: a directive-like comment below ours is an ordinary comment.
        prefix = f"# escape={self.escape}\n\n"
        parser = DockerfileParser(fileobj=io.BytesIO((prefix + tail).encode("utf-8")))
        shift = first_line - 2
        out = []
        last_covered = first_line - 1
        for item in parser.structure:
            if item["instruction"] == "COMMENT":
                continue  # a comment may sit inside a continuation that runs into the end
            last_covered = max(last_covered, item["endline"] + shift)
            first = item["startline"] + shift
            if first < first_line:
                continue
            out.append(_Entry(item["instruction"], first, item["endline"] + shift))
        # dockerfile-parse drops an instruction whose continuation runs into the end of
        # the file; BuildKit accepts it.
        for n in range(last_covered + 1, len(self.lines)):
            stripped = self.lines[n].strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.endswith(self.escape):
                out.append(_Entry(stripped.split()[0].upper(), n, len(self.lines) - 1))
            break
        return out

    def check_uncovered(self, covered: set[int], first_line: int) -> None:
        """Lines dockerfile-parse silently dropped: keyword-only instructions."""
        for n in range(first_line, len(self.lines)):
            if n in covered:
                continue
            stripped = self.lines[n].strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                if n not in covered:
                    col = len(self.lines[n]) - len(self.lines[n].lstrip())
                    start = self.off(n, col)
                    self.comments.append(Comment(stripped[1:].strip(), self.span(start, self.off(n, len(self.lines[n])))))
                continue
            word = stripped.split()[0]
            col = self.lines[n].index(word)
            start = self.off(n, col)
            if word.upper() in INSTRUCTIONS:
                raise self.error(f"{word.upper()} requires at least one argument", start, start + len(word))
            raise self.error(f"unknown instruction: {word}", start, start + len(word))

    # -- one instruction -----------------------------------------------------------
    def build_instruction(self, e: _Entry, ins_index: int) -> tuple[Instruction, int]:
        esc = self.escape
        pieces: list[tuple[int, int]] = []  # (text start, text end) of joined pieces
        last = e.first
        n = e.first
        lines = self.lines
        starts = self.index.starts
        while n < len(lines):
            line = lines[n]
            base = starts[n]
            if n == e.first:
                begin = len(line) - len(line.lstrip())
            else:
                stripped = line.lstrip()
                if stripped.startswith("#"):
                    col = len(line) - len(stripped)
                    self.comments.append(Comment(stripped[1:].strip(), self.span(base + col, base + len(line)), ins_index))
                    n += 1
                    continue
                if not stripped:
                    n += 1
                    continue
                begin = 0
            body = line.rstrip()
            last = n
            if body.endswith(esc):
                pieces.append((base + begin, base + len(body) - 1))
                n += 1
                continue
            pieces.append((base + begin, base + len(line)))
            break
        if len(pieces) == 1:  # most instructions: one line
            s, t = pieces[0]
            segments = [(0, s)]
            logical = self.text[s:t]
        else:
            logical_parts, segments, pos = [], [], 0
            for s, t in pieces:
                segments.append((pos, s))
                logical_parts.append(self.text[s:t])
                pos += t - s
            logical = "".join(logical_parts)
        end_offset = starts[last] + len(lines[last])

        m = _KEYWORD_RE.match(logical)
        if not m:
            raise self.error("empty instruction", self.off(e.first))
        raw_kw = m.group(0)
        kw = raw_kw.upper()
        kw_start = _map(segments, 0)
        if kw not in INSTRUCTIONS:
            raise self.error(f"unknown instruction: {raw_kw}", kw_start, kw_start + len(raw_kw))

        i = m.end()
        flags: list[Flag] = []
        while True:
            j = _skip_ws(logical, i)
            if not logical.startswith("--", j) or kw in NO_FLAG_INSTRUCTIONS:
                i = j
                break
            k = _token_end(logical, j)
            if k is None:
                s = _map(segments, j)
                raise self.error("unterminated quote in flag", s, s + 2)
            if k == j + 2:  # `--` ends the flags, as in BuildKit: `RUN -- cmd`
                i = _skip_ws(logical, k)
                break
            flags.append(self.make_flag(kw, logical, j, k, segments))
            i = k
        args = logical[i:].rstrip()
        if not args:
            raise self.error(f"{kw} requires at least one argument", kw_start, kw_start + len(raw_kw))
        args_start = _map(segments, i) if i < len(logical) else end_offset
        args_end = _map(segments, i + len(args) - 1) + 1 if args else args_start
        # shift segments so that they index `args`
        if len(segments) == 1:
            arg_segments = ((0, segments[0][1] + i),)
        else:
            arg_segments = tuple((max(a - i, 0), t + max(i - a, 0)) for a, t in _segments_from(segments, i))

        json_args = None
        if kw in JSON_INSTRUCTIONS and args.startswith("["):
            try:
                value = json.loads(args)
            except (ValueError, RecursionError):  # nested past the stack: not a string array, shell form
                value = None
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                json_args = tuple(value)

        heredocs: tuple[Heredoc, ...] = ()
        resume = last + 1
        if kw in HEREDOC_INSTRUCTIONS and json_args is None and "<<" in args:
            heredocs, resume = self.read_heredocs(args, arg_segments, last + 1)
            if heredocs:
                end_offset = heredocs[-1].span.end

        ins = Instruction(
            index=ins_index,
            keyword=kw,
            raw_keyword=raw_kw,
            span=self.span(kw_start, end_offset),
            flags=tuple(flags),
            args=args,
            args_span=self.span(args_start, args_end),
            segments=arg_segments,
            json_args=json_args,
            heredocs=heredocs,
        )
        return ins, resume

    def make_flag(self, kw: str, logical: str, j: int, k: int, segments) -> Flag:
        raw = logical[j:k]
        start = _map(segments, j)
        span = self.span(start, _map(segments, k - 1) + 1)
        body = raw[2:]
        if "=" in body:
            name, value = body.split("=", 1)
            value = _flag_word(value)
        else:
            name, value = body, None
        name = name.lower()
        if not name:
            raise self.error("malformed flag '--'", start, start + 2)
        mount = None
        if kw == "RUN" and name == "mount":
            if not value:
                raise self.error("--mount needs a value (type=...,target=...)", span.start, span.end)
            mount = self.parse_mount(value, span)
        return Flag(name, value, span, mount)

    def parse_mount(self, value: str, span: Span) -> Mount:
        if '"' in value or "\n" in value or "\r" in value:  # BuildKit reads the value as one CSV record
            import csv  # here: most --mount values have no quotes, and csv costs 0.6 ms to import

            try:
                fields = next(csv.reader([value]))
            except (csv.Error, StopIteration):
                raise self.error(f"malformed --mount value {value!r}", span.start, span.end) from None
        else:
            fields = value.split(",")
        opts: dict[str, str] = {}
        order: list[tuple[str, str]] = []
        for f in fields:
            f = f.strip()
            if not f:
                continue
            if "=" in f:
                key, val = f.split("=", 1)
            else:
                key, val = f, "true"
            key = MOUNT_ALIASES.get(key.strip().lower(), key.strip().lower())
            if "=" not in f and key not in MOUNT_BOOL_KEYS:
                raise self.error(f"malformed --mount option {f!r}: expected key=value", span.start, span.end)
            opts[key] = val
            order.append((key, val))
        mtype = opts.get("type", "bind").lower()
        if mtype not in MOUNT_TYPES:
            raise self.error(f"unknown --mount type {mtype!r} (expected bind, cache, tmpfs, secret or ssh)",
                             span.start, span.end)
        if mtype in ("bind", "cache", "tmpfs") and not opts.get("target"):
            raise self.error(f"--mount type={mtype} needs a target", span.start, span.end)
        # BuildKit: bind, secret and ssh mounts are read-only unless `rw`; cache and tmpfs
        # mounts are writable unless `ro`.
        readonly = mtype not in ("cache", "tmpfs")
        for key, val in order:  # the last of ro/rw wins
            if key in ("readonly", "rw"):
                readonly = (val.lower() in ("true", "1", "t")) == (key == "readonly")
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

    def read_heredocs(self, args: str, segments, body_line: int) -> tuple[tuple[Heredoc, ...], int]:
        markers = []
        for start, end in _word_bounds(args):
            word = args[start:end]
            m = HEREDOC_WORD_RE.match(word)
            if not m:
                continue
            raw_delim = m.group(3)
            delim = _unquote(raw_delim)
            if not delim or re.search(r"\s", delim):
                continue
            markers.append((start, end, m.group(2) == "-", raw_delim != delim, delim))
        docs = []
        n = body_line
        for start, end, strip_tabs, quoted, delim in markers:
            mstart = _map(segments, start)
            marker = self.span(mstart, _map(segments, end - 1) + 1)
            first = n
            body_lines = []
            while True:
                if n >= len(self.lines) or (n == len(self.lines) - 1 and self.lines[n] == "" and
                                            self.text.endswith("\n")):
                    raise self.error(f"unterminated heredoc: no line {delim!r} ends it", marker.start, marker.end)
                line = self.lines[n]
                check = line.lstrip("\t") if strip_tabs else line
                if check == delim:  # BuildKit: the whole line, trailing blanks included
                    break
                body_lines.append(line.lstrip("\t") if strip_tabs else line)
                n += 1
            body_start = self.off(first)
            body_end = self.off(n) - 1 if n > first else body_start
            if body_end > body_start and self.text[body_end - 1] == "\r":
                body_end -= 1
            term_end = self.off(n, len(self.lines[n]))
            body = "\n".join(body_lines) + ("\n" if body_lines else "")
            docs.append(Heredoc(
                delimiter=delim,
                strip_tabs=strip_tabs,
                quoted=quoted,
                marker=marker,
                body=body,
                body_span=self.span(body_start, max(body_end, body_start)),
                span=self.span(body_start, term_end),
            ))
            n += 1
        return tuple(docs), n

    # -- stages --------------------------------------------------------------------
    def assemble(self) -> Dockerfile:
        stages: list[Stage] = []
        instructions: list[Instruction] = []
        current: list[Instruction] | None = None
        from_ins = None
        stage_meta = None

        def close():
            if from_ins is not None:
                name, base, platform = stage_meta
                stages.append(Stage(len(stages), name, base, platform, from_ins, tuple(current)))

        for ins in self.instructions:
            if ins.keyword == "FROM":
                close()
                stage_meta = self.from_parts(ins)
                ins = _with_stage(ins, len(stages))
                from_ins, current = ins, []
            elif from_ins is None:
                if ins.keyword != "ARG":
                    raise self.error(f"{ins.keyword} before the first FROM: only ARG may come first",
                                     ins.span.start, ins.span.start + len(ins.raw_keyword))
            else:
                ins = _with_stage(ins, len(stages))
                current.append(ins)
            instructions.append(ins)
        close()
        if not stages:
            if instructions:
                ins = instructions[-1]
                raise self.error("no FROM instruction: the file has no build stage", ins.span.start)
            raise ParseError("the file has no instructions (no FROM)", 1, 1)
        newline = "\r\n" if "\r\n" in self.text[: self.text.find("\n") + 1 or len(self.text)] else "\n"
        return Dockerfile(
            path=self.path,
            text=self.text,
            bom=self.bom,
            newline=newline,
            escape=self.escape,
            directives=tuple(self.directives),
            instructions=tuple(instructions),
            comments=tuple(sorted(self.comments, key=lambda c: c.span.start)),
            stages=tuple(stages),
            lines=self.index,
        )

    def from_parts(self, ins: Instruction) -> tuple[str | None, str, str | None]:
        words = ins.args.split()
        if len(words) == 2 or len(words) > 3 or (len(words) == 3 and words[1].lower() != "as"):
            raise self.error("FROM takes an image and an optional 'AS name'", ins.args_span.start, ins.args_span.end)
        platform = ins.flag("platform")
        name = words[2].lower() if len(words) == 3 else None
        return name, words[0], platform.value if platform else None


def _with_stage(ins: Instruction, stage: int) -> Instruction:
    # The instruction was made by this parse and nothing else holds it yet: set its stage in
    # place, as its own __init__ would (a new Instruction would copy every field: slower).
    object.__setattr__(ins, "stage", stage)
    return ins


def _map(segments: list[tuple[int, int]], i: int) -> int:
    if len(segments) == 1:
        return segments[0][1] + i
    k = max(bisect_right(segments, (i, float("inf"))) - 1, 0)
    a, t = segments[k]
    return t + (i - a)


def _segments_from(segments, i):
    """Segments that cover logical positions >= i."""
    out = []
    for idx, (a, t) in enumerate(segments):
        nxt = segments[idx + 1][0] if idx + 1 < len(segments) else None
        if nxt is not None and nxt <= i:
            continue
        out.append((a, t))
    return out


def _skip_ws(s: str, i: int) -> int:
    return _BLANKS_RE.match(s, i).end()


def _token_end(s: str, i: int) -> int | None:
    """End of a whitespace-delimited token starting at i, honouring quotes."""
    i = _PLAIN_TOKEN_RE.match(s, i).end()  # the characters before any quote
    quote = None
    while i < len(s):
        c = s[i]
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in " \t":
            break
        i += 1
    return None if quote else i


def _word_bounds(s: str):
    i = 0
    while True:
        i = _skip_ws(s, i)
        if i >= len(s):
            return
        j = _token_end(s, i)
        if j is None:
            return
        yield i, j
        i = j


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    return s.replace('"', "").replace("'", "")


def _flag_word(s: str) -> str:
    """A flag value as BuildKit reads it: quotes removed wherever they are, `\\x` -> `x`."""
    out = []
    quote = None
    i = 0
    while i < len(s):
        c = s[i]
        if c == quote:
            quote = None
        elif quote is None and c in "\"'":
            quote = c
        else:
            if c == "\\" and i + 1 < len(s):
                i += 1
                c = s[i]
            out.append(c)
        i += 1
    return "".join(out)
