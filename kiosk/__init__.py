"""The kiosk: a touchscreen (or push-button) ticket machine with a thermal printer.

``python -m kiosk --config FILE`` runs it. The pieces: ``state`` (pure screen
state and its transitions, with ``opening``: the server's hours in words),
``layout`` and ``render`` (pygame drawing, with ``typeset``: text sizes and
measures, and ``panel``: the screen's millimetres for 15 mm touch targets),
``ticket`` (the ticket as a 1-bit image), ``printer`` (ESC/POS connections),
``workers`` (HTTP, printing and the event stream on threads), ``buttons``
(gpiozero), ``app`` and ``headless`` (the two main loops), ``shot`` (the start
screen drawn once, for ``--screenshot``).
"""
