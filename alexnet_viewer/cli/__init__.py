"""The commands: one module per command, dispatched by ``dispatch.main``."""
