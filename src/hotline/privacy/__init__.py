"""Retention, legal hold, callers' data requests, backup and restore."""
