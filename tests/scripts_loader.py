"""Import the repository's scripts (``scripts/*.py``) as modules, for the tests.

The scripts are programs, not part of the ``descent`` package, so they are loaded from
their files by name.  A loaded script is registered in ``sys.modules`` so that scripts
that import a sibling (``course_ext`` imports ``exercise_index``) share one copy.
"""
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_script(name: str):
    """The module ``scripts/<name>.py`` (loaded once)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
