"""Append-only record of who read or changed sensitive records."""
