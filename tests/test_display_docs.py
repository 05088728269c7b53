"""The display's settings and clips are documented where people look for them."""

from __future__ import annotations

from sothutu.voice.announce import CLIPS
from tests.support import ROOT


def test_every_clip_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, words in CLIPS.items():
        assert f"`{name}`" in readme, name
        assert words in readme, words
    for heading in ("## Display", "## Voice", "Recording a centre's own voice"):
        assert heading in readme
