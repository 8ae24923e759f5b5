"""The shared base every layer may import: errors and atomic file writes. Imports nothing of the project."""
