"""Process-wide plumbing shared by every entry point: settings and logging."""
