"""The console's side of triage: the active rule set, the playground, the rules page, /api/v1/triage."""
