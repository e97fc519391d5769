"""Generator of the synthetic salwatch sample sites (standard library only)."""
