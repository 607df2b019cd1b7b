"""Domain logic as plain functions: they add and flush, the caller commits."""
