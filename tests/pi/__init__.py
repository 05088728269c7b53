"""`make pi-check`: Sothutu installed and booted on a 64-bit ARM Debian root.

An arm64 Debian 12 root (cached, see ``root.py``) runs under QEMU user-mode
emulation; ``deploy/install.sh`` installs into it for real, ``systemd-nspawn``
boots it with systemd as PID 1, and the checks talk to it from the host through
the container's network namespace (``probe.py``). See ``__main__.py``.
"""
