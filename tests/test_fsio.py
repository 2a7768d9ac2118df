"""rag.core.fsio: the directory swap used by model installs."""

from __future__ import annotations

from rag.core.fsio import replace_dir


def test_replace_dir_swaps_in_the_new_directory_and_leaves_nothing_behind(tmp_path):
    target, new = tmp_path / "model", tmp_path / ".model.tmp"
    target.mkdir()
    (target / "weights.bin").write_bytes(b"old")
    new.mkdir()
    (new / "weights.bin").write_bytes(b"new")
    replace_dir(new, target)
    assert (target / "weights.bin").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no .old-* and no tmp left


def test_replace_dir_into_a_fresh_place(tmp_path):
    new = tmp_path / "tmp"
    new.mkdir()
    (new / "a").write_text("x")
    replace_dir(new, tmp_path / "model")
    assert (tmp_path / "model" / "a").read_text() == "x" and not new.exists()
