"""`/api`: the JSON contract, documents, rebuilds and status, for scripts and services; saved
conversations are in `conversation_routes` (mounted here, under /api/conversations).

`POST /api/ask` takes `history` ([question, answer] pairs) or `conversation_id` (a saved
conversation to continue; the turn is saved) or `save: true` (start one); a follow-up is made
standalone either way. `sources` asks only those documents. The response is the JSON contract
plus the `conversation_id` it used (null when nothing was saved).

Uploads go through the UI's own checks (`rag.ui.uploads.save_upload`: allowed types, size,
decodable text, duplicates, safe names). Uploading or deleting changes the documents folder;
the index follows with `POST /api/index`, or at once with `?index=true`.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Callable

from fastapi import APIRouter, Depends, File, Query, UploadFile

from rag.api.conversation_routes import conversations_router
from rag.api.errors import add_catch_all
from rag.api.owners import owner_dependency
from rag.api.schemas import (
    AskOut,
    AskRequest,
    DeleteOut,
    DocumentOut,
    DocumentPreviewOut,
    IndexReportOut,
    IndexRequest,
    StatusOut,
    UploadOut,
    UploadReportOut,
)
from rag.assistant import Assistant
from rag.ui.uploads import safe_name, save_upload

_REINDEX = Query(False, description="Run the incremental rebuild right away and return its report.")


MAX_NAME_BYTES = 255  # a file name's limit on ext4, XFS, btrfs and tmpfs


def _received_name(filename: str | None) -> str:
    # The temp file carries the client's base name, as Gradio's do: save_upload reports and
    # sanitises that name. Anything odd (empty, "..", NUL) is replaced by its safe form.
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = name if name not in ("", ".", "..") and "\0" not in name else safe_name(filename or "")
    return _fit(name)


def _fit(name: str) -> str:
    """`name` cut to MAX_NAME_BYTES of UTF-8 (300 x "ä" is 600), its suffix kept: a longer
    name cannot be created (OSError: File name too long)."""
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, suffix = name.rpartition(".")
    suffix = dot + suffix if dot and stem and len(suffix) <= 16 else ""
    stem = name[:len(name) - len(suffix)] if suffix else name
    room = MAX_NAME_BYTES - len(suffix.encode())
    return stem.encode()[:room].decode("utf-8", errors="ignore") + suffix


def _save(assistant: Assistant, upload: UploadFile) -> UploadOut:
    s = assistant.settings
    with tempfile.TemporaryDirectory(prefix="rag-upload-") as tmp:
        path = Path(tmp) / _received_name(upload.filename)
        with open(path, "wb") as out:  # disk to disk: a large upload never sits in memory
            shutil.copyfileobj(upload.file, out, 1 << 20)
        result = save_upload(path, s.paths.seeds_dir, s.ingest, s.ui.max_upload_mb)
    return UploadOut(**asdict(result))


def api_router(assistant: Assistant, auth: Callable) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["REST"], dependencies=[Depends(auth)])
    owner = owner_dependency(getattr(auth, "keys", ()))

    def rebuild(force: bool = False) -> IndexReportOut:
        return IndexReportOut(**assistant.rebuild(force=force).to_json())

    @router.post("/ask", response_model=AskOut, summary="Answer a question: the JSON contract")
    async def ask(req: AskRequest, who: str = Depends(owner)):
        options = dict(k=req.k, mode=req.mode, llm=req.backend, since=req.since, until=req.until,
                       as_of=req.as_of, sources=req.sources)
        # In the Assistant's pool (first come first served); the event loop only awaits it.
        pool = assistant.pool_for(req.backend)
        if req.conversation_id or req.save:
            conversation_id, answer = await pool.run(assistant.chat, req.question, req.conversation_id,
                                                     owner=who, **options)
            return {**answer.to_json(), "conversation_id": conversation_id}
        answer = await pool.run(assistant.ask, req.question, list(req.history), **options)
        return {**answer.to_json(), "conversation_id": None}

    @router.get("/documents", response_model=list[DocumentOut],
                summary="List the documents and what the next rebuild does with each")
    def documents():
        return [d.to_json() for d in assistant.documents()]

    @router.get("/documents/{source:path}", response_model=DocumentPreviewOut,
                summary="One document's whole cleaned text and its chunks (offsets), for a preview")
    def preview(source: str):
        return assistant.document(source).to_json()

    @router.post("/documents", response_model=UploadReportOut,
                 summary="Upload documents into the documents folder (the UI's checks)")
    def upload(files: list[UploadFile] = File(..., description="One or more documents."),
               index: bool = _REINDEX):
        saved = [_save(assistant, f) for f in files]
        changed = any(r.status in ("saved", "renamed") for r in saved)
        return UploadReportOut(files=saved, index=rebuild() if index and changed else None)

    @router.delete("/documents/{source:path}", response_model=DeleteOut,
                   summary="Delete a document's file (it leaves the index with the next rebuild)")
    def delete(source: str, index: bool = _REINDEX):
        deleted = assistant.delete_document(source)
        return DeleteOut(deleted=deleted, index=rebuild() if index else None)

    @router.post("/index", response_model=IndexReportOut,
                 summary="Rebuild the index incrementally (only new and changed documents are embedded)")
    def index(req: IndexRequest | None = None):
        return rebuild(force=bool(req and req.force))

    @router.get("/status", response_model=StatusOut, summary="The live index and the answer backends")
    def status():
        return StatusOut(index=assistant.status(), backends=assistant.backends(),
                         default_backend=assistant.settings.llm.backend)

    router.include_router(conversations_router(assistant, owner))
    add_catch_all(router)  # last: it would shadow any route after it
    return router
