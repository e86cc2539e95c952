"""Job bookmarks: a run's starting state and its commit, and a person's reset, rewind, set."""
