"""Pure core: standard library only; frameworks depend on it, never the reverse."""
