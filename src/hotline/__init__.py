"""Hotline: a console for psychological-support hotlines."""

__version__ = "0.1.0"
