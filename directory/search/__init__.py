"""Search: places patients type, nearest-first queries, filters and ranking."""
