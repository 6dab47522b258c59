"""Identification and screening: validated instruments, private screening, self-screening."""
