"""Every Python example in docs/ and the README runs in the tests (with Sybil).

Each Markdown page is one document: its ```python blocks run in order in one fresh namespace,
and the first failure stops the page (later blocks are skipped, not reported as failures of
their own). A block that starts with `>>>` is a doctest: what it shows is compared with what
the code prints. Source that the guide quotes from ember (```py blocks of `--8<--` snippet
lines) is not run; any other fence whose language starts with "py" but is not exactly `python`
fails, so that no example escapes the tests by its fence's spelling.

Pages run with the real MNIST data (EMBER_DATA, as the tests' conftest finds it), seed 0, and a
fresh temporary directory as the working directory.
"""

from __future__ import annotations

import doctest
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from sybil import Region, Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

REPO = Path(__file__).resolve().parent
SNIPPET_LINE = re.compile(r'\s*(--8<--\s+"[^"]+"\s*)?$')
_FAILED = "__docs_failed__"


def _stop_after_failure(evaluator):
    """The evaluator, but once one example of the page failed, the rest are skipped."""

    def evaluate(example):
        __tracebackhide__ = True
        if example.namespace.get(_FAILED):
            line = example.namespace[_FAILED]
            pytest.skip(f"an earlier example on this page failed (line {line})")
        try:
            result = evaluator(example)
        except BaseException:
            example.namespace[_FAILED] = example.line
            raise
        if result:  # a doctest's mismatch comes back as a message
            example.namespace[_FAILED] = example.line
        return result

    return evaluate


class _Examples:
    """Python blocks and doctests, each evaluator wrapped to stop the page at its first failure."""

    def __init__(self) -> None:
        self.parser = PythonCodeBlockParser(
            doctest_optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)

    def __call__(self, document):
        for region in self.parser(document):
            region.evaluator = _stop_after_failure(region.evaluator)
            yield region


def _fence_guard(document):
    """A region that fails for each fence spelled like Python that would not run."""
    for region in FencedCodeBlockLexer(language=r"py\S*[^\n]*")(document):
        language = region.lexemes["language"]
        source = str(region.lexemes["source"])
        quote = language == "py" and all(SNIPPET_LINE.match(line) for line in source.splitlines())
        if language == "python" or quote:
            continue
        message = (f"a ```{language} fence: examples must be ```python to run, and ```py blocks "
                   "may hold only --8<-- snippet lines (quotes of ember's source)")
        yield Region(region.start, region.end, parsed=message, evaluator=lambda ex: ex.parsed)


def _setup(namespace: dict) -> None:
    namespace["__name__"] = "__docs__"
    namespace["__docs_cwd__"] = os.getcwd()
    namespace["__docs_tmp__"] = tmp = tempfile.TemporaryDirectory(prefix="ember-docs-")
    os.environ.setdefault("EMBER_DATA", str(REPO.parent / "shared" / "data"))
    os.chdir(tmp.name)
    import ember

    ember.manual_seed(0)
    np.random.seed(0)


def _teardown(namespace: dict) -> None:
    os.chdir(namespace["__docs_cwd__"])
    namespace["__docs_tmp__"].cleanup()


pytest_collect_file = Sybil(
    parsers=[_Examples(), SkipParser(), _fence_guard],
    patterns=["docs/**/*.md", "docs/*.md"],
    filenames=["README.md"],
    path=".",
    setup=_setup,
    teardown=_teardown,
    name="docs",
).pytest()

