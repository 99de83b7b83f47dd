"""Rosters and shifts: lines, shift templates, assignments, checks, publishing, the staffing forecast."""
