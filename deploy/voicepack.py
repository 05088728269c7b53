#!/usr/bin/env python3
"""Generate the default voice pack: every clip with espeak-ng's Vietnamese voice.

    python deploy/voicepack.py --config /etc/sothutu/config.toml   # into [voice] pack
    python deploy/voicepack.py --out var/voice [--dialect south]

Writes NAME.wav for each clip of sothutu.voice.announce.CLIPS (phrases, number words,
letter names), chime.wav (synthesized) and manifest.json. Files that exist are
kept, so a centre's own recordings survive a re-run; --force rewrites them all. A
re-run adds the clips a newer version needs and names the files no clip uses.
Exits 1 when espeak-ng (Debian package espeak-ng) is missing, after writing the
chime and the manifest.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sothutu.voice import announce  # noqa: E402
from sothutu.voice.chime import chime_wav  # noqa: E402
from sothutu.voice.pack import ESPEAK_VOICES, MANIFEST, espeak_path, espeak_wav  # noqa: E402


def generate(out: Path, dialect: str = "north", force: bool = False) -> tuple[int, list[str]]:
    """Write the pack into ``out``; returns (clips written, clips still missing)."""
    out.mkdir(parents=True, exist_ok=True)
    espeak = espeak_path()
    todo = [n for n in announce.CLIPS if force or not (out / f"{n}.wav").exists()]
    written = 0
    if announce.CHIME in todo:
        (out / f"{announce.CHIME}.wav").write_bytes(chime_wav())
        written += 1
        todo.remove(announce.CHIME)
    missing: list[str] = []
    if espeak is None:
        missing = todo
    else:

        def say(name: str) -> None:
            wav = espeak_wav(announce.CLIPS[name], dialect, espeak)
            tmp = out / f".{name}.wav.tmp"
            tmp.write_bytes(wav)
            tmp.replace(out / f"{name}.wav")

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(say, todo))
        written += len(todo)
    manifest = {
        "format": 1,
        "made_by": f"espeak-ng, voice {ESPEAK_VOICES.get(dialect, 'vi')}" if espeak else "",
        "note": "Replace any NAME.wav with a recording of the same words; keep the name.",
        "clips": {
            name: {"file": f"{name}.wav", "text": text or "(chime)"}
            for name, text in announce.CLIPS.items()
        },
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return written, missing


def unused_files(out: Path) -> list[str]:
    """WAV files of the folder that no clip uses any more (an older Sothutu's, such as
    ``moi-lan-thu-hai.wav`` before recalls said their count); never deleted here: one
    may be a centre's recording."""
    return sorted(p.name for p in out.glob("*.wav") if p.stem not in announce.CLIPS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", help="write into this config's [voice] pack folder")
    where.add_argument("--out", help="write into this folder")
    parser.add_argument("--dialect", choices=sorted(ESPEAK_VOICES), help="default: the config's")
    parser.add_argument("--force", action="store_true", help="rewrite clips that exist")
    args = parser.parse_args(argv)
    dialect = args.dialect or "north"
    if args.config:
        from sothutu.config import load_or_exit

        config = load_or_exit(args.config, "voicepack")
        out = config.resolve(config.voice.pack)
        dialect = args.dialect or config.voice.dialect
    else:
        out = Path(args.out)
    written, missing = generate(out, dialect, args.force)
    print(f"voicepack: {out}: {written} clips written, {len(announce.CLIPS)} in the pack")
    unused = unused_files(out)
    if unused:
        print(f"voicepack: no longer used (kept; delete them if you like): {', '.join(unused)}")
    if missing:
        print(
            f"voicepack: espeak-ng is not installed, {len(missing)} clips are missing "
            "(apt install espeak-ng, then run this again)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
