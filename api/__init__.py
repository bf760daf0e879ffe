"""HTTP API routers of the gateway."""
