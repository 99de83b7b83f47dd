"""Screening instruments (PHQ-9, GAD-7, PHQ-4) and the caller's distress over a call.

`instruments.py` and `charts.py` are pure; `models.py`, `service.py` and `views.py` store and show them.
"""
