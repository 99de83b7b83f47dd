"""Live updates across worker processes: PostgreSQL LISTEN/NOTIFY, or an in-process hub on SQLite."""
