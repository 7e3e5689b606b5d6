"""Every file README.md points at is there: pictures and relative links (issue 13, point 12)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def test_every_picture_and_relative_link_of_the_readme_exists():
    """<img src> and [text](path) targets inside the repository resolve to files."""
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r'<img src="([^"]+)"', text)
    targets += [t for t in re.findall(r"\]\(([^)#\s]+)\)", text) if "://" not in t]
    assert any(t.startswith("docs/screenshots/") for t in targets)
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, f"README.md points at missing files: {missing}"
