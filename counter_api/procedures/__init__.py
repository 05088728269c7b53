"""The procedure catalogue (thủ tục hành chính): model, CSV, search, checklist.

Everything here but ``catalogue`` (SQLite), ``poster`` (Pillow) and ``cli`` is
pure standard library plus rapidfuzz, so the kiosk can use the model, the
search and the checklist without loading the web framework.
"""
