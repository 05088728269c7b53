"""Voice: the pack, the order of announcements, and real audio through SDL's disk driver."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
import threading
import time
import wave
from array import array
from datetime import timedelta
from pathlib import Path

import pytest

import tests.display_support as ds  # sets the SDL drivers first
from display.audio import MIXER_FORMAT, Announcer
from display.state import Spoken
from display.voicepack import VoicePack
from sothutu.clock import ManualClock
from sothutu.config import VoiceConfig
from sothutu.voice import announce
from sothutu.voice.announce import announcement
from tests.support import (
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    counter_key,
    debian_tool,
    free_port,
    terminate,
    write_config,
)

pygame = pytest.importorskip("pygame")
RATE = MIXER_FORMAT[0]

# Test pack: every clip a pure tone, so the audio can be read back clip by clip.
TONES = {
    "chime": 440,
    "moi-cong-dan": 560,
    "chu-a": 720,
    "chu-b": 920,
    "chu-c": 1180,
    "so-1": 1500,
    "so-2": 1900,
    "so-3": 2400,
    "den-quay": 3000,
}
OTHER_TONE = 3800
TONE_SECONDS = 0.12
AMPLITUDE = 12000


def tone_wav(path: Path, freq: float, seconds: float, rate: int = RATE, channels: int = 1) -> None:
    n = int(seconds * rate)
    fade = int(0.004 * rate)
    samples = array("h")
    for i in range(n):
        env = min(1.0, i / fade, (n - 1 - i) / fade)
        v = int(AMPLITUDE * env * math.sin(2 * math.pi * freq * i / rate))
        samples.extend([v] * channels)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def tone_pack(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in announce.CLIPS:
        seconds = 0.25 if name == "chime" else TONE_SECONDS
        tone_wav(folder / f"{name}.wav", TONES.get(name, OTHER_TONE), seconds)
    return folder


@pytest.fixture(scope="module")
def mixer():
    pygame.mixer.init(*MIXER_FORMAT, 1024)
    yield pygame.mixer.get_init()
    pygame.mixer.quit()


class RecordingOutput:
    """A stand-in speaker: records what it was given, and lets time pass as it plays."""

    fmt = MIXER_FORMAT

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.played: list[tuple[float, int]] = []
        self.busy = threading.Lock()
        self.overlaps = 0

    def play(self, pcm: bytes, volume: float, stop: threading.Event) -> None:
        if not self.busy.acquire(blocking=False):
            self.overlaps += 1
            return
        try:
            seconds = len(pcm) / (RATE * 2)
            self.played.append((seconds, len(pcm)))
            self.clock.advance(seconds)
        finally:
            self.busy.release()


def voice(**kw) -> VoiceConfig:
    return VoiceConfig(**{"gap": 0.0, **kw})


# --- the pack ---------------------------------------------------------------------------


def test_join_is_the_clips_and_pauses_in_order(tmp_path: Path, mixer) -> None:
    pack = VoicePack(tone_pack(tmp_path / "pack"), mixer)
    ann = announcement("A001", 2)
    pcm = pack.join(ann)
    expected = sum(len(pack.clip(c)) for c in ann.clips)
    expected += sum(len(pack.silence(p)) for p in ann.pauses_ms)
    assert len(pcm) == expected
    assert 0.11 < pack.seconds(pack.clip("so-1")) <= TONE_SECONDS + 0.001  # trimmed a little


def test_a_human_recording_in_any_format_replaces_a_clip(tmp_path: Path, mixer) -> None:
    folder = tone_pack(tmp_path / "pack")
    # a centre's recording: 44.1 kHz stereo, half a second of silence around 0.6 s of voice
    rec = folder / "den-quay.wav"
    tone_wav(rec, 300, 0.6, rate=44100, channels=2)
    with wave.open(str(rec), "rb") as w:
        frames = w.readframes(w.getnframes())
    with wave.open(str(rec), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        pad = bytes(4 * 22050)
        w.writeframes(pad + frames + pad)
    pack = VoicePack(folder, mixer)
    seconds = pack.seconds(pack.clip("den-quay"))
    assert 0.6 <= seconds <= 0.65  # converted to the mixer's format, silence trimmed


def test_a_missing_clip_gives_the_chime_alone_without_espeak(tmp_path: Path, mixer, caplog) -> None:
    folder = tone_pack(tmp_path / "pack")
    (folder / "chu-b.wav").unlink()
    pack = VoicePack(folder, mixer, use_espeak=False)
    pcm = pack.join(announcement("B001", 1))
    assert pcm == pack.clip("chime")
    assert "chu-b.wav" in caplog.text
    # a missing chime is synthesized
    (folder / "chime.wav").unlink()
    pack = VoicePack(folder, mixer, use_espeak=False)
    assert 1.0 < pack.seconds(pack.clip("chime")) < 1.6


def test_a_missing_clip_is_said_by_espeak(tmp_path: Path, mixer) -> None:
    debian_tool("espeak-ng", "stands in for a missing clip")
    folder = tone_pack(tmp_path / "pack")
    (folder / "chu-b.wav").unlink()
    pack = VoicePack(folder, mixer)
    clip = pack.clip("chu-b")
    assert clip and 0.1 < pack.seconds(clip) < 1.5
    pcm = pack.join(announcement("B001", 1))
    assert len(pcm) > len(pack.clip("chime")) * 1.5


def test_the_generated_default_pack(tmp_path: Path, mixer) -> None:
    debian_tool("espeak-ng", "generates the default voice pack")
    out = tmp_path / "voice"
    done = subprocess.run(
        [sys.executable, "deploy/voicepack.py", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["clips"]) == set(announce.CLIPS)
    assert manifest["clips"]["so-lam"]["text"] == "lăm"
    pack = VoicePack(out, mixer, use_espeak=False)
    for name in announce.CLIPS:
        assert pack.clip(name), name
    # a centre's recording survives a second run; --force rewrites it. A pack of an
    # older version (moi-lan-thu-hai, no moi-lan-thu) gets the new clip and a note.
    (out / "so-lam.wav").write_bytes((out / "so-5.wav").read_bytes())
    (out / "moi-lan-thu.wav").rename(out / "moi-lan-thu-hai.wav")
    again = subprocess.run(
        [sys.executable, "deploy/voicepack.py", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (out / "so-lam.wav").read_bytes() == (out / "so-5.wav").read_bytes()
    assert "1 clips written" in again.stdout and (out / "moi-lan-thu.wav").exists()
    assert "no longer used (kept; delete them if you like): moi-lan-thu-hai.wav" in again.stdout


# --- order and age ----------------------------------------------------------------------


def test_announcements_in_order_never_overlapping_none_dropped(tmp_path: Path, mixer) -> None:
    clock = ManualClock(ds.NOW)
    out = RecordingOutput(clock)
    pack = VoicePack(tone_pack(tmp_path / "pack"), mixer)
    a = Announcer(out, pack, voice(), clock).start()
    calls = [Spoken(f"A{n:03d}", n % 4 + 1, False, ds.NOW) for n in range(1, 9)]
    for c in calls:  # eight counters at once, in the order the stream delivers them
        a.submit(c)
    assert a.wait_idle(10)
    a.stop()
    assert [x.code for x in a.played] == [c.code for c in calls]
    assert out.overlaps == 0 and a.skipped == []


def test_a_call_older_than_a_minute_when_its_turn_comes_is_not_spoken(
    tmp_path: Path, mixer
) -> None:
    clock = ManualClock(ds.NOW)
    out = RecordingOutput(clock)
    pack = VoicePack(tone_pack(tmp_path / "pack"), mixer)
    a = Announcer(out, pack, voice(), clock)
    # Each announcement "takes" 25 s here: the third call waits 50 s, the fourth 75 s.
    out.play = lambda pcm, volume, stop: (out.played.append((25, 0)), clock.advance(25))
    a.start()
    fresh = [Spoken(f"B00{n}", 2, False, ds.NOW) for n in range(1, 5)]
    stale = Spoken("C001", 3, False, ds.NOW - timedelta(seconds=61))
    for s in [stale, *fresh]:
        a.submit(s)
    assert a.wait_idle(10)
    a.stop()
    assert [x.code for x in a.played] == ["B001", "B002", "B003"]
    assert [x.code for x in a.skipped] == ["C001", "B004"]


def test_chime_only_and_repeat(tmp_path: Path, mixer) -> None:
    clock = ManualClock(ds.NOW)
    pack = VoicePack(tone_pack(tmp_path / "pack"), mixer)
    a = Announcer(RecordingOutput(clock), pack, voice(announce="chime"), clock)
    assert a.words(Spoken("A1", 1, False, ds.NOW)).clips == ("chime",)
    b = Announcer(RecordingOutput(clock), pack, voice(repeat=2, chime=False), clock)
    assert b.words(Spoken("A1", 1, True, ds.NOW)).clips.count("moi-lan-thu") == 2
    third = b.words(Spoken("A1", 1, True, ds.NOW, 3))
    assert third.sentence.startswith("Mời lần thứ ba, ") and third.clips[:2] == (
        "moi-lan-thu",
        "so-3",
    )


# --- real audio: SDL's disk driver ---------------------------------------------------------


def read_tones(raw: bytes) -> list[tuple[float, float, float]]:
    """(start s, end s, frequency Hz) of each tone in 16-bit mono PCM at RATE."""
    samples = array("h")
    samples.frombytes(raw[: len(raw) - len(raw) % 2])
    win = RATE // 200  # 5 ms
    loud = []
    for i in range(0, len(samples) - win, win):
        chunk = samples[i : i + win]
        loud.append(max(abs(v) for v in chunk) > 1500)
    runs, start = [], None
    for k, on in enumerate([*loud, False]):
        if on and start is None:
            start = k
        elif not on and start is not None:
            runs.append((start, k))
            start = None
    tones = []
    for a, b in runs:
        seg = samples[a * win : b * win]
        crossings = sum(1 for x, y in itertools.pairwise(seg) if (x < 0) != (y < 0))
        seconds = len(seg) / RATE
        tones.append((a * win / RATE, b * win / RATE, crossings / 2 / seconds))
    return tones


def nearest_clip(freq: float) -> str:
    """The clip whose tone this is ("other" for clips without a tone of their own)."""
    name, f = min([*TONES.items(), ("other", OTHER_TONE)], key=lambda kv: abs(kv[1] - freq))
    return name if abs(f - freq) < f * 0.08 else f"?{freq:.0f}"


@pytest.mark.slow
def test_three_calls_at_once_are_heard_back_to_back_in_order(tmp_path: Path, mixer) -> None:
    port = free_port()
    pack = tone_pack(tmp_path / "pack")
    gap = 0.3
    cfg = write_config(
        tmp_path, port=port, extra=f'[voice]\npack = "{pack}"\ngap = {gap}\nespeak = false\n'
    )
    server = ServerProcess(cfg, port).start()
    raw = tmp_path / "audio.raw"
    log = tmp_path / "display.log"
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(raw),
    }
    kiosk = server.client(KIOSK_KEY)
    for svc in ("ho-tich", "chung-thuc", "dat-dai"):
        kiosk.issue(svc)
    clients = {n: server.client(counter_key(n)) for n in (1, 2, 3)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "display",
                "--config",
                str(cfg),
                "--windowed",
                "--size",
                "640x360",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while "event stream connected" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        time.sleep(0.3)
        began = time.monotonic()
        for n in (1, 2, 3):
            clients[n].counter(n, "next")
        # All three calls are made while the first announcement (seconds long) still plays;
        # a second is ample even on a loaded machine.
        assert time.monotonic() - began < 1.0
        deadline = time.monotonic() + 20
        while log.read_text().count("announcing:") < 3:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(3.0)  # the third one plays to its end
    finally:
        terminate(proc)
        server.stop()
    text = log.read_text()
    assert "Traceback" not in text, text

    tones = read_tones(raw.read_bytes())
    heard = [nearest_clip(f) for _, _, f in tones]
    expected = [
        list(announcement(code, n).clips) for code, n in (("A001", 1), ("B001", 2), ("C001", 3))
    ]
    assert heard == [c for clips in expected for c in clips], heard

    # Back to back: each starts one gap after the previous ends; the total is as computed.
    vp = VoicePack(pack, mixer, use_espeak=False)
    lengths = [
        vp.seconds(vp.join(announcement(code, n)))
        for code, n in (("A001", 1), ("B001", 2), ("C001", 3))
    ]
    starts = [i for i, name in enumerate(heard) if name == "chime"]
    assert len(starts) == 3
    first, last = tones[0][0], tones[-1][1]
    assert abs((last - first) - (sum(lengths) + 2 * gap)) < 0.4, (last - first, lengths)
    for k in (1, 2):
        end_prev = tones[starts[k] - 1][1]
        pause = tones[starts[k]][0] - end_prev
        assert gap - 0.1 < pause < gap + 0.35, pause
    # never two at once: no sample louder than one tone
    samples = array("h")
    samples.frombytes(raw.read_bytes())
    assert max(abs(v) for v in samples) <= AMPLITUDE * 1.02


def test_say_speaks_one_announcement(tmp_path: Path) -> None:
    pack = tone_pack(tmp_path / "pack")
    cfg = write_config(tmp_path, extra=f'[voice]\npack = "{pack}"\nespeak = false\n')
    raw = tmp_path / "say.raw"
    env = {**os.environ, "SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": str(raw)}
    done = subprocess.run(
        [sys.executable, "-m", "display", "--config", str(cfg), "say", "B002", "3", "--calls", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("Mời lần thứ ba, công dân có số thứ tự bê hai, đến quầy số ba.")
    heard = [nearest_clip(f) for _, _, f in read_tones(raw.read_bytes())]
    # moi-lan-thu and cong-dan are "other" tones in this pack
    want = ["chime", "other", "so-3", "other", "chu-b", "so-2", "den-quay", "so-3"]
    assert heard == want, heard


def test_say_without_a_sound_device_fails_with_one_line(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    env = {**os.environ, "SDL_AUDIODRIVER": "no-such-driver"}
    done = subprocess.run(
        [sys.executable, "-m", "display", "--config", str(cfg), "say", "A015", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.count("no sound device") == 1 and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_display_whose_screen_does_not_open_keeps_announcing(tmp_path: Path) -> None:
    """No video driver (a Lite Pi without GPU, a TV unplugged): said once, no restart loop,
    and the calls are still heard."""
    port = free_port()
    pack = tone_pack(tmp_path / "pack")
    cfg = write_config(tmp_path, port=port, extra=f'[voice]\npack = "{pack}"\nespeak = false\n')
    server = ServerProcess(cfg, port).start()
    raw = tmp_path / "audio.raw"
    log = tmp_path / "display.log"
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "no-such-driver",
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(raw),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "display", "--config", str(cfg)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while "event stream connected" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        cpu_before, since = _cpu_seconds(proc.pid), time.monotonic()
        server.client(KIOSK_KEY).issue("chung-thuc")
        server.client(counter_key(2)).counter(2, "next")
        deadline = time.monotonic() + 10
        while "announcing:" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        # It plays to its end (the disk driver writes in real time; under load, later):
        # the loop sleeps meanwhile.
        expected = list(announcement("B001", 2).clips)
        t0 = time.monotonic()
        heard: list[str] = []
        while time.monotonic() - t0 < 2.0 or (heard != expected and time.monotonic() - t0 < 20):
            time.sleep(0.25)
            heard = [nearest_clip(f) for _, _, f in read_tones(raw.read_bytes())]
        assert proc.poll() is None, log.read_text()
        busy = _cpu_seconds(proc.pid) - cpu_before
        spent = time.monotonic() - since
    finally:
        rc = terminate(proc)
        server.stop()
    text = log.read_text()
    lines = [ln for ln in text.splitlines() if "cannot open the screen" in ln]
    assert len(lines) == 1, text
    assert "no-such-driver" in lines[0]
    assert "announces calls through the speakers only" in lines[0]
    assert "Traceback" not in text and rc == 0, text
    assert busy < 0.5 * spent, f"{busy:.2f} s of CPU in {spent:.1f} s without a screen: spinning?"
    assert heard == expected, heard


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
