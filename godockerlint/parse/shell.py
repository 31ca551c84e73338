"""Shell words and command lists, and Dockerfile variable expansion.

A POSIX-shell-shaped tokenizer, good enough to find the simple commands in a
RUN line or a heredoc script: quotes, escapes, ``$(...)``, backticks, ``${...}``,
comments, the operators ``&& || ; | &`` and newlines, redirections (dropped from
the arguments), heredocs inside scripts (their bodies skipped), and reserved
words (``if``/``then``/``do``/``!``...). ``sh -c '...'`` bodies are split
recursively. Offsets are relative to the script given. Nothing here knows Go.
"""

from __future__ import annotations

import re

from godockerlint.core.record import Frozen, Record, _set

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
LEADING_RESERVED = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"})
CLOSING_RESERVED = frozenset({"fi", "done", "}", "esac", ";;"})
ASSIGN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# characters that _read_word takes as they are, whatever precedes them
_PLAIN_RUN_RE = re.compile(r"[^ \t\r\n;&|()<>'\"\\$`]*")


class ShellWord(Frozen):
    __slots__ = ("value", "raw", "start", "end", "quoted")

    def __init__(self, value: str, raw: str, start: int, end: int, quoted: bool = False) -> None:
        _set(self, "value", value)  # quotes and escapes removed; expansions kept as written
        _set(self, "raw", raw)
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "quoted", quoted)


class SimpleCommand(Record):
    __slots__ = ("words", "assignments", "separator", "start", "end", "nested_in")

    def __init__(self, words: list[ShellWord], assignments: list[ShellWord] | None = None, separator: str = "",
                 start: int = 0, end: int = 0, nested_in: SimpleCommand | None = None) -> None:
        self.words = words  # the command name and its arguments (redirections removed)
        self.assignments = [] if assignments is None else assignments  # VAR=x prefixes
        self.separator = separator  # the operator before it: "", "&&", "||", ";", "|", "&", "\n"
        self.start = start
        self.end = end
        self.nested_in = nested_in  # the `sh -c` command holding it

    @property
    def name(self) -> str:
        return self.words[0].value if self.words else ""

    def env(self) -> dict[str, str]:
        out = {}
        for a in self.assignments:
            k, _, v = a.value.partition("=")
            out[k] = v
        return out


class _Tokens:
    """Tokenizer state over one script."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.i = 0


def tokenize(s: str) -> list[tuple[str, object]]:
    """Tokens: ("word", ShellWord), ("op", (op, offset)), ("redir", ShellWord)."""
    out: list[tuple[str, object]] = []
    n = len(s)
    i = 0
    pending_heredocs: list[tuple[str, bool]] = []
    redirect_next = False
    while i < n:
        c = s[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\\" and i + 1 < n and s[i + 1] == "\n":
            i += 2
            continue
        if c == "\n":
            out.append(("op", ("\n", i)))
            i += 1
            if pending_heredocs:
                i = _skip_heredoc_bodies(s, i, pending_heredocs)
                pending_heredocs = []
            continue
        if c == "#":
            j = s.find("\n", i)
            i = n if j == -1 else j
            continue
        if c in ";&|()":
            two = s[i : i + 2]
            if two in ("&&", "||", ";;", "|&"):
                op, i2 = two, i + 2
            else:
                op, i2 = c, i + 1
            if op == "&" and s[i + 1 : i + 2] == ">":
                pass  # &> redirection, handled below
            else:
                out.append(("op", (op, i)))
                i = i2
                continue
        if c in "<>" or (c == "&" and s[i + 1 : i + 2] == ">"):
            j = i
            while j < n and s[j] in "<>&|-":
                j += 1
            op = s[i:j]
            i = j
            if op.startswith("<<") and not op.startswith("<<<"):
                strip = op.endswith("-")
                k = _skip_ws(s, i)
                w, e = _read_word(s, k)
                if w is not None:
                    pending_heredocs.append((w.value, strip))
                    i = e
                continue
            if op.endswith("&") or op in (">&", "<&"):
                # fd duplication: 2>&1 -- the target is the next word (digits) if any
                k = _skip_ws(s, i)
                m = re.match(r"[0-9-]+", s[k:])
                if m:
                    i = k + m.end()
                    continue
            redirect_next = True
            continue
        w, e = _read_word(s, i)
        if w is None:
            break
        # a leading fd number glued to a redirection: 2>file
        if e < n and s[e] in "<>" and w.raw.isdigit():
            i = e
            continue
        out.append(("redir" if redirect_next else "word", w))
        redirect_next = False
        i = e
    return out


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t":
        i += 1
    return i


def _skip_heredoc_bodies(s: str, i: int, docs: list[tuple[str, bool]]) -> int:
    for delim, strip in docs:
        while i < len(s):
            j = s.find("\n", i)
            line = s[i:] if j == -1 else s[i:j]
            i = len(s) if j == -1 else j + 1
            check = line.lstrip("\t") if strip else line
            if check.rstrip("\r") == delim:
                break
    return i


def _read_word(s: str, i: int, where: list[int] | None = None) -> tuple[ShellWord | None, int]:
    """Read one word starting at i; returns (word, end).

    With `where`, records for each character of the value its offset in `s`."""
    n = len(s)
    start = i
    value = _Value(where)
    quoted = False
    while i < n:
        c = s[i]
        if c in " \t\r\n;&|()<>":
            if c in "<>" and i == start:
                break
            if c in "()" and i > start and s[i - 1] == "$":
                pass
            else:
                break
        if c == "'":
            j = s.find("'", i + 1)
            j = n if j == -1 else j
            value.add(s[i + 1 : j], i + 1)
            quoted = True
            i = j + 1
        elif c == '"':
            i += 1
            quoted = True
            while i < n and s[i] != '"':
                if s[i] == "\\" and i + 1 < n and s[i + 1] in '"\\$`\n':
                    if s[i + 1] != "\n":
                        value.add(s[i + 1], i + 1)
                    i += 2
                elif s.startswith("$(", i):
                    j = _balanced(s, i + 1, "(", ")")
                    value.add(s[i:j], i)
                    i = j
                else:
                    value.add(s[i], i)
                    i += 1
            i += 1
        elif c == "\\":
            if i + 1 < n and s[i + 1] != "\n":
                value.add(s[i + 1], i + 1)
            i += 2
        elif c == "$" and i + 1 < n and s[i + 1] in "({":
            j = _balanced(s, i + 1, s[i + 1], ")" if s[i + 1] == "(" else "}")
            value.add(s[i:j], i)
            i = j
        elif c == "`":
            j = s.find("`", i + 1)
            j = n if j == -1 else j + 1
            value.add(s[i:j], i)
            i = j
        else:  # c and the plain characters after it, in one piece
            j = _PLAIN_RUN_RE.match(s, i + 1).end()
            value.add(s[i:j], i)
            i = j
    if i == start:
        return None, i + 1
    return ShellWord("".join(value), s[start:i], start, i, quoted), i


class _Value(list):
    """The pieces of a word's value; `add` also records where each character came from."""

    def __init__(self, where: list[int] | None) -> None:
        super().__init__()
        self.where = where

    def add(self, text: str, at: int) -> None:
        self.append(text)
        if self.where is not None:
            self.where.extend(range(at, at + len(text)))


def _balanced(s: str, i: int, open_: str, close: str) -> int:
    """s[i] is `open_`; return the offset just past its matching `close`."""
    depth = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and open_ == "(":
            j = s.find("'", i + 1)
            i = n if j == -1 else j + 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def split_commands(script: str, *, recurse: bool = True) -> list[SimpleCommand]:
    """The simple commands of a script, in order, with `sh -c` bodies expanded after their command."""
    commands: list[SimpleCommand] = []
    current: list[ShellWord] = []
    sep = ""

    def flush(next_sep: str) -> None:
        nonlocal current, sep
        cmd = _make_command(current, sep)
        if cmd is not None:
            commands.append(cmd)
            if recurse:
                commands.extend(nested_commands(cmd))
        current = []
        sep = next_sep

    for kind, tok in tokenize(script):
        if kind == "op":
            op, _ = tok
            flush(op)
        elif kind == "word":
            current.append(tok)
    flush("")
    return commands


def _make_command(words: list[ShellWord], sep: str) -> SimpleCommand | None:
    # reserved words that open a compound command or precede a command
    while words and not words[0].quoted and words[0].value in LEADING_RESERVED:
        words = words[1:]
    if not words:
        return None
    first = words[0].value
    if not words[0].quoted and (first in CLOSING_RESERVED or first in ("for", "case", "in", "select", "function")):
        return None
    assignments = []
    k = 0
    while k < len(words) and ASSIGN_RE.match(words[k].raw):
        assignments.append(words[k])
        k += 1
    rest = words[k:]
    return SimpleCommand(rest, assignments, sep, words[0].start, words[-1].end)


def nested_commands(cmd: SimpleCommand) -> list[SimpleCommand]:
    """Commands inside `sh -c '...'` (also `bash -ec`, `/bin/sh -c`, `env sh -c`)."""
    words = cmd.words
    if not words:
        return []
    k = 0
    if words[0].value.rsplit("/", 1)[-1] == "env":
        k = 1
        while k < len(words) and (ASSIGN_RE.match(words[k].raw) or words[k].value.startswith("-")):
            k += 1
    if k >= len(words) or words[k].value.rsplit("/", 1)[-1] not in SHELLS:
        return []
    j = k + 1
    if words[k].value.endswith("busybox"):
        j += 1  # busybox sh -c
    while j < len(words) and words[j].value[:1] in ("-", "+"):
        opt = words[j].value
        if opt in ("-o", "+o", "-O", "+O"):  # bash -o pipefail -c '...'
            j += 2
            continue
        if opt.startswith("-") and not opt.startswith("--") and "c" in opt[1:]:
            if j + 1 < len(words):
                body = words[j + 1]
                where: list[int] = []
                _read_word(body.raw, 0, where)
                where = [body.start + k for k in where]
                where.append(body.end - (1 if body.raw[-1:] in "\"'" and len(body.raw) > 1 else 0))
                return [_shifted(c, where, cmd) for c in split_commands(body.value)]
            return []
        j += 1
    return []


def _shifted(c: SimpleCommand, where: list[int], parent: SimpleCommand) -> SimpleCommand:
    """`c`, found in a word's value, moved to the offsets of the script holding the word
    (`where[k]`: offset of the value's character k; one more entry for its end)."""

    def start(k: int) -> int:
        return where[min(k, len(where) - 1)]

    def end(k: int) -> int:
        return where[k - 1] + 1 if 0 < k <= len(where) - 1 else start(k)

    def mv(w: ShellWord) -> ShellWord:
        return ShellWord(w.value, w.raw, start(w.start), end(w.end), w.quoted)

    return SimpleCommand(
        [mv(w) for w in c.words],
        [mv(w) for w in c.assignments],
        c.separator,
        start(c.start),
        end(c.end),
        c.nested_in or parent,
    )


_PLAIN_WORD_RE = re.compile(r"[^ \t]+")


def split_words(s: str) -> list[ShellWord]:
    """Quote-aware whitespace splitting of a Dockerfile argument string (no operators)."""
    if '"' not in s and "'" not in s and "\\" not in s and "\n" not in s:
        # nothing to unquote (most COPY lines): each word is as written
        return [ShellWord(m.group(), m.group(), m.start(), m.end()) for m in _PLAIN_WORD_RE.finditer(s)]
    out = []
    i = 0
    n = len(s)
    while i < n:
        i = _skip_ws(s, i)
        if i >= n:
            break
        j = i
        value: list[str] = []
        quoted = False
        while j < n and s[j] not in " \t\n":
            c = s[j]
            if c in "\"'":
                k = j + 1
                while k < n and s[k] != c:
                    if c == '"' and s[k] == "\\" and k + 1 < n:
                        k += 1
                    value.append(s[k])
                    k += 1
                quoted = True
                j = k + 1
            elif c == "\\" and j + 1 < n:
                value.append(s[j + 1])
                j += 2
            else:
                value.append(c)
                j += 1
        out.append(ShellWord("".join(value), s[i:j], i, min(j, n), quoted))
        i = j
    return out


_VAR_RE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{)")


def expand(s: str, lookup, depth: int = 0) -> str:
    """Expand $VAR / ${VAR} / ${VAR:-d} / ${VAR-d} / ${VAR:+a} / ${VAR+a} as BuildKit does.

    `lookup(name)` returns the value or None when unset. Unknown forms are kept.
    """
    if "$" not in s or depth > 20:
        return s
    out = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if c != "$":
            out.append(c)
            i += 1
            continue
        m = _VAR_RE.match(s, i)
        if not m:
            out.append(c)
            i += 1
            continue
        if m.group(1):
            v = lookup(m.group(1))
            out.append(v or "")
            i = m.end()
            continue
        j = _balanced(s, i + 1, "{", "}")
        inner = s[i + 2 : j - 1]
        mm = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$", inner, re.S)
        if not mm:
            out.append(s[i:j])
            i = j
            continue
        name, op, word = mm.group(1), mm.group(2), mm.group(3)
        v = lookup(name)
        if op is None:
            out.append(v or "")
        elif op in (":-", "-"):
            unset = v is None or (op == ":-" and v == "")
            out.append(expand(word, lookup, depth + 1) if unset else v)
        else:
            setv = v is not None and (op == "+" or v != "")
            out.append(expand(word, lookup, depth + 1) if setv else "")
        i = j
    return "".join(out)


def key_values(args: str, legacy: bool = True) -> list[tuple[str, str | None, ShellWord]]:
    """ENV/ARG/LABEL arguments: [(key, value or None, word)].

    With `legacy` (ENV, LABEL), `ENV KEY value with spaces` is one pair; ARG takes
    several bare names (`ARG TARGETOS TARGETARCH`)."""
    words = split_words(args)
    if not words:
        return []
    if legacy and "=" not in words[0].raw.split('"')[0].split("'")[0]:
        # legacy ENV form `ENV KEY value with spaces` or bare `ARG NAME`
        if len(words) == 1:
            return [(words[0].value, None, words[0])]
        rest = args[words[1].start :].strip()
        return [(words[0].value, rest, words[0])]
    out = []
    for w in words:
        if "=" in w.value:
            k, _, v = w.value.partition("=")
            out.append((k, v, w))
        else:
            out.append((w.value, None, w))
    return out
