"""What many test folders share: the simulator's test settings, building a ``QwenApp`` for a
test, and waiting until the app has done what a test waits for. The fixtures that use them are in
``tests/conftest.py``."""
