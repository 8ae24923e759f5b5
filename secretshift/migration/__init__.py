"""Apply-time machinery: progress state, value re-reading, rewrite and verify stages."""
