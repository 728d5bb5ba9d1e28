"""The build wipes the execution cache when the package changes (jupyter-cache alone would not)."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
build_book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_book)


def _tree(tmp_path):
    (tmp_path / "code" / "descent").mkdir(parents=True)
    (tmp_path / "code" / "descent" / "core.py").write_text("RATE = 0.1\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "requirements.lock").write_text("numpy==2.0\n")
    return tmp_path


def _fake_cache(build):
    cache = build / ".jupyter_cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "global.db").write_text("executed outputs")
    return cache


def test_fingerprint_tracks_package_source(tmp_path):
    root = _tree(tmp_path)
    before = build_book.fingerprint(root)
    assert build_book.fingerprint(root) == before
    (root / "code" / "descent" / "core.py").write_text("RATE = 0.2\n")
    assert build_book.fingerprint(root) != before
    after_edit = build_book.fingerprint(root)
    (root / "code" / "descent" / "new_module.py").write_text("")
    assert build_book.fingerprint(root) != after_edit
    (root / "code" / "descent" / "__pycache__").mkdir()
    (root / "code" / "descent" / "__pycache__" / "x.pyc").write_bytes(b"\x00")
    assert build_book.fingerprint(root) == build_book.fingerprint(root)


def test_cache_survives_unchanged_package_and_is_wiped_after_a_change(tmp_path):
    root = _tree(tmp_path)
    build = root / "_build"
    cache = _fake_cache(build)
    # first build ever: no recorded fingerprint, so an existing cache cannot be trusted
    assert build_book.invalidate_stale_cache(build, build_book.fingerprint(root)) is True
    assert not cache.exists()
    cache = _fake_cache(build)
    # same package: the cache is kept
    assert build_book.invalidate_stale_cache(build, build_book.fingerprint(root)) is False
    assert (cache / "global.db").exists()
    # the package changes: the cache (and so every glued number) is recomputed
    (root / "code" / "descent" / "core.py").write_text("RATE = 0.3\n")
    assert build_book.invalidate_stale_cache(build, build_book.fingerprint(root)) is True
    assert not cache.exists()


def test_repository_fingerprint_covers_the_real_package():
    files = {p.name for p in (ROOT / "code" / "descent").glob("*.py")}
    assert {"transforms.py", "optimizers.py"} <= files
    assert len(build_book.fingerprint(ROOT)) == 64
