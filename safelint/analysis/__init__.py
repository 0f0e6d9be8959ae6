"""Shared analyses every rule asks instead of walking the tree its own way."""
