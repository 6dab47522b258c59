"""Visit pages, split by page family."""
