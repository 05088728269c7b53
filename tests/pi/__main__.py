"""`make pi-check`: install and boot Sothutu on an emulated 64-bit ARM Debian 12.

1. the arm64 root (``root.py``: built once with mmdebstrap, then reused from the
   cache), with an overlay above it for this run;
2. the clone copied in; ``deploy/install.sh`` for real in a chroot (no systemd, no
   udevd: an image being prepared) with every role one Lite Pi can have; then what a
   technician does: the config's keypad pins, ``sothutu check``;
3. boot with systemd-nspawn; from the host, through the container's network
   namespace: tickets with the kiosk key, a call with counter 1's key, the display
   announcing it (heard in SDL's disk audio file), every unit active, none restarted;
4. a power cut in the middle of issuing; boot again: every answered ticket is
   there, no code is issued twice, every unit is back within 60 s of boot;
5. ``install.sh`` again on the running system (an update): config, keys and
   tickets kept, the units back;
6. the timings into docs/performance.md (``--no-docs``: not).

The emulated machine has no GPU, GPIO or sound card, so the check adds three lines
to the installed /etc/sothutu/environment (mock GPIO pins, SDL's disk audio, and from
the second boot on the offscreen video driver). Logs go to tests/artifacts/pi-check/.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from array import array
from datetime import datetime
from pathlib import Path

from tests.pi import machine, root
from tests.pi.machine import Chroot, Container, MachineError

REPO = machine.REPO
ARTIFACTS = REPO / "tests" / "artifacts" / "pi-check"
SRC_IN_ROOT = "/root/sothutu"
ROLES = "--server --display --kiosk-headless --keypad 1 --rating-keypad 1 --mode lite"
PRINTER = "/var/lib/sothutu/printer.bin"
AUDIO = "/var/lib/sothutu/pi-check-audio.raw"
UNITS = (
    "sothutu-server.service",
    "sothutu-kiosk.service",
    "sothutu-display.service",
    "sothutu-keypad@1.service",
    "sothutu-rating-keypad@1.service",
    "sothutu-backup.timer",
)
KMSDRM_LIBS = ("libdrm.so.2", "libgbm.so.1", "libEGL.so.1", "libGLESv2.so.2")
RATING_PINS = '["GPIO4", "GPIO12", "GPIO18", "GPIO7", "GPIO8"]'  # deploy/README.md wiring
# What each program logs once it serves.
READY = {
    "sothutu-server.service": r"INFO counter_api: Sothutu \S+ serving",
    "sothutu-kiosk.service": r"kiosk\.workers: printer status reported: ok",
    "sothutu-display.service": r"display\.app: event stream connected",
    "sothutu-keypad@1.service": r"keypad of counter 1 serving",
    "sothutu-rating-keypad@1.service": r"rating keypad for Quầy 1 on pins",
}
UNITS_BACK_WITHIN = 60.0  # seconds after boot
TICKETS = 300
HEADLINE_INK = (255, 204, 0)  # the called code's yellow on the display

_began = time.monotonic()


def say(message: str) -> None:
    print(f"pi-check [{time.monotonic() - _began:6.0f} s] {message}", file=sys.stderr, flush=True)


class CheckFailed(AssertionError):
    pass


def expect(ok: object, message: str) -> None:
    if not ok:
        raise CheckFailed(message)


# --- the root and the clone -------------------------------------------------------------


def copy_clone(pi: Path) -> None:
    """The clone's files as they are now (tracked and new, not ignored) into the root."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    dest = pi / SRC_IN_ROOT.lstrip("/")
    for name in filter(None, files):
        src = REPO / name.decode()
        if not src.is_file():
            continue  # deleted in the work tree
        target = dest / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def prepare_root(pi: Path, log: Path) -> None:
    """Test-only set-up of the root (not install.sh's job): this machine's pip index
    and apt proxy settings and its resolver, so that apt and pip inside reach what
    they reach here, and a Pi's host name. The machine's own CA certificates went in
    when the root was built (``root.py``); here they are checked."""
    bundle = (pi / root.SYSTEM_BUNDLE.lstrip("/")).read_text(errors="replace")
    certs = root.extra_certificates()
    for name, data in certs.items():
        pems = re.findall(r"-----BEGIN CERTIFICATE-----\n(.*?)-----END", data.decode(), re.S)
        expect(all(p in bundle for p in pems), f"the root does not trust {name}")
    settings = root.host_pip_config()
    settings.pop("cert", None)
    lines = ["[global]", f"cert = {root.SYSTEM_BUNDLE}"]
    lines += [f"{k} = {v}" for k, v in sorted(settings.items())]
    (pi / "etc/pip.conf").write_text("\n".join(lines) + "\n")
    proxy = root.apt_proxy()
    if proxy:
        (pi / "etc/apt/apt.conf.d/99sothutu-pi-check-proxy").write_text("\n".join(proxy) + "\n")
    resolv = pi / "etc/resolv.conf"
    if resolv.is_symlink():
        resolv.unlink()
    shutil.copy2("/etc/resolv.conf", resolv)
    (pi / "etc/hostname").write_text("sothutu\n")
    hosts = pi / "etc/hosts"
    hosts.write_text("127.0.0.1\tlocalhost\n127.0.1.1\tsothutu\n::1\tlocalhost\n")
    log.write_text("".join(f"{line}\n" for line in lines + proxy))
    say(
        f"root: trusts this machine's {len(certs)} CA certificates; pip settings "
        f"{sorted(settings) or 'none'}{', apt proxy' if proxy else ''}"
    )


def technician_edits(pi: Path) -> None:
    """What the guide has the technician do after the install: the keypads' pins in
    the config. And the emulated machine's missing hardware in the environment."""
    cfg = pi / "etc/sothutu/config.toml"
    text = cfg.read_text(encoding="utf-8")
    start = text.index("[[keypads]]")
    head, tail = text[:start], text[start:]
    tail = re.sub(r"^counter = \d+$", "counter = 1", tail, count=1, flags=re.M)
    text = head + tail
    text = re.sub(r"^keypad_pins = \[\]$", f"keypad_pins = {RATING_PINS}", text, flags=re.M)
    cfg.write_text(text, encoding="utf-8")
    env = pi / "etc/sothutu/environment"
    env.write_text(
        env.read_text()
        + "\n# pi-check: the emulated machine has no GPIO, sound card or GPU.\n"
        + "GPIOZERO_PIN_FACTORY=mock\n"
        + f"SDL_AUDIODRIVER=disk\nSDL_DISKAUDIOFILE={AUDIO}\n"
    )


def offscreen_video(pi: Path) -> None:
    env = pi / "etc/sothutu/environment"
    env.write_text(env.read_text() + "SDL_VIDEODRIVER=offscreen\n")


def read_config(pi: Path) -> dict:
    with (pi / "etc/sothutu/config.toml").open("rb") as fh:
        return tomllib.load(fh)


# --- install -----------------------------------------------------------------------------


def install_phases(log: Path) -> dict[str, float]:
    """Seconds per phase of an install, from the time stamps of its output."""
    stamped = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"\[\s*([\d.]+)\] (.*)", line)
        if m:
            stamped.append((float(m[1]), m[2]))
    if not stamped:
        return {}

    def first(pattern: str, after: float = 0.0) -> float | None:
        for t, text in stamped:
            if t >= after and re.search(pattern, text):
                return t
        return None

    end = stamped[-1][0]
    pip_start = first(r"^(Collecting|Requirement already satisfied|Looking in indexes)\b")
    pip_end = first(r"^No broken requirements found", pip_start or 0.0)
    voice_end = first(r"^voicepack: ")
    apt_lines = (
        r"^(Get:|Fetched|Reading|Building dependency|Selecting|Preparing|Unpacking"
        r"|Setting up|Processing triggers)"
    )
    apt_end = max(
        (t for t, text in stamped if re.match(apt_lines, text) and t <= (pip_start or end)),
        default=None,
    )
    phases: dict[str, float] = {"total": end}
    if apt_end is not None:
        phases["apt"] = apt_end
    if apt_end is not None and pip_end is not None:
        phases["python"] = pip_end - apt_end  # the user, the venv, the wheels
    if voice_end is not None:
        before = [t for t, _ in stamped if t < voice_end]
        phases["voice"] = voice_end - (before[-1] if before else 0.0)
    return phases


def first_install(pi: Path, ch: Chroot, logs: Path) -> dict[str, float]:
    log = logs / "install-1.log"
    say(f"install: deploy/install.sh {ROLES} (for real, in a chroot: emulated, slow)")
    cmd = f"cd {SRC_IN_ROOT} && nice -n 10 deploy/install.sh {ROLES} --printer file:{PRINTER}"
    done = ch.run(cmd, log=log, timeout=25 * 60, env=["DEBIAN_FRONTEND=noninteractive"])
    expect(done.returncode == 0, f"install.sh failed ({done.returncode}); see {log}")
    out = done.stdout
    said = [x for x in out.splitlines() if "no running systemd here" in x]
    expect(len(said) == 1, f"install.sh did not say once that systemd does not run: {said}")
    expect("Traceback" not in out, f"a Python traceback in {log}")
    # Wheels only: no compiler, no headers, nothing built from a source package.
    probe = ch.run(
        "command -v gcc cc c++ || true; dpkg-query -W -f '${db:Status-Status} ${Package}\\n' "
        "'*-dev' build-essential 2>/dev/null | awk '$1 == \"installed\" { print $2 }'"
    )
    expect(not probe.stdout.strip(), f"a compiler or -dev package is installed: {probe.stdout}")
    expect("Building wheel for pygame" not in out, "pygame was built from source")
    sdl = ch.run(
        "PYGAME_HIDE_SUPPORT_PROMPT=1 /opt/sothutu/venv/bin/python -c "
        "'import pygame, importlib.metadata as m; "
        'print(m.version("pygame-ce"), pygame.IS_CE, pygame.get_sdl_version())\''
    )
    expect(sdl.returncode == 0, f"pygame-ce does not import on arm64: {sdl.stdout}")
    libs = list((pi / "opt/sothutu/venv/lib").glob("python3*/site-packages/pygame_ce.libs"))
    sdl_libs = [p for lib in libs for p in lib.glob("libSDL2-*")]
    expect(sdl_libs and b"KMSDRM" in sdl_libs[0].read_bytes(), "pygame-ce's SDL lacks KMS/DRM")
    # What SDL's KMS/DRM driver loads at run time on a Pi, and the Pi GPUs' Mesa drivers.
    known = ch.run("ldconfig -p").stdout
    absent = [lib for lib in KMSDRM_LIBS if lib not in known]
    dri = pi / "usr/lib/aarch64-linux-gnu/dri"
    absent += [d for d in ("v3d_dri.so", "vc4_dri.so") if not (dri / d).exists()]
    expect(not absent, f"KMS/DRM would not open on a Pi: missing {absent}")
    phases = install_phases(log)
    version = sdl.stdout.split()[0]
    sdl_version = ".".join(re.findall(r"\d+", sdl.stdout)[-3:])
    say(
        f"install: done in {phases.get('total', 0):.0f} s; pygame-ce {version} from a wheel"
        f" (SDL {sdl_version} with KMS/DRM), no compiler"
    )
    technician_edits(pi)
    check = ch.run("sothutu check")
    expect(
        check.returncode == 0 and ": OK: " in check.stdout,
        f"sothutu check failed: {check.stdout}",
    )
    say(f"technician: keypad pins set; {check.stdout.strip()}")
    return phases


# --- the booted Pi -----------------------------------------------------------------------


def unit_states(pi: Container) -> dict[str, dict[str, str]]:
    done = pi.exec(
        ["systemctl", "show", "--property=Id,ActiveState,SubState,NRestarts", *UNITS],
        timeout=60,
    )
    states: dict[str, dict[str, str]] = {}
    for block in done.stdout.strip().split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if "Id" in fields:
            states[fields["Id"]] = fields
    return states


def wait_units(pi: Container, timeout: float) -> tuple[float, dict[str, dict[str, str]]]:
    """Seconds since boot until every unit is active; their states then."""
    deadline = time.monotonic() + timeout
    states: dict[str, dict[str, str]] = {}
    while time.monotonic() < deadline:
        with contextlib.suppress(MachineError, subprocess.TimeoutExpired):
            states = unit_states(pi)
            if len(states) == len(UNITS) and all(
                s["ActiveState"] == "active" for s in states.values()
            ):
                return pi.since_boot(), states
        time.sleep(1.0)
    raise CheckFailed(f"units not all active within {timeout:.0f} s: {states}")


def journal(pi: Container, unit: str) -> str:
    """This boot's log of ``unit``."""
    cmd = ["journalctl", "--no-pager", "--boot", "-o", "cat", "-u", unit]
    return pi.exec(cmd, timeout=60).stdout


def ready_counts(pi: Container) -> dict[str, int]:
    """How often each program said it serves, in this boot's journal."""
    text = pi.exec(["journalctl", "--no-pager", "--boot", "-o", "cat"], timeout=60).stdout
    return {unit: len(re.findall(pattern, text)) for unit, pattern in READY.items()}


def wait_ready(pi: Container, timeout: float, before: dict[str, int] | None = None) -> float:
    """Seconds since boot until every program said it serves (more often than in
    ``before``). Units are "active" as soon as they start; under emulation the programs
    then take a while to load."""
    deadline = time.monotonic() + timeout
    waiting = list(READY)
    while time.monotonic() < deadline:
        counts = ready_counts(pi)
        waiting = [u for u in READY if counts[u] <= (before or {}).get(u, 0)]
        if not waiting:
            return pi.since_boot()
        time.sleep(1.0)
    raise CheckFailed(f"not serving within {timeout:.0f} s: {waiting}")


def wait_for_log(pi: Container, unit: str, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = journal(pi, unit)
        m = re.search(pattern, text)
        if m:
            return m[0]
        time.sleep(1.0)
    raise CheckFailed(f"{unit} never logged /{pattern}/; its journal:\n{text[-3000:]}")


def no_restarts(states: dict[str, dict[str, str]]) -> None:
    restarted = {u: s["NRestarts"] for u, s in states.items() if s.get("NRestarts", "0") != "0"}
    expect(not restarted, f"units restarted: {restarted}")


def loud_samples(path: Path, after: int = 0) -> int:
    """How many 16-bit samples past byte ``after`` of SDL's disk audio are not quiet."""
    data = path.read_bytes()[after:]
    samples = array("h")
    samples.frombytes(data[: len(data) - len(data) % 2])
    return sum(1 for v in samples if abs(v) > 1000)


def first_boot(pi_root: Path, pi: Container, cfg: dict, logs: Path, t: dict) -> None:
    kiosk_key = cfg["kiosks"][0]["key"]
    counter_key = next(c["key"] for c in cfg["counters"] if c["number"] == 1)
    answer = pi.probe("wait", "--timeout", "240")
    t["boot_answer_1"] = pi.since_boot()
    say(f"boot 1: the server answered {t['boot_answer_1']:.1f} s after the boot began")
    t["units_active_1"], states = wait_units(pi, 240)
    t["ready_1"] = wait_ready(pi, 240)
    say(
        f"boot 1: every unit active {t['units_active_1']:.1f} s, every program serving "
        f"{t['ready_1']:.1f} s after the boot began"
    )
    expect(answer["health"]["status"] == "ok", f"health: {answer}")

    t["load"] = float(Path("/proc/loadavg").read_text().split()[0])
    issued = pi.probe(
        "issue", "--key", kiosk_key, "--count", str(TICKETS), "--clients", "4",
        "--log", str(logs / "tickets.jsonl"),
    )  # fmt: skip
    t["issue"] = issued
    say(
        f"issue: {issued['issued']} tickets in {issued['seconds']:.1f} s = "
        f"{issued['rate']:.0f}/s (p50 {issued['p50_ms']:.0f} ms, p99 {issued['p99_ms']:.0f} ms)"
    )
    expect(issued["issued"] == TICKETS, f"not every ticket was issued: {issued}")

    audio = pi_root / AUDIO.lstrip("/")
    heard_before = audio.stat().st_size if audio.exists() else 0
    called = pi.probe("call", "--key", counter_key, "--counter", "1")
    code = called["ticket"]["code"]
    from sothutu.voice.announce import announcement

    words = announcement(code, 1, dialect=cfg.get("voice", {}).get("dialect", "north")).text
    line = wait_for_log(pi, "sothutu-display.service", re.escape(f"announcing: {words}"), 90)
    say(f"call: counter 1 called {code}; the display logged '{line}'")
    deadline = time.monotonic() + 30
    while audio.exists() and loud_samples(audio, heard_before) < 2000:
        expect(time.monotonic() < deadline, f"the announcement of {code} was not heard in {AUDIO}")
        time.sleep(1.0)
    expect(audio.exists(), f"no disk audio at {AUDIO}: the display opened no sound device")
    say(f"call: the announcement is in {AUDIO} ({loud_samples(audio, heard_before)} loud samples)")

    display = journal(pi, "sothutu-display.service")
    said = [x for x in display.splitlines() if "cannot open the screen" in x]
    expect(len(said) == 1, f"the display's missing screen said {len(said)} times:\n{display}")
    expect("through the speakers" in said[0], f"the display did not go on with sound: {said[0]}")
    say(f"display without GPU: said once: '{said[0][:110]}…'")

    printed = pi_root / PRINTER.lstrip("/")
    before = printed.stat().st_size if printed.exists() else 0
    test = pi.exec(["sothutu", "print-test"], timeout=180)
    expect(test.returncode == 0, f"sothutu print-test failed: {test.stdout}")
    expect(printed.exists() and printed.stat().st_size > before, "print-test printed nothing")
    say(f"print-test: {printed.stat().st_size - before} bytes of ESC/POS in {PRINTER}")

    states = unit_states(pi)
    inactive = {u: s["ActiveState"] for u, s in states.items() if s["ActiveState"] != "active"}
    expect(not inactive, f"units not active: {inactive}")
    no_restarts(states)
    say("boot 1: every unit active, none restarted (the server's watchdog held)")


def power_cut(pi: Container, cfg: dict, logs: Path, t: dict) -> None:
    kiosk_key = cfg["kiosks"][0]["key"]
    log = logs / "tickets.jsonl"
    before = len(log.read_text().splitlines())
    args = ["load", "--key", kiosk_key, "--clients", "4", "--log", str(log), "--give-up", "3"]
    cmd = pi.host_command([sys.executable, "-m", "tests.pi.probe", *args])
    load = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(log.read_text().splitlines()) < before + 100:
        expect(load.poll() is None, "the load stopped before the power cut")
        expect(time.monotonic() < deadline, "fewer than 100 tickets in 120 s under load")
        time.sleep(0.1)
    pi.kill()
    try:
        out, _ = load.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        load.kill()
        out, _ = load.communicate()
    result = json.loads(out) if out.strip() else {}
    t["cut_answered"] = result.get("issued", 0)
    say(f"power cut: container killed while issuing; {result.get('issued')} tickets answered")


def second_boot(pi: Container, cfg: dict, logs: Path, t: dict) -> None:
    kiosk_key = cfg["kiosks"][0]["key"]
    pi.probe("wait", "--timeout", "240")
    t["boot_answer_2"] = pi.since_boot()
    say(f"boot 2: the server answered {t['boot_answer_2']:.1f} s after the boot began")
    t["units_active_2"], states = wait_units(pi, 240)
    t["ready_2"] = wait_ready(pi, 240)
    say(
        f"boot 2: every unit active {t['units_active_2']:.1f} s, every program serving "
        f"{t['ready_2']:.1f} s after the boot began"
    )
    expect(
        t["ready_2"] <= UNITS_BACK_WITHIN,
        f"programs back only {t['ready_2']:.0f} s after boot (at most {UNITS_BACK_WITHIN:.0f})",
    )
    found = pi.probe("verify", "--key", kiosk_key, "--log", str(logs / "tickets.jsonl"))
    (logs / "verify-after-cut.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    expect(not found["missing"], f"answered tickets lost in the power cut: {found['missing']}")
    expect(not found["changed"], f"tickets changed by the power cut: {found['changed']}")
    expect(not found["codes_twice"], f"codes issued twice: {found['codes_twice']}")
    expect(found["fresh_issued"] == 20, f"issuing after the cut failed: {found}")
    say(
        f"after the cut: all {found['logged']} answered tickets there, "
        f"{found['tickets']} in the database, no code twice, 20 more issued"
    )
    shown = wait_for_log(pi, "sothutu-display.service", r"display \d+x\d+ following", 60)
    say(f"display with SDL_VIDEODRIVER=offscreen: '{shown}'")
    screenshot(pi, logs)
    no_restarts(states)


def screenshot(pi: Container, logs: Path) -> None:
    """The display's picture of the server's state, drawn on arm64 (pygame-ce, freetype,
    the Vietnamese font): copied to the logs, and the called code must be on it."""
    shot = "/var/lib/sothutu/pi-check-display.png"
    done = pi.exec(
        ["runuser", "-u", "sothutu", "--", "/opt/sothutu/venv/bin/python", "-m", "display",
         "--config", "/etc/sothutu/config.toml", "--screenshot", shot, "--size", "1920x1080"],
        timeout=180,
    )  # fmt: skip
    expect(done.returncode == 0, f"display --screenshot failed: {done.stdout}")
    out = logs / "display-1920x1080.png"
    shutil.copy2(pi.root / shot.lstrip("/"), out)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    image = pygame.image.load(str(out))
    w, h = image.get_size()
    yellow = sum(
        1
        for x in range(0, w, 4)
        for y in range(0, h, 4)
        if image.get_at((x, y))[:3] == HEADLINE_INK
    )
    expect((w, h) == (1920, 1080) and yellow > 300, f"no called code drawn in {out}")
    say(f"display --screenshot on arm64: {out.relative_to(REPO)} ({yellow} headline samples)")


def update(pi_root: Path, pi: Container, cfg: dict, logs: Path, t: dict) -> None:
    """install.sh again on the running Pi, with the roles of last time. The container
    has no network (as a Pi may not), so it is the guide's --offline update."""
    config = pi_root / "etc/sothutu/config.toml"
    db = pi_root / "var/lib/sothutu/queue.db"
    digest = hashlib.sha256(config.read_bytes()).hexdigest()
    served = ready_counts(pi)
    log = logs / "install-2.log"
    began = time.monotonic()
    done = pi.exec(
        ["bash", "-c", f"cd {SRC_IN_ROOT} && deploy/install.sh --offline"], timeout=15 * 60, log=log
    )
    t["update"] = time.monotonic() - began
    expect(done.returncode == 0, f"the update failed ({done.returncode}); see {log}")
    expect("same roles as last time" in done.stdout, "the update did not reuse the roles")
    expect("keeping the config" in done.stdout, "the update did not keep the config")
    expect("New keys and PINs" not in done.stdout, "the update made new keys")
    expect(hashlib.sha256(config.read_bytes()).hexdigest() == digest, "the config changed")
    expect(db.exists(), "the database is gone")
    say(f"update: install.sh --offline on the running Pi in {t['update']:.0f} s, config kept")
    _, states = wait_units(pi, 240)
    wait_ready(pi, 240, served)  # each program restarted by the update serves again
    kiosk_key = read_config(pi_root)["kiosks"][0]["key"]
    expect(kiosk_key == cfg["kiosks"][0]["key"], "the kiosk key changed")
    pi.probe("wait", "--timeout", "120")
    found = pi.probe(
        "verify", "--key", kiosk_key, "--log", str(logs / "tickets.jsonl"), "--extra", "5"
    )
    expect(not found["missing"] and not found["changed"], f"tickets lost by the update: {found}")
    expect(not found["codes_twice"], f"codes issued twice after the update: {found}")
    expect(found["fresh_issued"] == 5, f"the old kiosk key no longer issues: {found}")
    no_restarts(states)
    say(f"update: {found['logged']} tickets kept, old keys still work, units back")


# --- the report --------------------------------------------------------------------------


def write_docs(t: dict) -> None:
    """The pi-check section of docs/performance.md (the other sections kept)."""
    from tests.perf.__main__ import OUT

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout.strip()
    if dirty:
        commit += " with local changes"
    phases = t["install"]
    issue = t["issue"]
    root_line = (
        f"{t['root_build']:.0f} s (built for this run)"
        if t.get("root_build") is not None
        else "reused from the cache (a cold build took "
        + (f"{t['root_build_before']:.0f} s)" if t.get("root_build_before") else "? s)")
    )
    lines = [
        "<!-- bench:pi -->",
        "## Raspberry Pi check: arm64 emulated (`make pi-check`)",
        "",
        "Debian 12 arm64 under QEMU user-mode emulation on the machine below;"
        " `deploy/install.sh` for real, booted with `systemd-nspawn`. Emulation runs"
        " 5–7× slower than a Pi 4/5: these are indicative figures, to notice a change,"
        " not the Pi's own.",
        "",
        f"- Date: {datetime.now().astimezone().isoformat(timespec='minutes')}; commit {commit}",
        f"- Machine: {host_machine()}",
        f"- Load average of the machine (shared) when the tickets were issued: {t['load']:.1f}",
        "",
        "| step | emulated |",
        "|---|---|",
        f"| root build (mmdebstrap, minbase + systemd, from the mirror) | {root_line} |",
        f"| install.sh, all roles of one Lite Pi: total | {phases.get('total', 0):.0f} s |",
        f"| &nbsp;· Debian packages (apt-get: all roles) | {phases.get('apt', 0):.0f} s |",
        f"| &nbsp;· Python venv and wheels (server, kiosk, display, keypads) "
        f"| {phases.get('python', 0):.0f} s |",
        f"| &nbsp;· voice pack with espeak-ng (display) | {phases.get('voice', 0):.0f} s |",
        f"| update: install.sh --offline on the running Pi | {t['update']:.0f} s |",
        f"| boot → first API answer (first boot / after the power cut) "
        f"| {t['boot_answer_1']:.1f} s / {t['boot_answer_2']:.1f} s |",
        f"| boot → every unit active (first boot / after the power cut) "
        f"| {t['units_active_1']:.1f} s / {t['units_active_2']:.1f} s |",
        f"| boot → every program serving (first boot / after the power cut) "
        f"| {t['ready_1']:.1f} s / {t['ready_2']:.1f} s |",
        f"| issue {issue['issued']} tickets, 4 kiosks at once: rate "
        f"| {issue['rate']:.0f} tickets/s |",
        f"| same: p50 / p99 | {issue['p50_ms']:.0f} / {issue['p99_ms']:.0f} ms |",
        f"| power cut while issuing: answered tickets lost / codes issued twice "
        f"| 0 of {t['cut_answered']} / 0 |",
        f"| whole check | {t['total'] / 60:.1f} min |",
        "",
        "The issue rate is bound by QEMU running Python: one client alone waits about"
        " 35 ms per ticket emulated, where the native server answers in 1–2 ms (above);"
        " the Python phase of the install is pip fetching and installing wheels, emulated.",
    ]
    old = OUT.read_text(encoding="utf-8") if OUT.exists() else "# Performance\n"
    kept = re.split(r"(?m)^<!-- bench:pi -->$", old, maxsplit=1)
    rest = ""
    if len(kept) == 2:
        after = re.search(r"(?m)^<!-- bench:", kept[1])
        rest = kept[1][after.start() :] if after else ""
    text = kept[0].rstrip() + "\n\n" + "\n".join(lines) + "\n"
    if rest:
        text += "\n" + rest
    OUT.write_text(text, encoding="utf-8")
    say(f"wrote the figures to {OUT.relative_to(REPO)}")


def host_machine() -> str:
    from tests.perf.__main__ import machine as host

    qemu = subprocess.run(["qemu-aarch64-static", "--version"], capture_output=True, text=True)
    version = qemu.stdout.split("\n")[0].replace("qemu-aarch64 version ", "QEMU ")
    return f"{host()}; {version or 'QEMU'}"


# --- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make pi-check", description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the cached root anew")
    parser.add_argument("--keep", action="store_true", help="keep the run's root afterwards")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/performance.md")
    args = parser.parse_args(argv)
    # CI's time limit or a Ctrl-C: unwind, so containers are killed and mounts undone.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t: dict = {}
    try:
        root.check_host()
        lock = root.lock()
        root.enable_binfmt(say)
        lower, t["root_build"] = root.cached_root(say, rebuild=args.rebuild)
    except root.RootError as exc:
        print(f"pi-check: {exc}", file=sys.stderr)
        return 2
    t["root_build_before"] = root.last_build_seconds(lower)
    t["lock"] = lock  # held until the process ends
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    run_dir = root.cache_dir() / "run"
    machine.remove_tree(run_dir)
    ok = False
    with machine.overlay(lower, run_dir) as pi_root:
        booted: list[Container] = []
        try:
            check(pi_root, booted, t)
            ok = True
        except (CheckFailed, MachineError, subprocess.TimeoutExpired) as exc:
            say(f"FAILED: {exc}")
        finally:
            for pi in booted:
                if pi.running:
                    with contextlib.suppress(Exception):
                        save_journal(pi)
                    pi.kill()
    if ok and not args.keep:
        machine.remove_tree(run_dir)
    else:
        say(f"the run's root stays in {run_dir} (upper/ holds what changed)")
    if not ok:
        say(f"logs: {ARTIFACTS.relative_to(REPO)}/")
        return 1
    t["total"] = time.monotonic() - _began
    if not args.no_docs:
        write_docs(t)
    say(f"passed in {t['total'] / 60:.1f} min")
    return 0


def check(pi_root: Path, booted: list[Container], t: dict) -> None:
    """Steps 2 to 5 on the overlay ``pi_root``; every container booted is in ``booted``."""
    copy_clone(pi_root)
    prepare_root(pi_root, ARTIFACTS / "prepare.log")
    with Chroot(pi_root) as ch:
        t["install"] = first_install(pi_root, ch, ARTIFACTS)
    cfg = read_config(pi_root)
    console = ARTIFACTS / "console.log"
    booted.append(Container(pi_root, console).boot())
    say("boot 1: systemd-nspawn started (kmsdrm video: no GPU here)")
    first_boot(pi_root, booted[-1], cfg, ARTIFACTS, t)
    power_cut(booted[-1], cfg, ARTIFACTS, t)
    offscreen_video(pi_root)
    booted.append(Container(pi_root, console).boot())
    say("boot 2: after the power cut (offscreen video from now on)")
    second_boot(booted[-1], cfg, ARTIFACTS, t)
    update(pi_root, booted[-1], cfg, ARTIFACTS, t)
    save_journal(booted[-1])
    took = booted[-1].poweroff()
    say(f"poweroff: the container stopped {took:.1f} s after systemctl poweroff")


def save_journal(pi: Container) -> None:
    done = pi.exec(["journalctl", "--no-pager", "-b"], timeout=60)
    (ARTIFACTS / "journal.log").write_text(done.stdout)


if __name__ == "__main__":
    sys.exit(main())
