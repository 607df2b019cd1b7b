"""Fictional example clinics for demos and benchmarks: tooling, not domain logic."""
