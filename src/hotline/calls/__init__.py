"""Calls: the live call screen, notes that autosave, repeat callers, ending a call."""
