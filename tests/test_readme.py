"""The README is a short front door, the docs' links lead somewhere, generated tables are fresh."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

README_MAX_LINES = 250
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# Pages that other branches add; each entry must be dropped once its page exists (the check
# below fails then), so no link is excused for longer than the merge that brings its page.
PENDING_PAGES: dict[str, str] = {}


def test_tiles_table_in_docs_is_generated(repo):
    page = (repo / "docs" / "tiling.md").read_text()
    start, end = "<!-- tiles-table:start -->\n", "\n<!-- tiles-table:end -->"
    shown = page.split(start, 1)[1].split(end, 1)[0]
    table = runpy.run_path(str(repo / "tools/tiles_table.py"))["table"]()
    assert shown == table, "docs/tiling.md table is stale: paste the output of `make tiles-table`"


def test_readme_starts_with_the_two_commands(repo):
    head = (repo / "README.md").read_text().splitlines()[:8]
    assert any("make install" in line for line in head)
    assert any(line.startswith("make test") for line in head)


def test_readme_is_a_front_door(repo):
    lines = (repo / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines: move reference to docs/"


def markdown_files(repo: Path) -> list[Path]:
    return [repo / "README.md", *sorted((repo / "docs").glob("*.md"))]


def relative_links(page: Path) -> list[str]:
    """Link targets outside code (a `[B, 3](x)` in a code block is not a link), web links left out."""
    text = INLINE_CODE.sub("", FENCE.sub("", page.read_text()))
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z]+:", t)]


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = FENCE.sub("", page.read_text())
    headings = re.findall(r"^#+ (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_relative_links_point_at_files_that_exist(repo):
    broken = []
    for page in markdown_files(repo):
        for target in relative_links(page):
            path, _, fragment = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            name = file.relative_to(repo).as_posix() if file.is_relative_to(repo) else str(file)
            if name in PENDING_PAGES:
                continue  # checked in test_pending_pages_are_still_missing
            where = f"{page.relative_to(repo)}: {target}"
            if not file.exists():
                broken.append(f"{where} (no such file)")
            elif fragment and file.suffix == ".md" and fragment not in anchors(file):
                broken.append(f"{where} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_pending_pages_are_still_missing(repo):
    landed = [f"{page} (from {origin})" for page, origin in PENDING_PAGES.items() if (repo / page).exists()]
    assert not landed, "these pages exist now: drop them from PENDING_PAGES: " + ", ".join(landed)


def test_the_link_check_sees_links(repo):
    """The README links every docs page; a link pattern that matched nothing would pass silently."""
    targets = {t.partition("#")[0] for t in relative_links(repo / "README.md")}
    pages = {f"docs/{p.name}" for p in (repo / "docs").glob("*.md")}
    assert pages <= targets, sorted(pages - targets)
