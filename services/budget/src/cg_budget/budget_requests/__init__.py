"""Budget requests opened from adopted plan items, and their review."""
