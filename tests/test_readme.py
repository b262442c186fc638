"""The README's numbers come from commands: its table must equal the command's output."""

from __future__ import annotations

import runpy


def test_tiles_table_in_readme_is_generated(repo):
    readme = (repo / "README.md").read_text()
    start, end = "<!-- tiles-table:start -->\n", "\n<!-- tiles-table:end -->"
    shown = readme.split(start, 1)[1].split(end, 1)[0]
    table = runpy.run_path(str(repo / "tools/tiles_table.py"))["table"]()
    assert shown == table, "README table is stale: paste the output of `make tiles-table`"


def test_readme_starts_with_the_two_commands(repo):
    head = (repo / "README.md").read_text().splitlines()[:8]
    assert any("make install" in line for line in head)
    assert any(line.startswith("make test") for line in head)
