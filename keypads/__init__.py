"""Push-button devices on a Raspberry Pi's GPIO that talk to the queue server's API.

``python -m keypads.counter --config FILE --counter N``: a counter's keypad
(next, recall, no-show, done; an LED and a buzzer). ``python -m keypads.rating
--config FILE --counter N``: a five-button satisfaction keypad. Both use the
one GPIO policy of ``sothutu.gpio`` and never load Flask.
"""
