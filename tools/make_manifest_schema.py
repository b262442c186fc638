"""Write docs/manifest.schema.json: the JSON Schema of manifest.json, generated from runtime/manifest.py.

Usage: python tools/make_manifest_schema.py [OUT]
"""

from __future__ import annotations

import sys
from pathlib import Path

from bluev.fileio import atomic_write_text
from bluev.runtime.manifest import schema_text

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "manifest.schema.json"

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    atomic_write_text(out, schema_text())
    print(f"wrote {out}")
