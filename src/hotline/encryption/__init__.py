"""Field-level encryption at rest: sealed columns, the key ring, re-sealing under a new key."""
