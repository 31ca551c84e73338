"""Word-level facts of BuildKit's Dockerfile frontend, for the parser.

moby/buildkit at dockerfile/1.26.0-labs-57-g73ed6825c: how it splits flags and the
words of ENV/LABEL/ARG, its shell lexer as the heredoc detection runs it, which
words name a heredoc, the CSV reading of a --mount value, and the Go value syntaxes
it checks (sizes, octal/decimal ids, durations). The facts are BuildKit's, the code
is ours. Nothing here knows about Go builds.
"""

from __future__ import annotations

import json
import posixpath
import re

# Go's unicode.IsSpace, which BuildKit uses to trim lines and split words
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
           "\u2028\u2029\u202f\u205f\u3000"
GO_SPACE_SET = frozenset(GO_SPACE)
GO_SPACE_RUN_RE = re.compile(f"[{GO_SPACE}]*")
# Go's strconv.ParseBool
PARSE_BOOL = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
              "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
# a word that BuildKit takes for a heredoc marker: [fd]<<[-][blanks]word
HEREDOC_WORD_RE = re.compile(r"(\d*)<<(-?)[\t\n\f\r ]*([^<]*)\Z", re.S)


def flag_words(s: str, i: int, esc: str) -> tuple[list[tuple[str, int, int]], int]:
    """BuildKit's flag words from `s[i:]`: (word with quotes and escapes removed, start, end)
    for each word beginning with `--`, and where the arguments begin. A lone `--` ends the
    flags; an unmatched quote runs to the end of the line."""
    out = []
    n = len(s)
    while True:
        i = GO_SPACE_RUN_RE.match(s, i).end()
        if not s.startswith("--", i):
            return out, i
        start = i
        chars = []
        quote = None
        while i < n:
            c = s[i]
            if quote is None:
                if c in GO_SPACE_SET:
                    break
                if c == "'" or c == '"':
                    quote = c
                    i += 1
                    continue
            elif c == quote:
                quote = None
                i += 1
                continue
            if c == esc:
                i += 1
                if i == n:  # an escape at the end is dropped
                    quote = None
                    continue
                c = s[i]
            chars.append(c)
            i += 1
        word = "".join(chars)
        if word == "--":
            return out, i
        out.append((word, start, i))


def parse_words(s: str, esc: str) -> list[tuple[int, int, str]]:
    """BuildKit's words of ENV, LABEL and ARG: split at blanks outside quotes, quotes and
    escapes kept. (start, end, word)."""
    words = []
    n = len(s)
    i = 0
    while True:
        while i < n and s[i] in GO_SPACE_SET:
            i += 1
        if i >= n:
            return words
        start = i
        chars = []
        blank_ok = False
        quote = None
        while i < n:
            c = s[i]
            if quote is None:
                if c in GO_SPACE_SET:
                    break
                if c == "'" or c == '"':
                    quote = c
                    blank_ok = True
                elif c == esc:
                    if i + 1 == n:
                        i += 1
                        continue
                    chars.append(c)
                    i += 1
                    c = s[i]
            else:
                if c == quote:
                    quote = None
                elif c == esc and quote != "'":
                    if i + 1 == n:
                        i += 1
                        quote = None
                        continue
                    chars.append(c)
                    i += 1
                    c = s[i]
            chars.append(c)
            i += 1
        if blank_ok or chars:
            words.append((start, i, "".join(chars)))


class LexError(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


class Lex:
    """BuildKit's shell lexer as its heredoc detection runs it: escape `\\` whatever the
    file's escape, no variable set (`$x`, `${x:-y}` stay as written), quotes and escapes
    kept (raw) or removed. It shares one word buffer between nested `${...}` words, which
    empties the word being built: kept here, as it decides what is a heredoc word."""

    def __init__(self, s: str, raw_quotes: bool, raw_escapes: bool) -> None:
        self.s = s
        self.i = 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.buf: list[str] = []
        self.buf_start = 0

    def words(self) -> list[tuple[int, int, str]]:
        return self.stop_on(None, self.raw_escapes)[1]

    def stop_on(self, stop: str | None, raw_escapes: bool) -> tuple[str, list[tuple[int, int, str]]]:
        s, n = self.s, len(self.s)
        saved, self.raw_escapes = self.raw_escapes, raw_escapes
        result: list[str] = []
        words: list[tuple[int, int, str]] = []
        self.buf = []
        in_word = False

        def add_raw(text: str, at: int) -> None:
            nonlocal in_word
            if not self.buf:
                self.buf_start = at
            if text:
                self.buf.append(text)
            in_word = True

        def add_char(c: str, at: int) -> None:
            nonlocal in_word
            if c in GO_SPACE_SET:
                if in_word and self.buf:
                    words.append((self.buf_start, at, "".join(self.buf)))
                    self.buf = []
                    in_word = False
            else:
                add_raw(c, at)

        try:
            while self.i < n:
                c = s[self.i]
                at = self.i
                if stop is not None and c == stop:
                    self.i += 1
                    return "".join(result), self._flush(words)
                if c == "$":
                    tmp = self.dollar()
                    result.append(tmp)
                    for ch in tmp:
                        add_char(ch, self.i)
                    continue
                if c == "<":
                    tmp = self.possible_heredoc()
                elif c == "'":
                    tmp = self.single_quote()
                elif c == '"':
                    tmp = self.double_quote()
                else:
                    self.i += 1
                    if c == "\\":
                        if self.raw_escapes:
                            add_raw(c, at)
                            result.append(c)
                        if self.i >= n:
                            break
                        c = s[self.i]
                        self.i += 1
                        add_raw(c, at)
                    else:
                        add_char(c, at)
                    result.append(c)
                    continue
                result.append(tmp)
                add_raw(tmp, at)
            if stop is not None:
                raise LexError(self.i, f"unexpected end of statement while looking for matching {stop}")
            return "".join(result), self._flush(words)
        finally:
            self.raw_escapes = saved

    def _flush(self, words):
        if self.buf:
            words.append((self.buf_start, self.i, "".join(self.buf)))
            self.buf = []
        return words

    def single_quote(self) -> str:
        start = self.i
        self.i += 1
        end = self.s.find("'", self.i)
        if end == -1:
            raise LexError(start, "unexpected end of statement while looking for matching single-quote")
        body = self.s[self.i:end]
        self.i = end + 1
        return f"'{body}'" if self.raw_quotes else body

    def double_quote(self) -> str:
        s, n = self.s, len(self.s)
        start = self.i
        self.i += 1
        out = ['"'] if self.raw_quotes else []
        while True:
            if self.i >= n:
                raise LexError(start, "unexpected end of statement while looking for matching double-quote")
            c = s[self.i]
            if c == '"':
                self.i += 1
                if self.raw_quotes:
                    out.append(c)
                return "".join(out)
            if c == "$":
                out.append(self.dollar())
                continue
            self.i += 1
            if c == "\\":
                if self.raw_escapes:
                    out.append(c)
                if self.i >= n:
                    continue
                if s[self.i] in '"$\\':
                    c = s[self.i]
                    self.i += 1
            out.append(c)

    def possible_heredoc(self) -> str:
        s = self.s
        self.i += 1
        if s[self.i:self.i + 1] != "<":
            return "<"
        self.i += 1
        j = self.i
        while self.i < len(s) and s[self.i] in "\t\r ":
            self.i += 1
        return "<<" + s[j:self.i]

    def name(self) -> str:
        s, n = self.s, len(self.s)
        j = self.i
        if j < n and s[j].isdecimal():
            while self.i < n and s[self.i].isdecimal():
                self.i += 1
            return s[j:self.i]
        if j < n and s[j] in "@*#?-$!0":
            self.i += 1
            return s[j]
        while self.i < n and (s[self.i].isalpha() or s[self.i].isdecimal() or s[self.i] == "_"):
            self.i += 1
        return s[j:self.i]

    def dollar(self) -> str:
        s, n = self.s, len(self.s)
        start = self.i
        self.i += 1
        if s[self.i:self.i + 1] != "{":
            return "$" + self.name()
        self.i += 1
        if self.i >= n:
            raise LexError(start, "syntax error: missing '}'")
        if s[self.i] in "{}:":
            raise LexError(start, "syntax error: bad substitution")
        name = self.name()
        ch = s[self.i] if self.i < n else "\ufffd"
        self.i += 1
        if ch == "}":
            return "${" + name + "}"
        chs = ch
        null_unset = ch == ":"
        if null_unset:
            ch = s[self.i] if self.i < n else "\ufffd"
            self.i += 1
            chs += ch
        if null_unset or ch in "+-?#%":
            raw = ch in "#%"
            if null_unset and raw:
                raise LexError(start, f"unsupported modifier ({chs}) in substitution")
            try:
                word = self.stop_on("}", raw)[0]
            except LexError:
                if self.i >= n:
                    raise LexError(start, "syntax error: missing '}'") from None
                raise
            return "${" + name + chs + word + "}"
        if ch == "/":
            if s[self.i:self.i + 1] == "/":
                self.i += 1
            try:
                pattern = self.stop_on("/", True)[0]
            except LexError:
                if self.i >= n:
                    raise LexError(start, "syntax error: missing '/' in ${}") from None
                raise
            try:
                repl = self.stop_on("}", True)[0]
            except LexError:
                if self.i >= n:
                    raise LexError(start, "syntax error: missing '}'") from None
                raise
            return "${" + name + "/" + pattern + "/" + repl + "}"
        raise LexError(start, f"unsupported modifier ({chs}) in substitution")


def heredoc_name(word: str) -> tuple[bool, bool, str] | None:
    """(strip tabs, quoted, name) if BuildKit takes `word` for a heredoc marker, else None.
    Raises LexError for a word its lexer cannot read."""
    m = HEREDOC_WORD_RE.match(word)
    if not m or not m.group(3):
        return None
    rest = m.group(3)
    plain = Lex(rest, raw_quotes=False, raw_escapes=False).words()
    if len(plain) != 1:
        return None
    with_quotes = Lex(rest, raw_quotes=True, raw_escapes=False).words()
    name = plain[0][2]
    return m.group(2) == "-", _count_quotes(name) != _count_quotes(with_quotes[0][2]), name


def is_heredoc_word(word: str) -> bool:
    try:
        return heredoc_name(word) is not None
    except LexError:
        return False


def _count_quotes(s: str) -> int:
    return s.count("'") + s.count('"')


def csv_fields(value: str) -> list[str]:
    """The fields of a --mount value, one CSV record as BuildKit reads it (quotes only
    around a whole field, `""` inside them; no bare quote elsewhere)."""
    if '"' not in value:
        return value.split(",") if value else _empty_csv()
    if not value:
        _empty_csv()
    fields = []
    i, n = 0, len(value)
    while True:
        if i >= n or value[i] != '"':
            j = value.find(",", i)
            field = value[i:] if j == -1 else value[i:j]
            if '"' in field:
                raise ValueError('bare " in non-quoted-field')
            fields.append(field)
            if j == -1:
                return fields
            i = j + 1
            continue
        i += 1
        parts = []
        while True:
            j = value.find('"', i)
            if j == -1:
                raise ValueError('extraneous or missing " in quoted-field')
            parts.append(value[i:j])
            i = j + 1
            nxt = value[i:i + 1]
            if nxt == '"':
                parts.append('"')
                i += 1
                continue
            if nxt == ",":
                fields.append("".join(parts))
                i += 1
                break
            if not nxt:
                fields.append("".join(parts))
                return fields
            raise ValueError('extraneous or missing " in quoted-field')


def _empty_csv():
    raise ValueError("EOF")


_GO_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")


def ram_in_bytes(size: str) -> bool:
    """Would docker/go-units RAMInBytes (a tmpfs mount's size) accept `size`?"""
    sep = max(size.rfind(c) for c in "0123456789. ")
    if sep == -1:
        return False
    num, sfx = (size[:sep + 1], size[sep + 1:]) if size[sep] != " " else (size[:sep], size[sep + 1:])
    if not _GO_FLOAT_RE.match(num) or float(num) < 0:
        return False
    if not sfx:
        return True
    sfx = sfx.lower()
    if len(sfx) > 3:
        return False
    if sfx[0] == "b":
        return len(sfx) == 1
    if sfx[0] not in "kmgtp":
        return False
    return len(sfx) == 1 or (len(sfx) == 2 and sfx[1] == "b") or sfx[1:] == "ib"


def parse_uint(s: str, base: int) -> bool:
    """Go's strconv.ParseUint(s, base, 32) accepts `s`."""
    digits = "01234567" if base == 8 else "0123456789"
    if not s or any(c not in digits for c in s):
        return False
    return int(s, base) < 1 << 32


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                   "h": 3600.0}
_DURATION_PART_RE = re.compile(r"(\d*)(\.\d*)?([^\d.]*)")


def go_duration(s: str) -> tuple[float, str | None]:
    """Go's time.ParseDuration: (seconds, None), or (0, its error without the "time: ")."""
    quoted = go_quote(s)
    t = s[1:] if s[:1] in "+-" else s
    sign = -1.0 if s[:1] == "-" else 1.0
    if t == "0":
        return 0.0, None
    if not t:
        return 0.0, f"invalid duration {quoted}"
    total, i = 0.0, 0
    while i < len(t):
        m = _DURATION_PART_RE.match(t, i)
        whole, frac, unit = m.group(1), m.group(2) or "", m.group(3)
        if not whole and frac in ("", "."):
            return 0.0, f"invalid duration {quoted}"
        if not unit:
            return 0.0, f"missing unit in duration {quoted}"
        if unit not in _DURATION_UNITS:
            return 0.0, f"unknown unit {go_quote(unit)} in duration {quoted}"
        total += float((whole or "0") + (frac if frac != "." else "")) * _DURATION_UNITS[unit]
        i = m.end()
    return sign * total, None


def posix_clean(p: str) -> str:
    """Go's path.Clean, enough to tell whether a path is the root."""
    out = posixpath.normpath(p)
    return "/" if out.startswith("//") and out.strip("/") == "" else out


def go_quote(s: str) -> str:
    """A string as Go's %q prints it (enough for messages)."""
    return json.dumps(s, ensure_ascii=False)
