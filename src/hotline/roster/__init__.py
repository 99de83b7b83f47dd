"""Rosters and shifts: lines, shift templates, assignments, checks, publishing, the staffing forecast.

The work on the roster's tables stands in layers, each module building only on those before it: times
(the forms' times, a line's clock), lines (lines, templates, holidays, generating shifts), shifts, people
(staff, profiles, limits, availability, time off) and assigning (the checks on the data, assigning,
candidates, publishing). checks.py and staffing.py are pure; the call console and the referral queue ask
on_now.py; a person's shifts and calendar address are feeds.py, the staffing forecast forecast.py, the
week grid week.py, swaps swaps.py, and the pages views/.
"""
