"""The Gradio chat UI: `render` (answer -> HTML), `handlers` (plain functions the UI wires
up and tests call), `app` (`build_app`), `server` (`mount_ui`: the UI on the HTTP API's
FastAPI app, see rag/api/). Gradio is imported lazily by `app` and `server`, so importing
this package costs nothing.
"""
