"""Screening pages: staff-led screening, results and decision support, tablet self-screening."""
