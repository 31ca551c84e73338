"""`godockerlint lsp`: the language server an editor starts (stdio), built on pygls and lsprotocol.

What it does, per open Dockerfile (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`,
`Containerfile*`, or any document the client marks as `dockerfile`):

- diagnostics on open and save at once, on change after a short pause (debounced, on the unsaved
  text), from the same engine, config (the nearest `.godockerlint.yaml`, found as the CLI finds it)
  and build context (the document's folder, or the `context` setting) as `godockerlint FILE`;
- code actions: a quick fix per fixable finding (each one checked as `--fix` checks it: it must
  parse and add no error), unsafe fixes as separate actions titled "(unsafe: ...)",
  `source.fixAll.godockerlint` (every safe fix to a fixpoint: the text `--fix` writes), and
  "Ignore GDLxxx for this instruction" (an inline ignore comment);
- hover on a finding: the rule's documentation; completion of rule IDs in ignore comments;
- a change of a config file (watched, or saved in the editor) or of the client's settings reloads
  the config and re-lints every open document.

Client settings (initializationOptions, or `workspace/didChangeConfiguration` under
`godockerlint`): `context` (build context folder), `config` (a config file for every document),
`debounce` (milliseconds, default 300).

Nothing a client sends ends the server but `shutdown`/`exit` (or closing its input): a handler
that fails logs one line to the client and the server goes on. pygls and lsprotocol come with the
`lsp` extra; the lint path never imports this module.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from godockerlint import __version__
from godockerlint.lint.config import CONFIG_NAMES, CliOverrides, ConfigError, ConfigResolver
from godockerlint.lint.discovery import is_dockerfile_name
from godockerlint.core.findings import SAFE, Severity

SOURCE = "godockerlint"
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.godockerlint"
DEFAULT_DEBOUNCE_MS = 300
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
# the text before the cursor inside an ignore comment: `# godockerlint [global|stage] ignore=GDL1,`
IGNORE_PREFIX_RE = re.compile(r"^\s*#\s*godockerlint\s+(?:(?:global|stage)\s+)?ignore\s*=\s*[A-Za-z0-9_,\s]*$", re.I)
IGNORE_LINE_RE = re.compile(r"^(\s*#\s*godockerlint\s+ignore\s*=\s*)([A-Za-z0-9_,\s]*?)(\s*(?:#.*)?)$", re.I)


class Linted:
    """One lint of one document version: its findings and what mapping them back needs."""

    __slots__ = ("version", "text", "findings", "settings", "context", "path", "problem")

    def __init__(self, version, text, findings, settings, context, path, problem=None) -> None:
        self.version = version
        self.text = text  # the document text linted (a leading BOM removed)
        self.findings = findings
        self.settings = settings
        self.context = context
        self.path = path  # the name findings carry
        self.problem = problem  # why the document could not be linted (a broken config), or None


class Server(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.options: dict = {}
        self.resolver = self._resolver()
        self.linted: dict[str, Linted] = {}  # uri -> last lint
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.dockerfiles: set[str] = set()  # uris of the open documents we lint
        self.shown: set[str] = set()  # config errors already shown in a message box

    # --- settings --------------------------------------------------------------------------

    def configure(self, options) -> None:
        if isinstance(options, dict):
            options = options.get("godockerlint", options)
        self.options = dict(options) if isinstance(options, dict) else {}
        self.resolver = self._resolver()

    def _resolver(self) -> ConfigResolver:
        context, config = self.options.get("context"), self.options.get("config")
        overrides = CliOverrides(context=Path(context).expanduser() if context else None)
        return ConfigResolver(overrides, Path(config).expanduser() if config else None)

    @property
    def debounce(self) -> float:
        try:
            return max(0.0, float(self.options.get("debounce", DEFAULT_DEBOUNCE_MS))) / 1000
        except (TypeError, ValueError):
            return DEFAULT_DEBOUNCE_MS / 1000

    def log(self, message: str, kind=types.MessageType.Warning) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=f"{SOURCE}: {message}"))
        except Exception:  # the client is gone: nothing left to tell
            pass

    # --- linting ---------------------------------------------------------------------------

    def is_dockerfile(self, doc) -> bool:
        if (doc.language_id or "").lower() == "dockerfile":
            return True
        path = to_fs_path(doc.uri) or doc.uri
        return is_dockerfile_name(Path(path).name)

    def schedule(self, uri: str, delay: float) -> None:
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if delay <= 0:
            self.lint_and_publish(uri)
            return
        self.timers[uri] = asyncio.get_running_loop().call_later(delay, self.lint_and_publish, uri)

    def lint_and_publish(self, uri: str) -> None:
        self.timers.pop(uri, None)
        try:
            if uri not in self.dockerfiles:
                return
            doc = self.workspace.get_text_document(uri)
            linted = self.lint(doc)
            diagnostics = [self.diagnostic(doc, linted, i, f) for i, f in enumerate(linted.findings)]
            if linted.problem:  # shown where the user looks, until the config is right again
                start = types.Position(line=0, character=0)
                diagnostics.append(types.Diagnostic(
                    range=types.Range(start=start, end=start), severity=types.DiagnosticSeverity.Error,
                    source=SOURCE, message=f"not linted: {linted.problem}"))
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version))
        except Exception as exc:  # never let one document end the server
            self.log(f"{uri}: could not lint: {type(exc).__name__}: {exc}", types.MessageType.Error)

    def lint(self, doc) -> Linted:
        from godockerlint.lint.engine import MAX_FILE_BYTES, _default_context, lint_bytes

        fs_path = to_fs_path(doc.uri)
        path = fs_path or doc.uri
        text = doc.source
        if text.startswith("\ufeff"):
            text = text[1:]
        folder = Path(fs_path).parent if fs_path else Path.cwd()
        try:
            settings = self.resolver.settings_for(folder)
        except ConfigError as exc:
            self.log(str(exc), types.MessageType.Error)
            self.show_message_once(str(exc))
            return Linted(doc.version, text, [], None, None, path, problem=str(exc))
        data = text.encode("utf-8", errors="surrogatepass")
        if len(data) > MAX_FILE_BYTES:
            return Linted(doc.version, text, [], None, None, path,
                          problem=f"larger than {MAX_FILE_BYTES // 1024} KiB")
        context = _default_context(fs_path, settings) if fs_path else (
            Path(settings.context) if settings.context else None)
        result = lint_bytes(data, path, settings, context_dir=context)
        for message in getattr(result, "errors", ()):
            self.log(message, types.MessageType.Error)
        self.linted[doc.uri] = linted = Linted(doc.version, text, list(result), settings, context, path)
        return linted

    def show_message_once(self, message: str) -> None:
        if message in self.shown:
            return
        self.shown.add(message)
        try:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
        except Exception:
            pass

    def relint_all(self) -> None:
        self.resolver = self._resolver()
        for uri in list(self.dockerfiles):
            self.schedule(uri, 0)

    # --- positions -------------------------------------------------------------------------

    def position(self, doc, line: int, column: int) -> types.Position:
        """A finding's 1-based (line, column in characters) as a client position."""
        line0, col0 = max(line - 1, 0), max(column - 1, 0)
        if line0 == 0 and doc.source.startswith("\ufeff"):
            col0 += 1
        lines = doc.lines
        if line0 >= len(lines):
            return types.Position(line=len(lines), character=0)
        return self.workspace.position_codec.position_to_client_units(
            lines, types.Position(line=line0, character=col0))

    def range(self, doc, line, column, end_line, end_column) -> types.Range:
        return types.Range(start=self.position(doc, line, column), end=self.position(doc, end_line, end_column))

    def offset_position(self, doc, linted: Linted, offset: int) -> types.Position:
        from godockerlint.parse.model import LineIndex

        line, column = LineIndex(linted.text).position(offset)
        return self.position(doc, line, column)

    def diagnostic(self, doc, linted: Linted, index: int, f) -> types.Diagnostic:
        related = []
        uri = doc.uri
        for r in getattr(f, "related", ()) or ():
            related.append(types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri, range=self.range(doc, r.line, r.column, r.end_line, r.end_column)),
                message=r.message))
        return types.Diagnostic(
            range=self.range(doc, f.line, f.column, f.end_line, f.end_column),
            severity=SEVERITIES.get(f.severity, types.DiagnosticSeverity.Warning),
            code=f.code,
            code_description=types.CodeDescription(href=f.url) if f.url else None,
            source=SOURCE,
            message=f.message,
            related_information=related or None,
            data={"index": index, "version": linted.version},
        )

    # --- code actions ----------------------------------------------------------------------

    def current(self, doc) -> Linted:
        """The lint of the document as it is now (linted again if it changed since)."""
        linted = self.linted.get(doc.uri)
        text = doc.source[1:] if doc.source.startswith("\ufeff") else doc.source
        if linted is None or linted.text != text:
            linted = self.lint(doc)
        return linted

    def code_actions(self, params: types.CodeActionParams):
        doc = self.workspace.get_text_document(params.text_document.uri)
        if doc.uri not in self.dockerfiles:
            return []
        linted = self.current(doc)
        only = params.context.only
        actions = []
        want_quickfix = not only or any(k.startswith(types.CodeActionKind.QuickFix.value) for k in only)
        want_fix_all = only and any(FIX_ALL.startswith(k) or k.startswith(FIX_ALL) for k in only) \
            or not only
        if want_quickfix:
            for i, f in self.findings_in(doc, linted, params.range):
                actions.extend(self.fix_actions(doc, linted, i, f))
                ignore = self.ignore_action(doc, linted, i, f)
                if ignore is not None:
                    actions.append(ignore)
        if want_fix_all and linted.settings is not None:
            action = self.fix_all_action(doc, linted)
            if action is not None:
                actions.append(action)
        return actions

    def findings_in(self, doc, linted: Linted, rng: types.Range):
        for i, f in enumerate(linted.findings):
            r = self.range(doc, f.line, f.column, f.end_line, f.end_column)
            if _before(r.end, rng.start) or _before(rng.end, r.start):
                continue
            yield i, f

    def fix_actions(self, doc, linted: Linted, index: int, f) -> list:
        if f.fix is None or linted.settings is None:
            return []
        from godockerlint.fix.fixer import check_fix

        reason = check_fix(linted.text, linted.path, f, linted.settings, linted.context)
        if reason is not None:
            self.log(f"{f.file}:{f.line}: no quick fix for {f.code}: {reason}", types.MessageType.Info)
            return []
        what = f.fix.message or "apply the fix"
        if f.fix.applicability == SAFE:
            title = f"Fix {f.code}: {what}"
        else:
            title = f"Fix {f.code} (unsafe: {what})"
        edits = [types.TextEdit(range=types.Range(start=self.offset_position(doc, linted, e.start),
                                                  end=self.offset_position(doc, linted, e.end)),
                                new_text=e.text)
                 for e in f.fix.edits]
        return [types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[self.diagnostic(doc, linted, index, f)],
            is_preferred=f.fix.applicability == SAFE,
            edit=types.WorkspaceEdit(changes={doc.uri: edits}))]

    def fix_all_action(self, doc, linted: Linted):
        from godockerlint.fix.fixer import fix_bytes

        outcome = fix_bytes(linted.text.encode("utf-8", errors="surrogatepass"), linted.path, linted.settings,
                            context_dir=linted.context, unsafe=False)
        if not outcome.changed:
            return None
        return types.CodeAction(
            title=f"Fix all safely fixable godockerlint problems ({outcome.fixed})",
            kind=FIX_ALL,
            edit=types.WorkspaceEdit(changes={doc.uri: [self.whole_document_edit(doc, outcome.text)]}))

    def whole_document_edit(self, doc, text: str) -> types.TextEdit:
        lines = doc.lines
        start_col = 1 if doc.source.startswith("\ufeff") else 0
        end = types.Position(line=len(lines), character=0)
        return types.TextEdit(range=types.Range(start=types.Position(line=0, character=start_col), end=end),
                              new_text=text)

    def ignore_action(self, doc, linted: Linted, index: int, f):
        from godockerlint.parse.parser import ParseError, parse

        if f.code == "GDL001":
            return None
        try:
            df = parse(linted.text, linted.path)
        except ParseError:
            return None
        ins = next((i for i in df.instructions if i.span.line <= f.line <= i.span.end_line), None)
        if ins is None:
            return None
        text_lines = linted.text.splitlines(True)
        first = ins.span.line  # 1-based
        newline = "\r\n" if text_lines and text_lines[first - 1].endswith("\r\n") else "\n"
        above = text_lines[first - 2] if first >= 2 else ""
        m = IGNORE_LINE_RE.match(above.rstrip("\r\n"))
        if m:  # an ignore comment already silences this instruction: add the code to it
            codes = [c.strip() for c in m.group(2).split(",") if c.strip()]
            if f.code in (c.upper() for c in codes):
                return None
            new_line = m.group(1) + ",".join([*codes, f.code]) + m.group(3)
            rng = types.Range(start=self.position(doc, first - 1, 1),
                              end=self.position(doc, first - 1, len(above.rstrip("\r\n")) + 1))
            edit = types.TextEdit(range=rng, new_text=new_line)
        else:
            line_text = text_lines[first - 1]
            indent = line_text[:len(line_text) - len(line_text.lstrip(" \t"))]
            pos = self.position(doc, first, 1)
            edit = types.TextEdit(range=types.Range(start=pos, end=pos),
                                  new_text=f"{indent}# godockerlint ignore={f.code}{newline}")
        return types.CodeAction(title=f"Ignore {f.code} for this instruction", kind=types.CodeActionKind.QuickFix,
                                diagnostics=[self.diagnostic(doc, linted, index, f)],
                                edit=types.WorkspaceEdit(changes={doc.uri: [edit]}))

    # --- hover and completion --------------------------------------------------------------

    def hover(self, params: types.HoverParams):
        doc = self.workspace.get_text_document(params.text_document.uri)
        if doc.uri not in self.dockerfiles:
            return None
        linted = self.current(doc)
        pos = params.position
        for _, f in self.findings_in(doc, linted, types.Range(start=pos, end=pos)):
            text = rule_markdown(f.code)
            if text:
                return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                                   range=self.range(doc, f.line, f.column, f.end_line, f.end_column))
        return None

    def completion(self, params: types.CompletionParams):
        doc = self.workspace.get_text_document(params.text_document.uri)
        line = doc.lines[params.position.line] if params.position.line < len(doc.lines) else ""
        pos = self.workspace.position_codec.position_from_client_units(doc.lines, params.position) \
            if line else params.position
        before = line[:pos.character]
        if not IGNORE_PREFIX_RE.match(before):
            return None
        from godockerlint.lint.rule import load_rules

        typed = re.split(r"[=,\s]", before)[-1].upper()
        items = []
        for rule in load_rules().values():
            if rule.code == "GDL001" or not rule.code.startswith(typed):
                continue
            items.append(types.CompletionItem(
                label=rule.code, kind=types.CompletionItemKind.Value, detail=rule.name,
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=rule.summary)))
        return types.CompletionList(is_incomplete=False, items=items)


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def rule_markdown(code: str) -> str | None:
    """A rule's documentation as hover text: the same text `godockerlint --explain` prints."""
    from godockerlint.lint.rule import load_rules
    from godockerlint.report.ruletable import explain, fix_label

    rule = load_rules().get(code)
    if rule is None:
        return None
    text = f"**{rule.code}** `{rule.name}` ({rule.severity.label}, {fix_label(rule)})\n\n{explain(rule)}"
    if rule.url:
        text += f"\n[Documentation]({rule.url})\n"
    return text


def is_config(uri: str) -> bool:
    path = to_fs_path(uri) or uri
    return Path(path).name in CONFIG_NAMES


def build_server() -> Server:
    server = Server()

    def guarded(fn):
        """Every handler: a failure is logged to the client, never fatal."""

        def handler(ls, params):
            try:
                return fn(ls, params)
            except Exception as exc:
                ls.log(f"{fn.__name__} failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
                return None

        handler.__name__ = fn.__name__
        return handler

    @server.feature(types.INITIALIZE)
    @guarded
    def initialize(ls: Server, params: types.InitializeParams):
        ls.configure(params.initialization_options or {})

    @server.feature(types.INITIALIZED)
    @guarded
    def initialized(ls: Server, params):
        caps = ls.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps else None
        if watched and watched.dynamic_registration:
            ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="godockerlint-config", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]))]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded
    def did_open(ls: Server, params: types.DidOpenTextDocumentParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)
        if ls.is_dockerfile(doc):
            ls.dockerfiles.add(doc.uri)
            ls.schedule(doc.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded
    def did_change(ls: Server, params: types.DidChangeTextDocumentParams):
        if params.text_document.uri in ls.dockerfiles:
            ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded
    def did_save(ls: Server, params: types.DidSaveTextDocumentParams):
        uri = params.text_document.uri
        if is_config(uri):
            ls.relint_all()
        elif uri in ls.dockerfiles:
            ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded
    def did_close(ls: Server, params: types.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        timer = ls.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        ls.linted.pop(uri, None)
        if uri in ls.dockerfiles:
            ls.dockerfiles.discard(uri)
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded
    def did_change_watched(ls: Server, params: types.DidChangeWatchedFilesParams):
        if any(is_config(change.uri) for change in params.changes):
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded
    def did_change_configuration(ls: Server, params: types.DidChangeConfigurationParams):
        if isinstance(params.settings, dict) and params.settings:
            ls.configure(params.settings)
        ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]))
    @guarded
    def code_action(ls: Server, params: types.CodeActionParams):
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded
    def hover(ls: Server, params: types.HoverParams):
        return ls.hover(params)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["=", ","]))
    @guarded
    def completion(ls: Server, params: types.CompletionParams):
        return ls.completion(params)

    return server


def serve() -> int:
    """Run the server on stdin/stdout until the client says exit (or closes the pipe)."""
    server = build_server()
    server.start_io(sys.stdin.buffer, sys.stdout.buffer)
    return 0
