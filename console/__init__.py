"""The supervisor and advisor console: server-rendered pages at /console (see docs/console.md)."""
