"""kcore-losses: the full loss catalogue beyond the core four."""
