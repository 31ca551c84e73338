"""The rule fixtures (fixtures/rules/<CODE>/{bad,good}/<case>/) and the golden files kept next to them.

A case folder is a build context: its Dockerfile, plus whatever go.mod, go.sum, sources and
vendor/ it needs (git cannot store a folder named .git: a case's `_git/` stands for `.git/`).
Next to the Dockerfile:

- `expected` (bad cases, written by hand): the rule's findings, `LINE:COL LEVEL`, one a line;
- `messages` (bad cases): what a user reads for each of those findings, in the same order: the
  message (secrets masked, as every output shows them), and for a finding with a fix an
  indented `fix (safe|unsafe): <what the fix does>` line below it;
- `fixed` (bad cases with a fix): the Dockerfile after applying that rule's fixes once;
- `still-triggers` (optional): when the `fixed` file cannot re-lint clean for its rule, a
  `# why:` line and the `LINE:COL LEVEL` of the findings that remain;
- `cli-fixed` (optional): what `godockerlint --fix --unsafe-fixes --select <CODE>` writes, when
  that differs from `fixed` (the CLI fixes in passes until nothing fixable is left).

`messages` and `cli-fixed` are regenerated from today's behaviour with

    python tests/rule_fixtures.py [GDL202 | GDL202/bad/named-user ...]

which prints every change as a diff: read each one as a user would before committing it.
`expected`, `fixed` and `still-triggers` are never written by a tool.
"""

from __future__ import annotations

import difflib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
CASES = sorted(p.parent for p in ROOT.glob("*/*/*/Dockerfile"))
REGEN = "python tests/rule_fixtures.py"
GOLDEN = ("expected", "messages", "fixed", "still-triggers", "cli-fixed")  # not part of the build context


def case_id(case: Path) -> str:
    return "/".join(case.parts[-3:])


def copy_context(case: Path, dest: Path, dockerfile: bytes | None = None) -> Path:
    """A copy of the case's context in `dest` (its `_git/` as `.git/`), with `dockerfile` as
    its Dockerfile when given, without the golden files; `dest`'s parent gets a `.git` so no
    config from above is read."""
    (dest.parent / ".git").mkdir(exist_ok=True)
    shutil.copytree(case, dest, symlinks=True, ignore=lambda folder, names: GOLDEN if folder == str(case) else ())
    if (dest / "_git").is_dir():
        (dest / "_git").rename(dest / ".git")
    if dockerfile is not None:
        (dest / "Dockerfile").write_bytes(dockerfile)
    return dest


def rule_findings(case: Path):
    """(code, the case rule's findings on its Dockerfile)."""
    from godockerlint.lint.engine import lint_file
    from godockerlint.core.settings import Settings

    code = case.parts[-3]
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_context(case, Path(tmp) / case.name)
        findings = lint_file(copy / "Dockerfile", Settings(), display_path=str(case / "Dockerfile"))
    assert findings.errors == []
    return code, [f for f in findings if f.code == code]


def render_messages(findings) -> str:
    out = []
    for f in findings:
        out.append(f.message)
        if f.fix is not None:
            out.append(f"    fix ({f.fix.applicability}): {f.fix.message}")
    return "".join(line + "\n" for line in out)


def still_triggers(case: Path) -> tuple[str, list[str]]:
    """(why, [`LINE:COL LEVEL` the fixed file still gets for the rule]); ("", []) without the file."""
    path = case / "still-triggers"
    if not path.exists():
        return "", []
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    why = " ".join(line.removeprefix("# why:").strip() for line in lines if line.startswith("# why:"))
    return why, [line for line in lines if not line.startswith("#")]


def cli_fix(case: Path, tmp: Path, unsafe: bool = True):
    """(exit code, output, the Dockerfile's bytes) after the real CLI's `--fix [--unsafe-fixes]
    --select <CODE>` on a copy of the case."""
    from click.testing import CliRunner

    from godockerlint.cli.command import cli

    copy = copy_context(case, tmp / case.name)
    args = ["--no-color", "--fix", *(["--unsafe-fixes"] if unsafe else []), "--select", case.parts[-3],
            str(copy / "Dockerfile")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.output, (copy / "Dockerfile").read_bytes()


def cli_golden(case: Path) -> Path:
    return case / "cli-fixed" if (case / "cli-fixed").exists() else case / "fixed"


def _write(path: Path, data: bytes | None) -> None:
    old = path.read_bytes() if path.exists() else b""
    new = data or b""
    if old == new:
        return
    rel = path.relative_to(ROOT.parent.parent)
    sys.stdout.writelines(difflib.unified_diff(old.decode(errors="replace").splitlines(True),
                                               new.decode(errors="replace").splitlines(True),
                                               f"a/{rel}", f"b/{rel}"))
    if data is None:
        path.unlink()
    else:
        path.write_bytes(data)


def regenerate(selected: list[str]) -> None:
    for case in CASES:
        cid = case_id(case)
        if selected and not any(cid == s or cid.startswith(s.rstrip("/") + "/") for s in selected):
            continue
        if case.parts[-2] == "bad":
            _, findings = rule_findings(case)
            _write(case / "messages", render_messages(findings).encode())
        if (case / "fixed").exists():
            with tempfile.TemporaryDirectory() as tmp:
                _, _, data = cli_fix(case, Path(tmp))
            _write(case / "cli-fixed", None if data == (case / "fixed").read_bytes() else data)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT.parent.parent))
    regenerate(sys.argv[1:])
