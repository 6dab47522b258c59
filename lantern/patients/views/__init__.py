"""Patient registry views, split by page family."""
