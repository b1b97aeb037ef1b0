"""People as records: identity resolution across platforms and the profiles it reads (pure)."""
