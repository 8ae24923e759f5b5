"""Keys from the first prototype (removed in the second commit; still in git history)."""
LEGACY_AWS_ACCESS_KEY_ID = "AKIA{{rand:b32:16}}"
LEGACY_AWS_SECRET_ACCESS_KEY = "{{rand:b64:40}}"
