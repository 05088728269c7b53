"""Counter keypads: push buttons, an LED and a buzzer on a Raspberry Pi's GPIO.

``python -m keypads.counter --config FILE --counter N``. Standard library,
gpiozero and ``sothutu.client`` only: a keypad never loads Flask.
"""
