"""The documentation stays true: the README is a user's page, every link lands, and the
package map of docs/architecture.md is the tree on disk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK_RE = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE_RE = re.compile(r"^```.*?^```", re.S | re.M)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, blanks to `-`."""
    text = FENCE_RE.sub("", page.read_text(encoding="utf-8"))
    out = set()
    for title in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_readme_is_a_page_a_user_reads():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= 25 * 1024, f"README.md is {size} bytes: move internals to docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path):
    text = FENCE_RE.sub("", page.read_text(encoding="utf-8"))
    broken = []
    for target in LINK_RE.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(target)
    assert broken == []


def test_link_check_sees_a_broken_link(tmp_path: Path):
    """The check above must be able to fail."""
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [gone](missing.md) [no anchor](#nowhere)\n")
    found = [t for t in LINK_RE.findall(page.read_text())
             if not (page.parent / t.partition("#")[0]).exists() or t.partition("#")[2] not in anchors(page)]
    assert found == ["missing.md", "#nowhere"]


def package_map() -> tuple[set[str], set[str]]:
    """(modules, packages) that docs/architecture.md's package map names. An item whose
    first name is a folder (godockerlint/fix/) names a package; the items indented under it
    name its modules by file name, or a sub-package (formats/) with its modules."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start, end = "<!-- package-map:start -->", "<!-- package-map:end -->"
    assert start in text and end in text
    items: list[tuple[int, str]] = []
    for line in text.split(start, 1)[1].split(end, 1)[0].splitlines():
        m = re.match(r"( *)- (.*)", line)
        if m:
            items.append((len(m.group(1)), m.group(2)))
        elif items and line.strip():
            items[-1] = (items[-1][0], items[-1][1] + " " + line.strip())
    modules: set[str] = set()
    packages: set[str] = set()
    base = ""
    for indent, item in items:
        names = re.findall(r"`([\w/.]+)`", item)
        folder = base if indent else ""
        if names and names[0].endswith("/"):
            folder = folder + names[0]
            packages.add(folder)
            if not indent:
                base = folder
            names = names[1:]
        for name in names:
            if name.endswith(".py"):
                modules.add(name if name.startswith("godockerlint/") else folder + name)
    return modules, packages


def test_package_map_matches_the_tree():
    modules, packages = package_map()
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "godockerlint").rglob("*.py")
               if p.name != "__init__.py" or p.parent == ROOT / "godockerlint"}
    assert sorted(on_disk - modules) == [], "modules on disk missing from docs/architecture.md's package map"
    assert sorted(modules - on_disk) == [], "docs/architecture.md's package map names modules that do not exist"
    on_disk_packages = {str(p.parent.relative_to(ROOT)) + "/" for p in (ROOT / "godockerlint").rglob("__init__.py")
                        if p.parent != ROOT / "godockerlint"}
    assert sorted(on_disk_packages - packages) == [], "packages missing from the package map"
    assert {"rules/", "templates/"} <= packages
