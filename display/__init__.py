"""The waiting-room display: the calls on the TV and Vietnamese voice announcements.

``python -m display --config FILE``. ``state`` is pure (no pygame); the words
and clips of an announcement come from ``sothutu.voice``, which the browser
display served by the queue server uses too.
"""
