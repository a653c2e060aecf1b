"""Insight: what the returns say, for managers (reasons, grades, dispositions, recovery, dock-to-stock)."""
