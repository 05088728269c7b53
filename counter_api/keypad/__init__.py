"""Counter keypads: push buttons, an LED and a buzzer on a Raspberry Pi's GPIO.

``python -m counter_api.keypad --config FILE --counter N``. Standard library,
gpiozero and ``counter_api.client`` only: a keypad never loads Flask.
"""
