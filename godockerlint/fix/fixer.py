"""The fix engine: applying edits, and the --fix loop that repeats them to a fixpoint.

The contract every fix keeps (the README's "Prove or refuse"; docs/architecture.md for the
build-stage fixes):

- A fix is offered only when godockerlint can establish, from the Dockerfile
  and the build context, that the fixed file builds whenever the original
  does and that the image behaves the same, apart from the change the fix
  states in its message (another base image, another user, cgo turned off
  where nothing needs it).
- When it cannot, the finding stays and carries no fix, and its message ends
  with "no fix: <why>" in one clause ("the binary's name of `go build` on
  line 4 is not known without go.mod", "its base is the stage 'base', which
  the move must not replace"), so a user knows what to do by hand.
- `safe` fixes never change what the image does at run time; `unsafe` means
  "changes behaviour in the stated way", never "may not build".

Rules decide whether a fix is proven (with the analysis' facts, e.g.
`Facts.final_needs`); this module only applies what they offer, and refuses
again what turns out bad when applied: `apply_edits` applies non-overlapping
edits to a text. `fix_bytes` lints a file, applies every applicable fix whose
edits do not overlap, re-parses and re-lints the result, and repeats until no
applicable fix is left (at most MAX_PASSES passes). A fix whose result does
not parse, or that adds an error-level finding, is dropped with a one-line
message. A fix may be "exclusive" (the whole-file rewrite): it is then applied
alone in its pass.
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right, insort
from collections import Counter

from godockerlint.core.findings import SAFE, UNSAFE, Edit, Severity
from godockerlint.core.record import Record


class OverlapError(ValueError):
    pass


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Apply non-overlapping edits. Inserts at the same offset keep their given order."""
    ordered = sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end, p[0]))
    out: list[str] = []
    pos = 0
    for _, e in ordered:
        if e.start < pos:
            raise OverlapError(f"edit at {e.start} overlaps an earlier edit ending at {pos}")
        out.append(text[pos:e.start])
        out.append(e.text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def select_non_overlapping(fixes) -> list:
    """Greedy choice of fixes whose edits do not overlap (in the given order)."""
    taken = _Taken()
    chosen = []
    for fix in fixes:
        spans = [(e.start, e.end) for e in fix.edits]
        if taken.conflicts(spans):
            continue
        chosen.append(fix)
        taken.add(spans)
    return chosen


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a[0] == a[1] or b[0] == b[1]:  # insertions conflict only strictly inside a replaced span
        return b[0] < a[0] < b[1] or a[0] < b[0] < a[1]
    return a[0] < b[1] and b[0] < a[1]


class _Taken:
    """The edit spans of the fixes chosen so far. `conflicts(spans)` answers
    `any(_overlaps(s, t) for s in spans for t in taken)` by bisection (a pass may hold
    thousands of fixes: a scan would cost O(fixes²)) while the chosen replaced spans are
    disjoint, which they are unless one fix's own edits overlap (then: the scan)."""

    __slots__ = ("starts", "ends", "points", "every", "disjoint")

    def __init__(self) -> None:
        self.starts: list[int] = []  # the replaced (non-empty) spans, sorted: starts and ends
        self.ends: list[int] = []
        self.points: list[int] = []  # the insertion offsets, sorted
        self.every: list[tuple[int, int]] = []
        self.disjoint = True

    def conflicts(self, spans) -> bool:
        if not self.disjoint:
            return any(_overlaps(s, t) for s in spans for t in self.every)
        return any(self._replaced_hit(a, b) or a != b and self._point_inside(a, b) for a, b in spans)

    def _replaced_hit(self, a: int, b: int) -> bool:
        """Does (a, b) conflict with a replaced span? Disjoint spans sorted by start have sorted
        ends: only the last one starting before b (before or at a, for an insertion) can."""
        if a == b:
            k = bisect_left(self.starts, a)
            return k > 0 and self.ends[k - 1] > a
        k = bisect_left(self.starts, b)
        return k > 0 and self.ends[k - 1] > a

    def _point_inside(self, a: int, b: int) -> bool:
        i = bisect_right(self.points, a)
        return i < len(self.points) and self.points[i] < b

    def add(self, spans) -> None:
        self.every.extend(spans)
        for a, b in spans:
            if a == b:
                insort(self.points, a)
            elif self.disjoint:
                if self._replaced_hit(a, b):
                    self.disjoint = False
                    continue
                k = bisect_left(self.starts, a)
                self.starts.insert(k, a)
                self.ends.insert(k, b)


# -- the --fix loop ------------------------------------------------------------------

MAX_PASSES = 10


class FixLoopWarning(UserWarning):
    """A fix applied in one pass came back in the next: a rule whose fix does not settle what it
    reports (a bug). The loop still ends (MAX_PASSES, or a text seen before); the test suite turns
    this warning into an error."""


class FixOutcome(Record):
    """What fixing one file did. `text` is None when the file did not parse (nothing was fixed)."""

    __slots__ = ("path", "original", "text", "bom", "fixed", "remaining", "dropped", "errors", "passes", "unsafe",
                 "refired", "secret_set")
    _no_repr = _no_compare = ("secret_set",)

    def __init__(self, path: str, original: str | None, text: str | None, bom: bool, fixed: int = 0,
                 remaining: list | None = None, dropped: list[str] | None = None, errors: list[str] | None = None,
                 passes: list[tuple[str, tuple[Edit, ...]]] | None = None, unsafe: bool = False,
                 refired: list[str] | None = None, secret_set: set[str] | None = None) -> None:
        self.path = path
        self.original = original
        self.text = text
        self.bom = bom
        self.fixed = fixed  # fixes applied, over every pass
        self.remaining = [] if remaining is None else remaining  # findings of the fixed text
        self.dropped = [] if dropped is None else dropped  # one line per refused fix
        self.errors = [] if errors is None else errors  # rule failures while linting the result
        self.passes = [] if passes is None else passes  # (text before, edits applied)
        self.unsafe = unsafe
        self.refired = [] if refired is None else refired  # "GDLxxx: <fix>" applied in two passes in a row
        self.secret_set = secret_set  # secrets(), worked out by fix_bytes from the analyses it already made

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original

    def data(self) -> bytes:
        from godockerlint.fix.writer import encode

        return encode(self.text if self.text is not None else (self.original or ""), self.bom)

    def remaining_result(self):
        """The remaining findings as an engine LintResult (with the rule failures)."""
        from godockerlint.lint.engine import LintResult

        return LintResult(self.remaining, self.errors)

    def secrets(self) -> set[str]:
        """The secret values written in the file, before and after fixing: what a diff must mask."""
        if self.secret_set is not None:
            return set(self.secret_set)
        from godockerlint.analysis.facts import Facts
        from godockerlint.parse.parser import ParseError, parse
        from godockerlint.analysis.secrets import secret_values

        out: set[str] = set()
        for text in {self.original, self.text} - {None}:
            try:
                out |= secret_values(Facts(parse(text, self.path)))
            except ParseError:
                pass
        return out

    @property
    def need_unsafe(self) -> int:
        """Remaining findings whose fix only --unsafe-fixes would apply."""
        if self.unsafe:
            return 0
        return sum(1 for f in self.remaining if f.fix is not None and f.fix.applicability == UNSAFE)


def fix_bytes(data: bytes, path: str, settings, *, context_dir=None, unsafe: bool = False,
              max_passes: int = MAX_PASSES) -> FixOutcome:
    """See _fix_bytes; the cyclic garbage collector is paused meanwhile (as lint_model does: the
    models and facts of every pass live until the pass ends, and collections free nothing)."""
    import gc

    if not gc.isenabled():
        return _fix_bytes(data, path, settings, context_dir=context_dir, unsafe=unsafe, max_passes=max_passes)
    gc.disable()
    try:
        return _fix_bytes(data, path, settings, context_dir=context_dir, unsafe=unsafe, max_passes=max_passes)
    finally:
        gc.enable()


def _fix_bytes(data: bytes, path: str, settings, *, context_dir=None, unsafe: bool = False,
               max_passes: int = MAX_PASSES) -> FixOutcome:
    """Apply the safe (and with `unsafe`, the unsafe) fixes of one file until nothing is left to fix.

    Each pass applies the fixes whose edits do not overlap, re-parses and re-lints.
    A fix whose result does not parse, or raises the count of error-level findings
    of some rule, is dropped (reported in `dropped` if its finding remains) and not tried
    again until another fix has changed the text.
    Never raises on bad content: a file that does not parse comes back unfixed.
    """
    from godockerlint.lint.engine import lint_model, parse_error_finding
    from godockerlint.parse.parser import ParseError, parse_bytes

    try:
        df = parse_bytes(data, path)
    except ParseError as exc:
        return FixOutcome(path, None, None, data.startswith(b"\xef\xbb\xbf"),
                          remaining=[parse_error_finding(exc, path)], unsafe=unsafe)
    loop = _FixLoop(settings, context_dir, unsafe, path)
    findings = lint_model(df, settings, context_dir)
    out = FixOutcome(path, df.text, df.text, df.bom, unsafe=unsafe)
    first_findings = findings
    seen_texts = {df.text}
    last_applied: set = set()
    last_counts: Counter = Counter()
    for _ in range(max_passes):
        candidates = loop.candidates(findings)
        if not candidates:
            break
        step = loop.one_pass(df, findings, candidates)
        if step is None:
            break
        new_df, new_findings, applied, edits = step
        here = {(sig, line) for f in loop.last_batch for sig in (_signature(f),)  # once per fix, not per line
                for line in _lines(df, f.fix.edits)}
        counts = Counter(_signature(f) for f in findings if f.fix is not None)
        # the same fix where the last pass applied it, and no fewer of them than before: it came back
        # (`go clean -modcache && go clean -modcache` loses one per pass: not a re-fire)
        for sig in sorted({sig for sig, _ in here & last_applied if counts[sig] >= last_counts[sig]}):
            note = f"{path}: the {sig[0]} fix ({sig[1]}) was applied again in the next pass"
            out.refired.append(note)
            warnings.warn(note, FixLoopWarning, stacklevel=2)
        # where those edits landed in the new text: the same fix there next pass is a re-fire
        shifts = _Shifts(edits)
        last_applied = {(sig, line) for f in loop.last_batch for sig in (_signature(f),)
                        for line in _landed_lines(new_df, shifts, f.fix.edits)}
        last_counts = counts
        out.passes.append((df.text, edits))
        out.fixed += applied
        df, findings = new_df, new_findings
        loop.refused.clear()  # a fix refused on the old text may apply to the new one: fixing twice = once
        if df.text in seen_texts:  # fixes that undo each other: stop here
            break
        seen_texts.add(df.text)
    out.text = df.text
    out.secret_set = _secrets_of(first_findings, out.original, path) | _secrets_of(findings, out.text, path)
    out.remaining = list(findings)
    left = {_key(f) for f in findings}
    out.dropped = [message for key, message in loop.drops.items() if key in left]  # still unfixed
    out.errors = list(getattr(findings, "errors", []))
    return out


def _secrets_of(findings, text: str, path: str) -> set[str]:
    """The secret values of the text `findings` were linted from: from lint_model's analysis of it
    (secrets do not depend on the build context, target or build arguments), else a fresh one."""
    from godockerlint.analysis.secrets import secret_values

    facts = getattr(findings, "facts", None)
    if facts is None or facts.dockerfile.text != text:
        from godockerlint.analysis.facts import Facts
        from godockerlint.parse.parser import parse

        facts = Facts(parse(text, path))
    return secret_values(facts)


def check_fix(text: str, path: str, finding, settings, context_dir=None) -> str | None:
    """Why `--fix` would refuse this finding's fix applied alone to `text` (one line), or None.

    The same checks as a pass of the fix loop: the edits apply, the result parses, and it adds
    no error-level finding. Used by the language server before it offers a quick fix.
    """
    from godockerlint.lint.engine import lint_model
    from godockerlint.parse.parser import ParseError, parse

    if finding.fix is None:
        return "the finding has no fix"
    try:
        df = parse(text, path)
    except ParseError as exc:
        return f"the file does not parse (line {exc.line}: {exc.message})"
    loop = _FixLoop(settings, context_dir, finding.fix.applicability == UNSAFE, path)
    result, why = loop.attempt(df, lint_model(df, settings, context_dir), [finding])
    return why if result is None else None


def _key(f) -> tuple:
    return (f.code, f.message)


def _lines(df, edits) -> set[int]:
    return {df.lines.position(e.start)[0] for e in edits}


def _landed_lines(new_df, shifts: "_Shifts", mine) -> set[int]:
    """The lines of the new text where the edits `mine` (some of the applied ones) start."""
    out = set()
    for e in mine:
        out.add(new_df.lines.position(min(e.start + shifts.before(e), len(new_df.text)))[0])
    return out


class _Shifts:
    """How far the applied edits move an edit `e`: the sum of len(o.text) - (o.end - o.start)
    over the applied o (not e itself) with o.end <= e.start, by bisection over prefix sums (a
    scan of every applied edit per edit was O(edits²) in a pass of thousands of fixes)."""

    __slots__ = ("ends", "sums", "ids")

    def __init__(self, applied) -> None:
        ordered = sorted(applied, key=lambda o: o.end)
        self.ends = [o.end for o in ordered]
        self.sums = [0]
        for o in ordered:
            self.sums.append(self.sums[-1] + len(o.text) - (o.end - o.start))
        self.ids = Counter(id(o) for o in applied)

    def before(self, e) -> int:
        shift = self.sums[bisect_right(self.ends, e.start)]
        if e.end <= e.start and id(e) in self.ids:  # an insertion counts itself above: it is not
            shift -= self.ids[id(e)] * (len(e.text) - (e.end - e.start))
        return shift


def _signature(f) -> tuple:
    """What a fix writes, wherever it writes it: the same signature in two passes in a row is a re-fire.
    (Its first edit's text and its edit count: O(1), a fix may hold an edit for every RUN of a stage.)"""
    edits = f.fix.edits
    return (f.code, f.fix.message, len(edits), edits[0].text if edits else "")


class _FixLoop:
    def __init__(self, settings, context_dir, unsafe: bool, path: str) -> None:
        self.settings = settings
        self.context_dir = context_dir
        self.unsafe = unsafe
        self.path = path
        self.refused: set[tuple] = set()
        self.drops: dict[tuple, str] = {}  # the last reason each fix was refused
        self.last_batch: list = []  # the findings whose fixes the last pass applied

    def candidates(self, findings) -> list:
        out = [f for f in findings
               if f.fix is not None and (f.fix.applicability == SAFE or self.unsafe) and _key(f) not in self.refused]
        # a whole-file rewrite goes first and alone: the other fixes re-appear on its result if still needed
        return sorted(out, key=lambda f: not getattr(f.fix, "exclusive", False))

    def one_pass(self, df, findings, candidates):
        """Apply a non-overlapping batch; (new df, findings, fixes applied, edits) or None when nothing applied."""
        batch = _batch(df, candidates)
        result, reason = self.attempt(df, findings, batch)
        if result is not None:
            self.last_batch = batch
            return (*result, len(batch), _edits_of(batch))
        # something in the batch is bad: try each fix alone, keep the good ones
        good = []
        for f in batch:
            res, why = self.attempt(df, findings, [f])
            if res is None:
                self.refuse(f, why)
            else:
                good.append(f)
        while good:
            result, reason = self.attempt(df, findings, good)
            if result is not None:
                self.last_batch = good
                return (*result, len(good), _edits_of(good))
            good = good[:1] if len(good) > 1 else []
        return None

    def refuse(self, f, why: str) -> None:
        self.refused.add(_key(f))
        what = f" ({f.fix.message})" if f.fix.message else ""
        self.drops[_key(f)] = f"{self.path}:{f.line}:{f.column}: dropped the {f.code} fix{what}: {why}"

    def attempt(self, df, findings, fixes):
        from godockerlint.lint.engine import lint_model
        from godockerlint.parse.parser import ParseError, parse

        try:
            edits = _edits_of(fixes)
            new = apply_edits(df.text, edits)
        except OverlapError as exc:
            return None, f"its edits overlap ({exc})"
        except Exception as exc:  # a fix that cannot even render must not stop the others
            return None, f"internal error while building it: {type(exc).__name__}: {exc}"
        if new == df.text:
            return None, "it changes nothing"
        try:
            new_df = parse(new, df.path, bom=df.bom)
        except ParseError as exc:
            return None, f"the result does not parse (line {exc.line}: {exc.message})"
        new_findings = lint_model(new_df, self.settings, self.context_dir)
        added = _error_counts(new_findings) - _error_counts(findings)
        if added:
            return None, "it introduces " + ", ".join(f"a new {code} error" for code in sorted(added))
        return (new_df, new_findings), None


def _batch(df, candidates) -> list:
    """The fixes of one pass: non-overlapping, and per stage at most one that changes the layout.

    A fix that inserts a dependency step ("changes" layout) changes which RUN is the
    first to download and which is the dependency step: another such fix, and the
    fixes whose place depends on that ("follows": ARG GOPROXY before the first
    download), wait for the next pass in that stage, which sees the new layout. Other
    instruction inserts (ARG TARGETARCH before a build) go in the same pass.
    """
    first = candidates[0]
    if getattr(first.fix, "exclusive", False):
        return [first]
    stage_starts = [st.from_instruction.span.start for st in df.stages]
    taken = _Taken()
    inserting_stages: set[int] = set()
    chosen = []
    # a layout-changing fix first: a fix that follows the layout must not take its stage's turn
    for f in sorted(candidates, key=lambda f: (getattr(f.fix, "layout", "") != "changes", _first_offset(f))):
        if getattr(f.fix, "exclusive", False):
            continue
        try:
            edits = f.fix.edits
        except Exception:
            chosen.append(f)  # its failure is reported by attempt()
            continue
        spans = [(e.start, e.end) for e in edits]
        if taken.conflicts(spans):
            continue
        layout = getattr(f.fix, "layout", "")
        stages = {bisect_right(stage_starts, e.start) for e in edits if _inserts_lines(e)} if layout else set()
        if stages & inserting_stages:
            continue
        inserting_stages |= stages
        chosen.append(f)
        taken.add(spans)
    return chosen


def _first_offset(f) -> int:
    """Where a fix acts first: its first inserted instruction, else its first edit.

    Instruction inserts are ordered by where they insert (a dependency step before
    the source COPY goes before an ARG inserted before a later RUN), not by
    another edit of the same fix (the ENV that GDL101 removes higher up)."""
    try:
        edits = f.fix.edits
    except Exception:
        return 0
    inserting = [e.start for e in edits if _inserts_lines(e)]
    return min(inserting or [e.start for e in edits] or [0])


def _inserts_lines(e: Edit) -> bool:
    return "\n" in e.text


def _edits_of(fixes) -> tuple[Edit, ...]:
    return tuple(e for f in fixes for e in f.fix.edits)


def _error_counts(findings) -> Counter:
    return Counter(f.code for f in findings if f.severity >= Severity.ERROR)


def diff_path(path: str) -> str:
    """The file's name in a diff header, after `a/` and `b/`: relative to the current folder
    (so `patch -p1` run there finds it), an absolute path inside it made relative, one outside
    it without its leading slash (`patch -p1` from /); always with forward slashes."""
    import os

    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            rel = None
        path = rel if rel is not None and rel != os.pardir and not rel.startswith(os.pardir + os.sep) else \
            os.path.splitdrive(path)[1].lstrip("/\\")
    return path.replace(os.sep, "/")


def unified_diff(path: str, before: str, after: str, bom: bool = False) -> str:
    """A unified diff (`--- a/path`, `+++ b/path`, see diff_path) with the file's own line endings
    kept, and its BOM on the first line when it has one (else a changed first line does not apply)."""
    import difflib

    name = diff_path(path)
    if bom:
        before, after = "\ufeff" + before, "\ufeff" + after
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{name}", tofile=f"b/{name}")
    out = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
