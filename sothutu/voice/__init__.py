"""The spoken announcement: Vietnamese number reading, the sentence and its clips,
the chime, and voice packs of WAV files (pure standard library, no pygame).

Both displays say the same thing: the pygame display plays the clips itself,
the browser display gets them from the server, which reads the same pack.
"""
