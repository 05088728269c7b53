"""The display's settings and clips are documented where people look for them."""

from __future__ import annotations

import tomllib

from sothutu.config import DisplayConfig, VoiceConfig, load_config, settings_of
from sothutu.voice.announce import CLIPS
from tests.support import ROOT


def test_every_voice_and_display_key_is_in_the_example_with_a_comment() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    for section, cls in (("voice", VoiceConfig), ("display", DisplayConfig)):
        for f in settings_of(cls):
            assert f.name in data[section], f"[{section}] {f.name} missing from the example"
            i = next(
                k
                for k, ln in enumerate(lines)
                if ln.startswith(f"{f.name} =") and f"[{section}]" in "\n".join(lines[:k])
            )
            assert lines[i - 1].startswith("#"), f"[{section}] {f.name} has no comment above"
    config = load_config(ROOT / "config.example.toml")
    assert config.voice.announce == "voice" and config.display.highlight_seconds == 10


def test_every_clip_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, words in CLIPS.items():
        assert f"`{name}`" in readme, name
        assert words in readme, words
    for heading in ("## Display", "## Voice", "Recording a centre's own voice"):
        assert heading in readme
