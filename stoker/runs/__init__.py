"""Runs: the run service (the only caller of the store's writes that change a stored run's
state), the dispatcher that says when to promote queued runs, run deadlines, and crash
recovery."""
