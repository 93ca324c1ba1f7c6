"""Pure parts of the live meeting machine; `realtime.meeting` is the only entry point.

Nothing in this package does I/O, reads a clock or imports a web, socket or database library.
"""
