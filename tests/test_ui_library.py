"""The document library's events (rag/ui/library.py) called directly: hashing embedder."""

from __future__ import annotations

import re

from rag.ui import library

ARTICLE = ("date 2024-05\nSchleusen am Nord-Ostsee-Kanal\n\n"
           "Die neue Schleuse in Brunsbüttel soll 2026 fertig werden. Der Bau kostet 1,2 Milliarden Euro.\n")


def test_table_lists_title_date_provenance_format_chunks_state(hashing_assistant):
    out = library.table(hashing_assistant)
    assert out.count("<tr class=") == 5
    row = re.search(r'<tr class="rag-state-indexed">(?:(?!</tr>).)*003_7f6e26588299af66.txt.*?</tr>', out).group(0)
    assert "2025-01<br><small>set by the user</small>" in row and "<td>text</td>" in row
    assert re.search(r'<td class="rag-num">[1-9]\d*</td>', row) and "<td>indexed</td>" in row
    assert "≥ 2019<br><small>inferred: not before</small>" in out


def test_preview_and_table_events(hashing_assistant):
    checked, shown, view, button = library.table_event(
        hashing_assistant, {"action": "preview", "source": "004_878f3f8685ed7ceb.txt"}, ["x"], "")
    assert checked == ["x"] and shown == "004_878f3f8685ed7ceb.txt" and button.interactive
    assert 'class="rag-chunk-no"' in view and "rag-doc-text" in view
    checked, shown, *_ = library.table_event(hashing_assistant, {"action": "pick", "sources": ["a", "b"]}, [], shown)
    assert checked == ["a", "b"] and shown == "004_878f3f8685ed7ceb.txt"
    assert "no document" in library.preview(hashing_assistant, "nope.txt").lower()


def test_an_upload_batch_with_bad_files_indexes_the_rest_and_names_them(hashing_assistant, tmp_path):
    good, png, odd, empty = (tmp_path / n for n in ("schleuse.txt", "foto.pdf", "notizen.xyz", "leer.txt"))
    good.write_text(ARTICLE, encoding="utf-8")
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    odd.write_text("Notizen", encoding="utf-8")
    empty.write_bytes(b"")
    calls = []
    report = library.upload(hashing_assistant, [str(good), str(png), str(odd), str(empty)],
                            lambda f, desc=None: calls.append((f, desc)))
    lines = report.splitlines()
    assert re.match(r"- ✔ \*\*schleuse.txt\*\* indexed \(\d+ chunks?\)", lines[0]), report
    assert lines[1].startswith("- ✖ **foto.pdf** nicht indexiert") and "PNG image, not a PDF" in lines[1]
    assert lines[2].startswith("- ✖ **notizen.xyz**") and "unsupported type (.xyz)" in lines[2]
    assert lines[3].startswith("- ✖ **leer.txt**") and "empty" in lines[3]
    assert calls and calls[-1][0] >= 0.9  # progress reached the end of the rebuild
    states = {d.source: d.state for d in hashing_assistant.documents()}
    assert states["schleuse.txt"] == "indexed" and not {"foto.pdf", "notizen.xyz", "leer.txt"} & set(states)
    assert "schleuse.txt" in {s for _, s in library.source_choices(hashing_assistant)}
    hits = hashing_assistant.search("Schleuse Brunsbüttel Milliarden", k=1)
    assert hits[0].chunk.source == "schleuse.txt"  # searchable at once, no second click


def test_delete_removes_the_document_from_the_library_and_the_index(hashing_assistant):
    source = "004_878f3f8685ed7ceb.txt"
    before = hashing_assistant.status()["chunks"]
    report = library.delete(hashing_assistant, source)
    assert "removed from the index" in report
    assert source not in {d.source for d in hashing_assistant.documents()}
    assert hashing_assistant.status()["chunks"] < before
    assert source not in {s for _, s in library.source_choices(hashing_assistant)}
    assert "not deleted" in library.delete(hashing_assistant, source)  # already gone: said, not raised
    assert "No document selected" in library.delete(hashing_assistant, "")


def test_only_files_in_the_upload_folder_are_taken(hashing_assistant, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))  # where Gradio's /upload writes
    inside = tmp_path / "gradio" / "3f2a" / "schleuse.txt"
    inside.parent.mkdir(parents=True)
    inside.write_text(ARTICLE, encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("geheim", encoding="utf-8")
    kept, refused = library.received([str(inside), str(secret), str(tmp_path / "gradio" / ".." / "secret.txt")])
    assert kept == [inside.resolve()] and [r.original for r in refused] == ["secret.txt", "secret.txt"]
    # What the page did not send (over the limit) is named with the rest.
    big = library.too_large(hashing_assistant, [{"name": "gross.pdf", "size": 60 * 1048576}])
    report = library.upload(hashing_assistant, kept, None, refused + big)
    assert re.search(r"✔ \*\*schleuse.txt\*\* indexed", report)
    assert report.count("not an upload") == 2 and "geheim" not in report
    assert "gross.pdf** nicht indexiert / not indexed: too large: 60.0 MB, over the 50 MB upload limit" in report
    assert "secret.txt" not in {d.source for d in hashing_assistant.documents()}
