"""MkDocs hook: the table of Tensor methods that are ember functions bound to the class.

ember binds most of its functions to Tensor as methods (ember/methods.py: `t.add(u)` is
`ember.add(t, u)`), and makes their in-place `*_` variants. Static analysis does not see these,
so reference/tensor.md holds `<!-- tensor-methods -->` and the build replaces it with a table
made from the class as it is at run time, each method linked to its function's entry.
"""

from __future__ import annotations

import inspect

MARKER = "<!-- tensor-methods -->"
# The reference page of each module whose functions become methods.
PAGES = {f"ember.{module}": "ember.md" for module in (
    "functions", "reductions", "shapes", "pointwise", "statistics", "products")}


def _summary(fn) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.split("\n\n")[0].replace("\n", " ").replace("|", "\\|")


def table() -> str:
    import ember

    rows = ["| method | what it is |", "|---|---|"]
    for name in sorted(vars(ember.Tensor)):
        fn = vars(ember.Tensor)[name]
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        module = fn.__module__
        if module in PAGES:
            target = f"{module}.{fn.__name__}"
            rows.append(f"| `{name}` | [ember.{fn.__name__}]({PAGES[module]}#{target}) |")
        elif module == "ember.methods":
            rows.append(f"| `{name}` | {_summary(fn) or 'see ember/methods.py'} |")
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri != "reference/tensor.md":
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"reference/tensor.md lost its {MARKER} line")
    return markdown.replace(MARKER, table())
