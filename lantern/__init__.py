"""Lantern: trauma-informed care pathway software for clinics."""
