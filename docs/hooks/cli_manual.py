"""MkDocs hook: the `ember` command's manual, generated from its argparse parsers.

reference/cli.md holds the line `<!-- ember-cli-manual -->`; the build replaces it with each
command's help, exactly as `ember COMMAND --help` prints it, so the manual cannot drift from the
program.
"""

from __future__ import annotations

import argparse
import os

MARKER = "<!-- ember-cli-manual -->"
WIDTH = "100"  # argparse wraps help to $COLUMNS


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    # argparse has no public accessor for its subparsers; this is the documented-by-use one.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _section(title: str, parser: argparse.ArgumentParser) -> str:
    return f"## `{title}`\n\n```text\n{parser.format_help().rstrip()}\n```\n"


def manual() -> str:
    """The manual's Markdown: the command's own help, then one section per subcommand."""
    from ember.bench import _parser as bench_parser
    from ember.cli import main as main_module
    from ember.cli.main import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parser = build_parser()
        about = main_module.__doc__.split("\n\n", 1)[1].strip()  # after the summary line
        sections = [about + "\n", f"```text\n{parser.format_help().rstrip()}\n```\n"]
        for name, sub in _subcommands(parser).items():
            if name == "bench":  # a stand-in: `ember bench` hands its arguments to ember.bench
                sub = bench_parser()
            sections.append(_section(f"ember {name}", sub))
        return "\n".join(sections)
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri != "reference/cli.md":
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"reference/cli.md lost its {MARKER} line")
    return markdown.replace(MARKER, manual())
