"""Git repository, fake credential and leak-check fixtures: see gitfixtures.py."""
import importlib.util
import sys
from pathlib import Path

_NAME = "secretshift_test_gitfixtures"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).resolve().parents[1] / "history" / "gitfixtures.py")
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])
from secretshift_test_gitfixtures import _leak_watch, cli, fake_key, new_repo, no_leak, repo  # noqa: E402,F401
