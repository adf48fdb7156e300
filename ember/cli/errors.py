"""The error type for bad input to the `ember` command."""


class CLIError(Exception):
    """A problem the user can fix (bad file, conflicting flags...): main() prints it as one line
    ``ember: error: <message>`` on stderr and exits with status 1, without a traceback."""
