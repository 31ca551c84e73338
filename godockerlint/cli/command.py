"""The `godockerlint` command line."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

from godockerlint import __version__
from godockerlint.report import reporting
from godockerlint.lint.config import THRESHOLDS, CliOverrides, ConfigError, ConfigResolver, check_code
from godockerlint.lint.discovery import collect_targets
from godockerlint.cli.output import PROG, REDACT, error, say

FORMATS = reporting.FORMATS  # each is a module godockerlint.report.<name> with render()
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Command(click.Command):
    """Turns every failure into one line on stderr and an exit code, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            if sys.stdout is None:  # started with stdout closed (`>&-`): nothing can be reported
                raise _Unusable("stdout is closed: nowhere to print (redirect it to a file or /dev/null)")
            # (a reader that goes away, `| head`, ends the run quietly: click's EPIPE handling)
            code = super().main(args, prog_name or PROG, complete_var, standalone_mode=False, **extra)
        except _Unusable as exc:
            error(str(exc))
            code = EXIT_ERROR
        except click.exceptions.Abort:
            error("interrupted")
            code = 130
        except click.ClickException as exc:
            error(exc.format_message().rstrip(".") + f" (see '{PROG} --help')")
            code = EXIT_ERROR
        except Exception as exc:  # last resort: a bug must not show a traceback
            if os.environ.get("GODOCKERLINT_TRACEBACK"):
                raise
            error(f"internal error: {type(exc).__name__}: {exc}")
            code = EXIT_ERROR
        finally:
            gc.unfreeze()  # the report's freeze (cli): a caller in the same process collects them again
        code = code or 0
        if standalone_mode:
            sys.exit(code)
        return code


class _Unusable(Exception):
    """The run cannot start (stdout closed, the working folder deleted): one line, exit 2."""


def _cwd_or_none() -> Path | None:
    try:
        return Path(os.getcwd())
    except OSError:  # deleted while we were in it, or no longer searchable
        return None


def _needs_cwd(paths, stdin_filename, config_file, context, baseline_file, write_baseline, outputs) -> bool:
    """Whether a run uses a name relative to the working folder."""
    names = list(paths or ["."]) + [stdin_filename or "."] * ("-" in (paths or ())) + [
        str(p) for p in (config_file, context, baseline_file, write_baseline) if p is not None] + [
        str(p) for _, p in outputs if p is not None]
    return any(n != "-" and not os.path.isabs(n) for n in names)


def _codes(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> frozenset[str] | None:
    """`--select GDL1,GDL201 --select GDL4` -> {GDL1, GDL201, GDL4}; prefixes allowed."""
    if not values:
        return None
    codes = set()
    for value in values:
        for item in value.split(","):
            if item.strip():
                try:
                    codes.add(check_code(item, prefix=True))
                except ConfigError as exc:
                    raise click.BadParameter(exc.message, ctx, param) from None
    return frozenset(codes)


@click.command(cls=_Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), multiple=True,
              help="Report format, repeatable (several reports in one run).  [default: text]")
@click.option("-o", "--output", multiple=True, metavar="[FORMAT=]FILE",
              help="Write FORMAT's report to FILE (adds FORMAT to the run); a bare FILE takes the next "
                   "--format without an output. Repeatable. Default: stdout.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this config file for every Dockerfile (default: the nearest .godockerlint.yaml).")
@click.option("--select", multiple=True, metavar="CODES", callback=_codes,
              help="Only these rules (comma-separated codes or prefixes, e.g. GDL1,GDL201); replaces the config's select.")
@click.option("--ignore", multiple=True, metavar="CODES", callback=_codes,
              help="Skip these rules (codes or prefixes); adds to the config's ignore.")
@click.option("--failure-threshold", type=click.Choice(THRESHOLDS, case_sensitive=False),
              help="Exit 1 when a finding is at or above this level; none never fails on findings.  [default: info]")
@click.option("--context", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Build context folder (go.mod, .dockerignore...). Default: each Dockerfile's folder.")
@click.option("--target", metavar="STAGE", help="The stage to treat as final, as docker build --target.")
@click.option("--stdin-filename", metavar="NAME", help="Name of the file read from stdin (-): for reports and config discovery.")
@click.option("--no-color", is_flag=True, help="No colours (also when NO_COLOR is set, or stdout is not a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary line.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes in place; report what remains.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff, apply the unsafe fixes too (they may change what the image does).")
@click.option("--diff", is_flag=True,
              help="Print the fixes as a unified diff and write nothing; exit 1 when there is a diff.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are at or above the failure threshold.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Report and fail only on findings that are not in this baseline file.")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record every finding of this run in FILE (a baseline) and exit 0.")
@click.option("--statistics", is_flag=True, help="After the report, count the findings per rule.")
@click.option("--init", "init", is_flag=True,
              help="Write a commented .godockerlint.yaml (and add the hook to .pre-commit-config.yaml) and exit.")
@click.option("--force", is_flag=True, help="With --init, overwrite an existing .godockerlint.yaml.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--explain", metavar="ID", help="Print a rule's documentation and exit.")
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def cli(paths, fmt, output, config_file, select, ignore, failure_threshold, context, target, stdin_filename,
        no_color, quiet, fix, unsafe_fixes, diff, exit_zero, baseline_file, write_baseline, statistics, init,
        force, list_rules, explain) -> int:
    """Lint Dockerfiles that build Go programs.

    PATH is a Dockerfile, a folder (searched recursively for Dockerfile, Dockerfile.*, *.Dockerfile,
    *.dockerfile and Containerfile*, skipping .git, vendor and node_modules), or - for stdin.
    Without PATH, the current folder is searched. `godockerlint lsp` starts the language server
    (stdio) instead: to lint a file or folder named lsp, write ./lsp. A compose file (compose.yaml, compose.yml,
    docker-compose.yaml, docker-compose.yml), named or found in a folder, lints each service's
    Dockerfile with the service's build context, target and build args.

    With --fix, the fixed files are written in place (with - the fixed file goes to stdout and the
    report to stderr) and the report lists what remains; with --diff nothing is written.

    Exit status: 0 no finding at or above the failure threshold, 1 some, 2 usage, config or I/O error.
    After --fix the status is that of the findings that remain; with --diff, 1 when there is a diff.
    """
    REDACT.reset()
    if list_rules:
        click.echo(rules_table(), nl=False)
        return EXIT_OK
    if explain:
        return _explain(explain)
    if init:
        from godockerlint.cli.init import run_init

        if _cwd_or_none() is None:
            raise _Unusable("the current folder no longer exists: --init has nowhere to write")
        return run_init(Path.cwd(), force=force)
    if force:
        raise click.UsageError("--force needs --init")

    if unsafe_fixes and not (fix or diff):
        raise click.UsageError("--unsafe-fixes needs --fix or --diff")
    fixing = _FixMode(unsafe=unsafe_fixes, diff=diff) if (fix or diff) else None
    try:
        outputs = reporting.plan(fmt, output)
    except reporting.OutputError as exc:
        raise click.UsageError(str(exc)) from None
    cwd = _cwd_or_none()
    if cwd is None and _needs_cwd(paths, stdin_filename, config_file, context, baseline_file, write_baseline,
                                  outputs):
        raise _Unusable("the current folder no longer exists (deleted?): relative paths, `.` and - have "
                        "nothing to refer to; cd to a folder or give absolute paths")
    baseline = None
    if baseline_file is not None:
        from godockerlint.report.baseline import Baseline, BaselineError

        try:
            baseline = Baseline.load(baseline_file)
        except BaselineError as exc:
            error(str(exc))
            return EXIT_ERROR

    overrides = CliOverrides(select=select, ignore=ignore or frozenset(), failure_threshold=failure_threshold,
                             context=context, target=target)
    resolver = ConfigResolver(overrides, config_file)
    if config_file is not None:
        try:  # a bad explicit config stops the run before linting anything
            resolver.settings_for(cwd or config_file.parent)  # loads and caches it
        except ConfigError as exc:
            error(str(exc))
            return EXIT_ERROR

    targets, missing = collect_targets(paths or ["."], stdin_filename)
    if not targets and not missing:
        say(f"{PROG}: warning: no Dockerfiles found in {', '.join(paths or ['.'])}", err=True)
    run = _Run(resolver, fixing)
    for message in missing:
        run.fail(message)
    run.lint_all(targets)
    # the findings (and the facts their fixes hold) live until the report is written: the cyclic
    # collector's scans of them find nothing to free (80,000 findings of a 1 MiB file took 1.4 s
    # of collections while the text report sorted them). Unfrozen when the command ends.
    gc.freeze()

    # stdout carries the fixed file (stdin --fix) or the diff: the report goes to stderr then
    report_to_stderr = fixing is not None and (fixing.diff or fixing.stdout_used)
    stdout_fmt = next((name for name, path in outputs if path is None), None)  # None: every report to a file
    color = stdout_fmt is not None and not no_color and not os.environ.get("NO_COLOR") and (
        _isatty(sys.stderr) if report_to_stderr else _isatty(sys.stdout))
    findings, fails_threshold = run.findings, run.fails_threshold
    needs_sources = baseline is not None or write_baseline is not None or any(
        reporting.uses_sources(name) for name, _ in outputs)
    sources = run.sources() if needs_sources else None  # decoded texts, for fingerprints
    if baseline is not None:
        findings, known = baseline.split(findings, sources)
        fails_threshold = run.fails(findings)
        if known and not quiet:
            say(f"{PROG}: {_plural(len(known), 'finding')} in the baseline {baseline_file} not reported", err=True)
    # what the reports show: every finding with its texts masked (formatters stay pure)
    fixes_shown = any(reporting.shows_fixes(name) for name, _ in outputs)
    shown = {id(f): REDACT.finding(f, fixes_shown) for f in run.findings}
    findings = [shown.get(id(f)) or REDACT.finding(f, fixes_shown) for f in findings]
    write_failed = False
    if write_baseline is not None:
        from godockerlint.report.baseline import BaselineError, write as write_baseline_file

        try:
            write_baseline_file(write_baseline, [shown[id(f)] for f in run.findings], sources)
        except BaselineError as exc:
            error(str(exc))
            write_failed = True
        else:
            if not quiet:
                say(f"{PROG}: wrote {_plural(len(run.findings), 'finding')} to the baseline {write_baseline}",
                    err=True)
    for name, path in outputs:
        if fixing is not None and fixing.diff:
            report = ""  # the diff is the report
        else:
            report = reporting.render(name, findings, color=color and path is None, quiet=quiet,
                                      failed=run.failed, sources=sources)
        if path is not None:
            from godockerlint.report.reportfile import write_report

            try:  # atomically: a full disk leaves the previous report whole
                write_report(path, report)
            except OSError as exc:
                error(f"{path}: cannot write the {name} report: {exc.strerror or exc}")
                write_failed = True
        elif report:
            click.echo(report, nl=False, color=color, err=report_to_stderr)
    if statistics:
        # never into a machine-readable report on stdout
        click.echo(reporting.statistics(findings), nl=False,
                   err=report_to_stderr or stdout_fmt not in (None, "text"))
    if fixing is not None and not quiet:
        # with a JSON report on stdout the summary goes to stderr, never into the JSON
        click.echo(fixing.summary(), err=report_to_stderr or stdout_fmt != "text")
    if run.failed or run.broken or write_failed:
        return EXIT_ERROR
    if fixing is not None and fixing.diff:
        return EXIT_FINDINGS if fixing.changed_files else EXIT_OK
    if exit_zero or write_baseline is not None:
        return EXIT_OK
    return EXIT_FINDINGS if fails_threshold else EXIT_OK


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def _stdin(name: str):
    """The binary stdin, or LintInputError when the run was started with it closed (`<&-`)."""
    from godockerlint.lint.engine import LintInputError

    if sys.stdin is None:
        raise LintInputError(f"{name}: stdin is closed: nothing to read (give a file, or redirect stdin)")
    return getattr(sys.stdin, "buffer", sys.stdin)  # the bytes under the text stream


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _FixMode:
    """--fix / --diff / --unsafe-fixes: what to apply and what was done, over every file."""

    def __init__(self, *, unsafe: bool, diff: bool) -> None:
        self.unsafe = unsafe
        self.diff = diff
        self.stdout_used = False  # stdin --fix printed the fixed file
        self.fixed = 0
        self.remaining = 0
        self.need_unsafe = 0
        self.changed_files = 0

    def count(self, outcome) -> None:
        self.fixed += outcome.fixed
        self.remaining += len(outcome.remaining)
        self.need_unsafe += outcome.need_unsafe
        self.changed_files += outcome.changed

    def summary(self) -> str:
        """`Fixed 3 problems; 2 remain (1 needs --unsafe-fixes).` (`Would fix` with --diff)."""
        verb = "Would fix" if self.diff else "Fixed"
        text = f"{verb} {self.fixed} problem{'' if self.fixed == 1 else 's'}; "
        if not self.remaining:
            return text + "none remain."
        text += f"{self.remaining} remain{'s' if self.remaining == 1 else ''}"
        if self.need_unsafe:
            verb_need = "needs" if self.need_unsafe == 1 else "need"
            text += f" ({self.need_unsafe} {verb_need} --unsafe-fixes)"
        return text + "."


class _Run:
    """Lints targets one by one, collecting findings and one-line errors (printed at once)."""

    def __init__(self, resolver: ConfigResolver, fixing: "_FixMode | None" = None) -> None:
        self.resolver = resolver
        self.fixing = fixing
        self.findings: list = []
        self.failed = 0  # paths and files that could not be linted
        self.broken = False  # some file was linted only in part (a rule failed)
        self.fails_threshold = False
        self._reported: set[str] = set()
        self._sources: dict[str, Path | bytes | str] = {}  # report name -> file, stdin bytes or text
        self._thresholds: dict[str, object] = {}  # report name -> failure threshold (None: never)
        self._seen: set = set()  # a Dockerfile reached twice (compose services) is reported once
        self._prelinted: dict = {}  # id(target) -> LintResult linted by a worker process

    def fail(self, message: str) -> None:
        self.failed += 1
        if message not in self._reported:  # a bad config is reported once, not per Dockerfile
            self._reported.add(message)
            error(message)

    def lint_all(self, targets) -> None:
        """Compose files first; a Dockerfile found in a folder and built by a compose file found
        there too is linted as the compose file builds it, not a second time on its own."""
        built: set[str] = set()
        for target in targets:
            if target.compose:
                built |= self.lint_compose(target)
        plain = [t for t in targets
                 if not t.compose and not (t.found and os.path.realpath(t.path) in built)]
        if self.fixing is None and len(plain) > 1:  # many files: every core (godockerlint.lint.parallel)
            from godockerlint.lint.parallel import prelint

            pooled = prelint(plain, self.resolver, warn=lambda line: say(line, err=True))
            self._prelinted = {id(plain[i]): r for i, r in pooled.items()}
        for target in plain:
            self.lint(target)

    def lint_compose(self, target) -> set[str]:
        """Lint every service's Dockerfile; the real paths of the Dockerfiles linted."""
        from godockerlint.lint.compose import ComposeError, annotate, load_services
        from godockerlint.lint.engine import LintInputError, lint_bytes, read_dockerfile

        try:
            services = load_services(target.path, target.display)
        except ComposeError as exc:
            self.fail(str(exc))
            return set()
        linted = set()
        for svc in services:
            if svc.error:
                self.fail(svc.error)
                continue
            try:
                settings = svc.settings(self.resolver.settings_for(svc.dockerfile.parent if svc.dockerfile
                                                                   else target.path.parent))
                if svc.inline is not None:
                    data = svc.inline.encode("utf-8")
                else:
                    data = read_dockerfile(svc.dockerfile, svc.display)
                    linted.add(os.path.realpath(svc.dockerfile))
                found = lint_bytes(data, svc.display, settings, context_dir=svc.context)
            except ConfigError as exc:
                self.fail(str(exc))
                continue
            except (OSError, LintInputError) as exc:
                self.fail(f"{svc.display}: {getattr(exc, 'strerror', None) or exc}")
                continue
            found = annotate(svc, found, data.decode("utf-8", errors="replace"))
            self._add(found, settings, svc.display, svc.dockerfile if svc.inline is None else svc.inline)
        return linted

    def sources(self) -> dict[str, str]:
        """The decoded text of every file with a finding (as it is now: after --fix)."""
        from godockerlint.parse.parser import decode

        texts = {}
        for name in {f.file for f in self.findings}:
            source = self._sources.get(name)
            try:
                if isinstance(source, Path):
                    source = source.read_bytes()
                if isinstance(source, bytes):
                    source = decode(source)[0]
            except Exception:  # unreadable now: fingerprints fall back to the messages
                continue
            if isinstance(source, str):
                texts[name] = source
        return texts

    def fails(self, findings) -> bool:
        """Whether some of these findings are at or above their file's failure threshold."""
        for f in findings:
            threshold = self._thresholds.get(f.file)
            if threshold is not None and f.severity >= threshold:
                return True
        return False

    def _add(self, found, settings, name: str, source) -> None:
        REDACT.add(getattr(found, "secrets", ()))
        for message in getattr(found, "errors", ()):  # a rule failed: its findings are missing
            error(message)
            self.broken = True
        if name in self._sources:  # linted before (two compose services, one Dockerfile): no repeats
            found = [f for f in found if f not in self._seen]
        self._seen.update(found)
        self.findings.extend(found)
        self._sources[name] = source
        self._thresholds[name] = threshold = settings.failure_threshold
        if threshold is not None and any(f.severity >= threshold for f in found):
            self.fails_threshold = True

    def lint(self, target) -> None:
        from godockerlint.lint.engine import LintInputError, lint_bytes, lint_file, read_stream

        source = Path(target.display) if target.path is None else target.path
        stdin_data = None
        try:
            settings = self.resolver.settings_for(source.parent)
            if self.fixing is not None:
                found = self._fix(target, settings)
                if found is None:
                    return
            elif target.path is None:
                stdin_data = read_stream(_stdin(target.display), target.display)
                found = lint_bytes(stdin_data, target.display, settings)
            else:
                found = self._prelinted.pop(id(target), None)
                if found is None:
                    found = lint_file(target.path, settings, display_path=target.display)
        except (ConfigError, LintInputError) as exc:
            return self.fail(str(exc))
        except Exception as exc:  # an engine bug on one file must not hide the others' findings
            if os.environ.get("GODOCKERLINT_TRACEBACK"):
                raise
            return self.fail(f"{target.display}: internal error: {type(exc).__name__}: {exc}")
        self._add(found, settings, target.display, target.path if target.path is not None else stdin_data)


    def _fix(self, target, settings):
        """Fix one file (write it, print it, or print its diff); the findings that remain, or None."""
        from godockerlint.lint.engine import _default_context, read_dockerfile, read_stream
        from godockerlint.fix.fixer import fix_bytes, unified_diff
        from godockerlint.fix.writer import WriteError, write_atomic

        fixing = self.fixing
        if target.path is None:
            data = read_stream(_stdin(target.display), target.display)
            context_dir = _default_context(None, settings)
        else:
            data = read_dockerfile(target.path, target.display)
            context_dir = _default_context(target.path, settings)
        outcome = fix_bytes(data, target.display, settings, context_dir=context_dir, unsafe=fixing.unsafe)
        REDACT.add(outcome.secrets())  # before and after fixing: the diff, the warnings, the reports
        for message in outcome.dropped:
            say(f"{PROG}: warning: {message}", err=True)
        if fixing.diff:
            if outcome.changed:  # the diff quotes the file (context lines too): masked
                say(unified_diff(target.display, outcome.original, outcome.text, outcome.bom), nl=False)
        elif target.path is None:
            out = sys.stdout.buffer
            out.write(outcome.data() if outcome.text is not None else data)
            out.flush()
            fixing.stdout_used = True
        elif outcome.changed:
            try:
                write_atomic(target.path, outcome.data(), target.display)
            except WriteError as exc:
                self.fail(str(exc))
                return None
        fixing.count(outcome)
        return outcome.remaining_result()


def rules_table() -> str:
    """Every rule: code, name, default severity, fix applicability, summary; aligned columns."""
    from godockerlint.lint.rule import load_rules

    rows = [("CODE", "NAME", "SEVERITY", "FIX", "SUMMARY")]
    rows += [(r.code, r.name, r.severity.label, r.fix, r.summary) for r in load_rules().values()]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4] + "\n" for row in rows
    )


def _explain(query: str) -> int:
    from godockerlint.lint.rule import load_rules

    rules = load_rules()
    wanted = query.strip()
    rule = rules.get(wanted.upper()) or next((r for r in rules.values() if r.name == wanted.lower()), None)
    if rule is None:
        error(f"unknown rule {query!r} (see '{PROG} --list-rules')")
        return EXIT_ERROR
    from godockerlint.report.ruletable import explain, fix_label

    click.echo(f"{rule.code} {rule.name} ({rule.severity.label}, {fix_label(rule)})\n\n{explain(rule)}")
    click.echo(rule.url)
    return EXIT_OK


LSP_HINT = "the language server needs the lsp extra: pip install 'godockerlint[lsp]'"


def lsp_main(args: list[str]) -> int:
    """`godockerlint lsp [--stdio]`: the language server on stdin/stdout (godockerlint.cli.lsp)."""
    if any(a in ("-h", "--help") for a in args):
        click.echo(f"Usage: {PROG} lsp [--stdio]\n\n  Run the language server on stdin/stdout "
                   "(diagnostics, quick fixes, hover, completion).\n  Needs the lsp extra: "
                   "pip install 'godockerlint[lsp]'.")
        return EXIT_OK
    unknown = [a for a in args if a != "--stdio"]
    if unknown:
        error(f"lsp: unknown option {unknown[0]!r} (see '{PROG} lsp --help')")
        return EXIT_ERROR
    try:
        from godockerlint.cli import lsp
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing.split(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        error(LSP_HINT)
        return EXIT_ERROR
    return lsp.serve()


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["lsp"]:  # a reserved word: a path named lsp is linted as ./lsp
        sys.exit(lsp_main(args[1:]))
    cli.main()
