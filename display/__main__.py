"""``python -m display --config FILE``: the waiting-room display.

python -m display --config FILE                 full screen on the TV, with voice
python -m display --config FILE --windowed      in a window (demo, set-up)
python -m display --config FILE --screenshot OUT.png [--size 1366x768]
                                                the server's current state, once
python -m display --config FILE say A015 3 [--recall | --calls N] [--text] [--clips]
                                                say one announcement (or print it)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from sothutu.clock import SystemClock
from sothutu.config import Config, load_or_exit, parse_size
from sothutu.signals import on_stop
from sothutu.voice.announce import announcement, split_code

log = logging.getLogger("display")

DEFAULT_SHOT = (1920, 1080)
DEFAULT_WINDOW = (1280, 720)


def _size(text: str) -> tuple[int, int]:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m display", description="Sothutu's waiting-room display and voice."
    )
    parser.add_argument("--config", required=True, help="the Sothutu config file (TOML)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--size", type=_size, help="window or screenshot size, e.g. 1366x768")
    parser.add_argument("--screenshot", metavar="OUT.png", help="draw the current state, exit")
    parser.add_argument("--url", help="the server's address (default: from the config)")
    parser.add_argument("--log-level", default="info", help="debug, info, warning (default info)")
    sub = parser.add_subparsers(dest="command")
    say = sub.add_parser("say", help="say one announcement, e.g. say A015 3")
    say.add_argument("code", help="ticket code, e.g. A015")
    say.add_argument("counter", type=int, help="counter number")
    say.add_argument("--recall", action="store_true", help='"Mời lần thứ hai, ..."')
    say.add_argument(
        "--calls",
        type=int,
        metavar="N",
        help='a recall, the N-th call: 3 says "Mời lần thứ ba, ..." (implies --recall)',
    )
    say.add_argument("--text", action="store_true", help="print the words instead of saying them")
    say.add_argument("--clips", action="store_true", help="print the voice-pack clips in order")
    return parser


def _config_size(config: Config) -> tuple[int, int] | None:
    return _size(config.display.size) if config.display.size else None


def say(config: Config, args: argparse.Namespace) -> int:
    """The ``say`` command: one announcement, aloud or as text."""
    voice = config.voice
    try:
        split_code(args.code)
        recall = args.recall or args.calls is not None
        ann = announcement(
            args.code,
            args.counter,
            recall=recall,
            calls=args.calls,
            dialect=voice.dialect,
            repeat=voice.repeat,
            chime=voice.chime or voice.announce == "chime",
            speech=voice.announce != "chime",
        )
    except ValueError as exc:
        print(f"display say: {exc}", file=sys.stderr)
        return 2
    if args.text or args.clips:
        if args.text:
            print(ann.text or "(chime only)")
        if args.clips:
            print("\n".join(ann.clips))
        return 0
    from display.audio import Announcer, NullOutput, open_output
    from display.state import Spoken
    from display.voicepack import VoicePack

    output = open_output("nothing was said")
    if isinstance(output, NullOutput):
        return 1
    if voice.announce == "off":
        from dataclasses import replace

        voice = replace(voice, announce="voice")
    pack = VoicePack(
        config.resolve(voice.pack), output.fmt, dialect=voice.dialect, use_espeak=voice.espeak
    )
    clock = SystemClock()
    announcer = Announcer(output, pack, voice, clock)
    done = announcer.play_now(Spoken(ann.code, args.counter, recall, clock.now(), ann.calls))
    print(done.text or "(chime only)")
    output.close()
    return 0


def screenshot(config: Config, out: str, size: tuple[int, int], url: str | None) -> int:
    """Draw the running server's current state into ``out`` (PNG); 1 when unreachable."""
    import pygame

    from display import state as st
    from display.app import initial_state
    from display.render import Renderer
    from sothutu.client import ApiClient, ClientError, Unreachable

    clock = SystemClock()
    now = clock.now()
    state = initial_state(config, now)
    client = ApiClient(url or config.server.client_url(), timeout=5.0)
    reachable = True
    try:
        data = client.state()
        state = st.connection(state, True, now)
        state, _ = st.apply(state, "snapshot", data, data.get("last_event_id"), now)
        now = clock.now()
    except (Unreachable, ClientError) as exc:
        print(f"display: server unreachable: {exc}", file=sys.stderr)
        state = st.connection(state, False, now)
        reachable = False
    surface = pygame.Surface(size)
    report = Renderer().draw(surface, st.view(state, now, config.centre.tz))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, out)
    for o in report.overflows:
        print(f"display: text does not fit: {o}", file=sys.stderr)
    return 0 if reachable else 1


def _announcer(config: Config, note: str):
    """The voice, or None when it is off or there is no audio device (logged once)."""
    if config.voice.announce == "off":
        return None
    from display.audio import Announcer, MixerOutput, open_output
    from display.voicepack import VoicePack

    output = open_output(note)
    if not isinstance(output, MixerOutput):
        return None
    pack = VoicePack(
        config.resolve(config.voice.pack),
        output.fmt,
        dialect=config.voice.dialect,
        use_espeak=config.voice.espeak,
    )
    return Announcer(output, pack, config.voice, SystemClock()).start()


def run(config: Config, args: argparse.Namespace) -> int:
    """The display itself, until closed or signalled.

    A screen that does not open (no TV, no GPU, a video driver missing) is said once;
    the display then follows the server and announces calls without it, trying the
    screen again now and then, rather than exiting to be restarted over and over.
    """
    import pygame

    from display.app import DisplayApp
    from display.screen import FIRST_RETRY, MAX_RETRY, Screen

    screen = Screen(
        args.size or _config_size(config),
        windowed=args.windowed,
        default_window=DEFAULT_WINDOW,
        caption="Sothutu — màn hình gọi số",
    )
    opened = screen.open()
    announcer = _announcer(
        config, "the screen keeps working" if opened else "and there is no screen either"
    )
    if not opened:
        log.error(
            "cannot open the screen (SDL video driver %s: %s); %s, and tries the screen "
            "again in %.0f s, then less often (up to every %.0f s)",
            os.environ.get("SDL_VIDEODRIVER") or "default",
            screen.error,
            "the display announces calls through the speakers only"
            if announcer is not None
            else "the display follows the server without screen or sound",
            FIRST_RETRY,
            MAX_RETRY,
        )
    app = DisplayApp(config, announcer=announcer, base_url=args.url, screen=screen)

    # Not a plain handler: one calling app.quit() could wait for a lock its own
    # thread holds in the loop (sothutu.signals).
    on_stop(lambda _signum: app.quit())
    surface = screen.surface()
    if surface is not None:
        w, h = surface.get_size()
        log.info("display %dx%d following %s", w, h, app.stream.base_url)
    else:
        log.info("display without a screen following %s", app.stream.base_url)
    app.run()
    pygame.quit()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    config = load_or_exit(args.config, "display")
    if args.command == "say":
        return say(config, args)
    if args.screenshot:
        size = args.size or _config_size(config) or DEFAULT_SHOT
        return screenshot(config, args.screenshot, size, args.url)
    return run(config, args)


if __name__ == "__main__":
    raise SystemExit(main())
