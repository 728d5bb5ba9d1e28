"""The package as a stranger installs it: metadata, a NumPy-only core, and declared floors that hold.

The fast tests read ``pyproject.toml`` and the sources.  The ``slow`` ones build the wheel and
install it into clean virtual environments (pip's cache keeps them quick; they skip, saying
so, when the package index cannot be reached):

* the declared NumPy floor (exactly) with the package ``--no-deps``, running the core;
* ``pip install <wheel>`` as a stranger would, which must bring NumPy and nothing else, and
  train a small model with ``chain(clip_by_global_norm(1), adamw(warm-up + cosine))``;
* the declared floors of the ``book`` extra together, importing every chapter module.
"""
from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "code" / "descent"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]

# Modules that must never be imported by `import descent` (they belong to extras).
HEAVY = ("scipy", "matplotlib", "sympy", "sklearn", "IPython", "myst_nb", "torch", "pandas")


def _floor(requirement: str) -> tuple[str, str]:
    """``"numpy>=2.0"`` -> ``("numpy", "2.0")``; the requirement must have a ``>=`` floor."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,;\s]*)\s*", requirement)
    assert m, f"{requirement!r} should be 'name>=floor'"
    return m.group(1), m.group(2)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------

def test_distribution_name_is_not_the_unrelated_pypi_descent():
    # `descent` on PyPI is another project: `pip install -U descent` would replace this one.
    assert _normalize(PROJECT["name"]) != "descent"
    # ... and it is the installed distribution that provides the import name `descent`
    providers = {_normalize(d) for d in importlib.metadata.packages_distributions().get("descent", [])}
    assert _normalize(PROJECT["name"]) in providers


def test_licence_is_an_spdx_expression_with_the_file_shipped():
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Permission is hereby granted" in text
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"]), \
        "PEP 639: no licence classifiers next to an SPDX expression"
    # setuptools reads `license = "MIT"` and `license-files` from 77 on.
    (backend,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    assert int(_floor(backend)[1].split(".")[0]) >= 77


def test_authors_urls_classifiers_and_py_typed():
    assert PROJECT["authors"] and PROJECT["urls"]["Source"].startswith("https://")
    assert "Typing :: Typed" in PROJECT["classifiers"]
    assert (PACKAGE / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["descent"]


def test_urls_are_the_books_repository():
    import yaml  # part of the docs environment (Jupyter Book)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].rstrip("/")
    assert PROJECT["urls"]["Source"] == repo
    assert all(url.startswith(repo) for url in PROJECT["urls"].values())


def test_core_dependency_is_numpy_alone():
    assert [_floor(r)[0] for r in PROJECT["dependencies"]] == ["numpy"]


def _top_level_imports(path: Path) -> set[str]:
    """Absolute imports executed when the module is imported (not those inside functions)."""
    names = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in tree.body:
        for sub in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                            ast.ClassDef)) else ():
            if isinstance(sub, ast.Import):
                names |= {a.name.split(".")[0] for a in sub.names}
            elif isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
                names.add(sub.module.split(".")[0])
    return names


def _all_imports(path: Path) -> set[str]:
    names = set()
    for sub in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(sub, ast.Import):
            names |= {a.name.split(".")[0] for a in sub.names}
        elif isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
            names.add(sub.module.split(".")[0])
    return names


def test_core_modules_import_only_the_standard_library_and_numpy():
    core = sorted(PACKAGE.glob("*.py")) + sorted((PACKAGE / "graders").glob("*.py"))
    assert len(core) > 10
    allowed = set(sys.stdlib_module_names) | {"numpy", "descent"}
    offenders = {p.relative_to(PACKAGE).as_posix(): sorted(_top_level_imports(p) - allowed) for p in core}
    assert not {k: v for k, v in offenders.items() if v}


def _requirement_names(dist: str, extra: str | None = None) -> set[str]:
    """Normalised names a distribution requires (for ``extra``, or unconditionally)."""
    out = set()
    for req in importlib.metadata.requires(dist) or []:
        name, _, marker = req.partition(";")
        name = re.split(r"[\s<>=!~\[(@]", name.strip(), maxsplit=1)[0]
        if extra is None and "extra ==" in marker:
            continue
        if extra is not None and f'extra == "{extra}"' not in marker:
            continue
        out.add(_normalize(name))
    return out


def test_every_third_party_import_of_descent_book_is_declared_by_the_book_extra():
    book = {_normalize(_floor(r)[0]) for r in PROJECT["optional-dependencies"]["book"]}
    # what the extra brings: its requirements and theirs (e.g. cycler comes with matplotlib)
    provided = set(book)
    for name in book:
        provided |= _requirement_names(name)
    dists_of = importlib.metadata.packages_distributions()
    stdlib = set(sys.stdlib_module_names) | {"descent"}
    missing = {}
    for path in sorted((PACKAGE / "book").glob("*.py")) + [PACKAGE / "second_order.py"]:
        for module in _all_imports(path) - stdlib - {"numpy"}:
            dists = {_normalize(d) for d in dists_of.get(module, [module])}
            if not dists & provided:
                missing.setdefault(path.name, []).append(module)
    assert not missing, f"imported but not brought by the 'book' extra: {missing}"


def test_docs_extra_brings_the_book_extra():
    assert f"{PROJECT['name']}[book]" in PROJECT["optional-dependencies"]["docs"]


def test_import_descent_loads_nothing_heavy():
    code = textwrap.dedent(f"""
        import sys
        import descent, descent.graders
        heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))
        assert not heavy, heavy
    """)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_core_runs_with_the_extras_blocked():
    """Every extra made unimportable (``sys.modules[name] = None``): the core still works."""
    code = f"import sys\nfor m in {HEAVY!r}: sys.modules[m] = None\n" + SMOKE
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("core ok"), proc.stdout


def test_readme_install_section_names_the_distribution():
    readme = (ROOT / "README.md").read_text()
    assert f"pip install {PROJECT['name']}" in readme or f'pip install "{PROJECT["name"]}' in readme


# ---------------------------------------------------------------------------
# Clean virtual environments (slow)
# ---------------------------------------------------------------------------

# What a newcomer does with the core: every named optimizer, a schedule, the runner, BFGS, and
# the recipe chain(clip_by_global_norm(1), adamw(warm-up + cosine)) training a small network.
SMOKE = textwrap.dedent("""
    import sys
    import numpy as np
    import descent
    from descent import schedules

    # every named optimizer decreases a quadratic
    A = np.diag([1.0, 10.0])
    for name in ("sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw"):
        opt = getattr(descent, name)(lr=1.0 if name == "adadelta" else 0.05)
        x = np.array([1.0, 1.0]); state = opt.init(x)
        for _ in range(200):
            u, state = opt.update(A @ x, state, x)
            x = descent.apply_updates(x, u)
        assert x @ A @ x < 0.5 * 11.0, (name, x)

    traj = descent.minimize(descent.adam(lr=0.05), descent.Rosenbrock(), np.array([-1.0, 1.0]), 3000)
    assert np.all(np.isfinite(traj.iterates))
    assert descent.bfgs(descent.Rosenbrock(), np.array([-1.2, 1.0])).converged

    # a two-layer network on a smooth regression task, float32, params as a dict of arrays
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 3)).astype(np.float32)
    y = np.sin(X @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    params = {"W1": 0.5 * rng.standard_normal((3, 16)).astype(np.float32), "b1": np.zeros(16, np.float32),
              "W2": 0.5 * rng.standard_normal((16, 1)).astype(np.float32), "b2": np.zeros(1, np.float32)}

    def loss_and_grads(p):
        h = np.tanh(X @ p["W1"] + p["b1"]); out = h @ p["W2"] + p["b2"]; r = out - y
        d_out = 2 * r / len(X); d_h = (d_out @ p["W2"].T) * (1 - h ** 2)
        return float(np.mean(r ** 2)), {"W1": X.T @ d_h, "b1": d_h.sum(0), "W2": h.T @ d_out, "b2": d_out.sum(0)}

    steps = 400
    lr = schedules.linear_warmup(0.05, 20, after=schedules.cosine_decay(0.05, steps - 20, alpha=0.1))
    opt = descent.chain(descent.clip_by_global_norm(1.0), descent.adamw(lr=lr, weight_decay=1e-4))
    state = opt.init(params)
    first, _ = loss_and_grads(params)
    for _ in range(steps):
        loss, grads = loss_and_grads(params)
        updates, state = opt.update(grads, state, params)
        params = descent.apply_updates(params, updates)
    last, _ = loss_and_grads(params)
    assert set(params) == {"W1", "b1", "W2", "b2"}
    assert all(v.dtype == np.float32 for v in params.values())
    assert last < 0.1 * first, (first, last)
    print(f"loss {first:.4f} -> {last:.4f}")
    print("core ok")
""")

_NETWORK_TROUBLE = ("Could not fetch", "NewConnectionError", "Temporary failure in name resolution",
                    "Network is unreachable", "Max retries exceeded", "ConnectTimeout", "ReadTimeout",
                    "ProxyError", "SSLError")


def _run(cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)


def _pip(python: Path, *args: str):
    """``python -m pip install ...``; skip the test if the index cannot be reached."""
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    proc = _run([python, "-m", "pip", "install", "--quiet", "--no-compile", "--only-binary=:all:", *args], env=env)
    if proc.returncode != 0 and any(s in proc.stderr for s in _NETWORK_TROUBLE):
        pytest.skip(f"pip cannot reach the package index: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _clean_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def _distributions(python: Path) -> set[str]:
    proc = _run([python, "-c", "import importlib.metadata as m; "
                               "print('\\n'.join(d.metadata['Name'] for d in m.distributions()))"])
    return {_normalize(n) for n in proc.stdout.split()}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The package's wheel, built once from a copy of the source tree (setuptools writes
    ``build/`` and ``*.egg-info`` next to the sources it builds)."""
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "code" / "descent",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    try:
        import setuptools
        isolation = [] if int(setuptools.__version__.split(".")[0]) >= 77 else None
    except ImportError:
        isolation = None
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out]
    cmd += ["--no-build-isolation"] if isolation is not None else []  # else pip fetches setuptools>=77
    proc = _run(cmd + [src])
    if proc.returncode != 0 and any(s in proc.stderr for s in _NETWORK_TROUBLE):
        pytest.skip(f"pip cannot reach the package index to build the wheel: {proc.stderr.strip()[-300:]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not re.search(r"(?i)deprecat", proc.stderr), proc.stderr
    (whl,) = out.glob("*.whl")
    return whl


def _smoke(python: Path, cwd: Path) -> str:
    proc = _run([python, "-c", SMOKE], cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("core ok"), proc.stdout
    return proc.stdout


def _installed_from(python: Path, cwd: Path) -> Path:
    proc = _run([python, "-c", "import descent; print(descent.__file__)"], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip())


@pytest.mark.slow
def test_wheel_ships_the_licence_and_py_typed(wheel):
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    assert "descent/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata
    assert re.search(r"^Requires-Dist: numpy>=", metadata, re.M)
    assert not [line for line in metadata.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line and "numpy" not in line]


@pytest.mark.slow
def test_core_works_with_the_declared_numpy_floor(wheel, tmp_path):
    (numpy_req,) = PROJECT["dependencies"]
    name, floor = _floor(numpy_req)
    python = _clean_venv(tmp_path / "venv")
    _pip(python, f"{name}=={floor}")
    _pip(python, "--no-deps", wheel)
    work = tmp_path / "work"; work.mkdir()
    version = _run([python, "-c", "import numpy; print(numpy.__version__)"]).stdout.strip()
    assert tuple(map(int, version.split(".")[:2])) == tuple(map(int, floor.split(".")[:2])), version
    assert tmp_path in _installed_from(python, work).parents
    _smoke(python, work)


@pytest.mark.slow
def test_stranger_installs_the_wheel_and_gets_numpy_only(wheel, tmp_path):
    python = _clean_venv(tmp_path / "venv")
    before = _distributions(python)
    _pip(python, wheel)                     # with its dependencies, as `pip install` does
    added = _distributions(python) - before
    assert added == {_normalize(PROJECT["name"]), "numpy"}, added
    work = tmp_path / "work"; work.mkdir()
    assert tmp_path in _installed_from(python, work).parents
    out = _smoke(python, work)
    assert "loss" in out


@pytest.mark.slow
def test_book_extra_floors_import_every_chapter_module(wheel, tmp_path):
    """The lowest versions the ``book`` extra (and the core) declare, installed together."""
    pins = [f"{n}=={v}" for n, v in map(_floor, PROJECT["dependencies"] + PROJECT["optional-dependencies"]["book"])]
    python = _clean_venv(tmp_path / "venv")
    _pip(python, *pins)
    _pip(python, "--no-deps", wheel)
    modules = sorted(p.stem for p in (PACKAGE / "book").glob("*.py") if p.stem != "__init__")
    code = textwrap.dedent(f"""
        import importlib, os, warnings
        os.environ["MPLBACKEND"] = "Agg"
        warnings.simplefilter("error")
        # pyparsing >= 3.3 deprecates the camelCase names that Matplotlib up to 3.10 calls
        # (`parseString`); pip gives the floor Matplotlib the newest pyparsing.  Not ours to fix,
        # and invisible outside warnings-as-errors (raised inside matplotlib, not __main__).
        warnings.filterwarnings("ignore", message=r"'\\w+' deprecated - use '\\w+'", module=r"matplotlib\\.")
        for m in {modules!r}:
            importlib.import_module("descent.book." + m)
        import matplotlib.pyplot as plt
        import myst_nb, IPython.display
        import descent
        from descent.book import data, notebook, plotting, random_matrices, symbolic
        split = data.load_digits_split()                      # scikit-learn
        low, high = random_matrices.clopper_pearson(3, 10)    # SciPy
        assert 0 < low < 0.3 < high < 1
        symbolic.adam_bias_correction()                       # SymPy
        notebook.setup()                                      # Matplotlib, matplotlib-inline
        fig, ax = plt.subplots()
        plotting.plot_contours(ax, descent.Rosenbrock())
        fig.savefig(os.devnull, format="svg")
        print("book ok")
    """)
    work = tmp_path / "work"; work.mkdir()
    proc = _run([python, "-c", code], cwd=work)
    assert proc.returncode == 0, (pins, proc.stderr[-3000:])
    assert proc.stdout.strip().endswith("book ok")


def test_colab_cell_installs_this_distribution_with_the_book_extra():
    # A direct reference must carry the distribution's own name: pip refuses
    # "descent @ git+..." when the metadata says another name.
    source = (ROOT / "scripts" / "make_notebooks.py").read_text()
    assert f'{PROJECT["name"]}[book] @ git+' in source


def test_package_and_distribution_versions_agree():
    import descent
    assert descent.__version__ == PROJECT["version"] == importlib.metadata.version(PROJECT["name"])
