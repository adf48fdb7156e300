"""`python -m ember.bench`: the same as `ember bench` (and its handling of a closed pipe)."""

import sys

from ember.cli.main import main

raise SystemExit(main(["bench", *sys.argv[1:]]))
