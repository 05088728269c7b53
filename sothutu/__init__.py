"""What every Sothutu program shares: config, API client, clock, words, voice, fonts.

The queue server (``counter_api``), the kiosk, the display, the keypads and the
province hub import from here and never from each other. Importing this
package, or any module in it, loads no Flask and no pygame.
"""

__version__ = "0.1.0"
