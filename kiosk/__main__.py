"""``python -m kiosk --config FILE [--windowed | --headless] [print-test]``."""

from kiosk.cli import main

raise SystemExit(main())
