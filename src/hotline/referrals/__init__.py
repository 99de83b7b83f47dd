"""Referrals: flagged callers handed to supervisors and onward."""
