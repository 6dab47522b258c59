"""Trauma-informed visits: care preferences, granular consent, exams, injuries, disclosures."""
