"""Scheduled-trigger support: parsing schedule expressions and computing fire times."""
