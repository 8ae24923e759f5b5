from secretshift.cli import entry

entry()
