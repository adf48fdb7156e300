"""The `ember` console script's entry point, outside the ember package on purpose.

Importing ember (NumPy and the rest) takes a noticeable fraction of a second, and a Ctrl-C during
an import anywhere inside the package would end in a Python traceback: only a module that imports
ember itself can catch it. So Ctrl-C then ends as it does later, with one line and status 130.
"""

import sys


def main() -> int:
    try:
        from ember.cli.main import main as ember_main

        return ember_main()
    except KeyboardInterrupt:  # while ember was still loading
        print("ember: interrupted", file=sys.stderr)
        return 130
