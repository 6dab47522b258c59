"""Staff account views, split by page family."""
