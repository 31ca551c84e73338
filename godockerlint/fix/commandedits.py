"""Edits inside RUN commands: removing or inserting words of a go command, removing a command.

Built from the spans the analysis already knows (words and commands of a RUN);
nothing here parses text."""

from __future__ import annotations

from godockerlint.core.findings import Edit

# operators after which a command can be dropped without changing what the others do
SEQUENCE_OPERATORS = frozenset({"&&", ";", "\n"})


def word_span(facts, gc, word):
    """The file span of a word of a go command, or None when it does not hold the word as written
    (offsets that cannot be trusted, e.g. a heredoc body read with other line endings)."""
    span = facts.word_span(gc, word)
    text = facts.dockerfile.text
    return span if text[span.start:span.end] == word.raw else None


def words_in_place(facts, gc) -> bool:
    """Does the file hold every word of the go command where the analysis says (not so in a `<<-`
    heredoc body, its tabs stripped)? An edit at the command's offsets is safe only then."""
    words, ins = gc.words, gc.instruction
    at = gc.run.command_at(gc.command)
    if words and at is not None and not at[1] and gc.command.nested_in is None:
        # one slice instead of a span per word: where the file holds the command's text unbroken
        # (no continuation inside: the same length), each word sits at its offset in it
        args, a, b = ins.args, words[0].start, words[-1].end
        start, end = ins.text_offset(a), ins.text_offset(max(b - 1, a)) + 1
        if end - start == b - a and facts.dockerfile.text[start:end] == args[a:b] and all(
                args[w.start:w.end] == w.raw for w in words):
            return True
    return None not in _word_spans(facts, gc)


def _word_spans(facts, gc):
    return [word_span(facts, gc, w) for w in gc.words]


def remove_words(facts, gc, first: int, count: int = 1) -> Edit | None:
    """Remove `count` words of `gc.words` from index `first`, with the blank that separates them."""
    spans = _word_spans(facts, gc)
    last = first + count - 1
    if first <= 0 or last >= len(spans) or None in spans:
        return None
    if last + 1 < len(spans):
        return Edit(spans[first].start, spans[last + 1].start, "")
    return Edit(spans[first - 1].end, spans[last].end, "")


def insert_words_after(facts, gc, index: int, text: str) -> Edit | None:
    """Insert `text` (one or more words) after word `index` of the go command, blank-separated."""
    span = word_span(facts, gc, gc.words[index])
    if span is None:
        return None
    return Edit(span.end, span.end, " " + text)


def insert_before_word(facts, gc, index: int, text: str) -> Edit | None:
    """Insert `text` just before word `index` of the go command (e.g. an env prefix before `go`)."""
    span = word_span(facts, gc, gc.words[index])
    if span is None:
        return None
    return Edit(span.start, span.start, text)


def remove_command(facts, run, cmd) -> Edit | None:
    """Remove one simple command from a RUN's command list, with the operator that joins it.

    None when it cannot be done without changing the other commands' meaning (a
    pipeline, `||`, a command nested in `sh -c`)."""
    entries = [(c, b, h) for c, b, h in run.commands if c.nested_in is None]
    idx = next((i for i, (c, _, _) in enumerate(entries) if c is cmd), None)
    if idx is None:
        return None
    c, base, heredoc = entries[idx]
    span = facts.command_span(run, c.start, c.end, base, heredoc)
    text = facts.dockerfile.text
    for cc, cb, ch in entries[max(idx - 1, 0): idx + 2]:
        first = (cc.assignments or cc.words)[0].raw
        if not text.startswith(first, facts.command_span(run, cc.start, cc.end, cb, ch).start):
            return None  # offsets that cannot be trusted
    if idx > 0:
        prev, pb, ph = entries[idx - 1]
        if c.separator not in SEQUENCE_OPERATORS or ph != heredoc:
            return None
        if idx + 1 < len(entries) and entries[idx + 1][0].separator not in SEQUENCE_OPERATORS | {""}:
            return None
        pspan = facts.command_span(run, prev.start, prev.end, pb, ph)
        return Edit(pspan.end, span.end, "")
    if idx + 1 < len(entries):
        nxt, nb, nh = entries[idx + 1]
        if nxt.separator not in SEQUENCE_OPERATORS or nh != heredoc:
            return None
        nspan = facts.command_span(run, nxt.start, nxt.end, nb, nh)
        return Edit(span.start, nspan.start, "")
    return None  # the only command: delete the instruction instead
