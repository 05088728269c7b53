"""SIGTERM stops a program even when it arrives while the main thread holds the lock
its stopping needs (sothutu.signals): a display once ignored SIGTERM for good, its
handler waiting for the lock of the Event its own loop was inside."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import os, signal, sys, threading, time
lock = threading.Lock()
stopped = threading.Event()

by = []

def stop(signum):
    with lock:  # what Event.set() or Queue.put() does inside
        by.append(signal.Signals(signum).name)
        stopped.set()

{install}
with lock:  # the main loop inside Event.wait(), Event.clear() or Queue.get()
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.3)
if not stopped.wait(5):
    sys.exit(3)
print("stopped by", *by, flush=True)
"""


def _run(install: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(HOLDER).format(install=install)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_a_signal_arriving_while_the_main_thread_holds_the_lock_stops_the_program() -> None:
    done = _run("from sothutu.signals import on_stop\non_stop(stop)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped by SIGTERM"


def test_a_plain_handler_would_wait_for_itself() -> None:
    """The failure this guards against, shown: the same program with a plain handler
    never finishes."""
    plain = "signal.signal(signal.SIGTERM, lambda signum, frame: stop(signum))"
    try:
        _run(plain, timeout=3)
    except subprocess.TimeoutExpired:
        return
    raise AssertionError("a plain handler taking a lock its thread holds should hang")


def test_other_signals_are_left_alone() -> None:
    """Only the signals asked for call back; SIGINT stays Python's KeyboardInterrupt."""
    code = textwrap.dedent(
        """
        import os, signal, threading, time
        from sothutu.signals import on_stop
        hit = []
        on_stop(hit.append, (signal.SIGTERM,))
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except KeyboardInterrupt:
            print("interrupt", hit, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(50):
            if hit:
                break
            time.sleep(0.02)
        print("term", hit == [signal.SIGTERM], flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=20
    )
    assert done.stdout.split("\n")[:2] == ["interrupt []", "term True"], done.stdout + done.stderr
