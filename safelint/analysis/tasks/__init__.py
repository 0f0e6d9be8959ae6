"""Coroutines and tasks: where a coroutine yields to the event loop, and which coroutines
run concurrently with themselves (SL110, SL306, SL307)."""
