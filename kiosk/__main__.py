"""``python -m kiosk --config FILE [--windowed | --headless | --screenshot OUT.png]
[--size WxH] [print-test]``."""

from kiosk.cli import main

raise SystemExit(main())
