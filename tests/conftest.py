import os

# Qt must never try to open a real display in tests or CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
