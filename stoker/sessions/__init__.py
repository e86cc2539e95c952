"""Interactive sessions: warm pool drivers reserved for one user, and their statements."""
