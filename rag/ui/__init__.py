"""The Gradio chat UI. `app` (`build_app`: the layout and its wiring), `chat` (answering as a
turn of a saved conversation, saved chats, the source viewer), `library` (the document
library: table, preview, delete, uploads indexed at once), `handlers` (settings, status,
rebuild, the `/ask` endpoint), `render` and `render_library` (answers and documents as
escaped HTML), `style` (CSS and the components' small scripts), `uploads` (saving uploads
safely), `server` (`mount_ui`: the UI on the HTTP API's FastAPI app, see rag/api/). Gradio is
imported lazily by `app` and `server`, so importing this package costs nothing.
"""
