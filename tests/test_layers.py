"""Which module may call which: the proposal's own steps never reach into the portfolio (the
portfolio calls them), and the permission table never reaches into the proposals' models (a
proposal answers for itself who may see it). Each rule once, and no import cycle between them."""

import ast
from pathlib import Path

import gti

SRC = Path(gti.__file__).parent


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_the_proposal_steps_never_call_the_portfolio():
    files = [
        SRC / "proposals" / "models.py",
        *sorted((SRC / "proposals" / "services").glob("*.py")),
    ]
    reaching = {f.name: sorted(n for n in imported(f) if n.startswith("gti.portfolio"))
                for f in files}  # fmt: skip
    assert {f: n for f, n in reaching.items() if n} == {}


def test_the_permission_table_does_not_read_the_proposal_models():
    names = imported(SRC / "accounts" / "permissions.py")
    assert not {n for n in names if n.startswith("gti.proposals.models")}
