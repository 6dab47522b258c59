"""Care plans: follow-up protocols as versioned data with pure planning rules."""
