"""`build_app(assistant)`: the Gradio Blocks layout and its event wiring, nothing more.

The logic lives in `rag.ui.chat`, `rag.ui.library` and `rag.ui.handlers` (tested without a
browser); the closures here only adapt Gradio's calling conventions (component values in,
`gr.Request`, `gr.EventData` and `gr.Progress` injected).

Layout: saved chats and the settings in the left sidebar (collapsed on a narrow screen, so
at 400 px the chat has the whole width), the source viewer in a right sidebar that opens on
demand, and two tabs: the chat and the document library.
"""

from __future__ import annotations

import gradio as gr

from rag.assistant import Assistant
from rag.ingest.formats import supported_suffixes
from rag.ui import chat, eval_tab, handlers, library, style

CSS = style.CSS  # passed to `mount_gradio_app(css=...)` by `rag.ui.server.mount_ui`
TITLE = "Nachrichten-Assistent · news Q&A with verified sources"
NARROW_PX = 760  # below this window width a sidebar covers the chat, so it starts closed


def narrow(px) -> bool:
    return bool(px) and float(px) < NARROW_PX


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole UI around one shared Assistant (models load on first use, not here)."""
    settings = assistant.settings
    private = {"api_visibility": "private"}

    with gr.Blocks(title=TITLE, fill_width=True) as demo:
        answers, pending, checked = gr.State([]), gr.State(""), gr.State([])
        # In the page, not in server state: the scripts that keep the URL and confirm a delete
        # read them. Every use checks the owner (taken from each request: `chat.owner_of`), so a
        # crafted id opens nothing.
        cid = gr.Textbox("", visible="hidden", elem_id="conversation-id")
        previewed = gr.Textbox("", visible="hidden", elem_id="previewed")
        width = gr.Number(0, visible="hidden", elem_id="viewport-width")  # the window's, read at load
        # Closed until the page knows its width: over a narrow screen it would hide the chat.
        with gr.Sidebar(label="Gespräche / Chats", open=False, elem_id="sidebar-chats", width=300) as chats_panel:
            new_chat = gr.Button("+ Neuer Chat / New chat", elem_id="new-chat", size="sm")
            convs = gr.HTML("", js_on_load=style.CONVERSATIONS_JS, elem_id="conversations", padding=False)
            with gr.Accordion("Umbenennen, löschen / Rename, delete", open=False, elem_id="chat-manage"):
                title = gr.Textbox(label="Titel / Title", elem_id="chat-title", max_lines=1)
                with gr.Row():
                    rename_btn = gr.Button("Umbenennen / Rename", size="sm", elem_id="rename-chat")
                    delete_btn = gr.Button("Löschen / Delete", size="sm", variant="stop", elem_id="delete-chat")
            with gr.Accordion("Einstellungen / Settings", open=False, elem_id="settings"):
                backend = gr.Dropdown(handlers.backend_choices(assistant), value=settings.llm.backend,
                                      label="Answer backend", elem_id="backend",
                                      info="Unavailable backends explain why when chosen.")
                k = gr.Slider(1, 20, value=settings.retrieval.k, step=1, label="Passages (k)")
                mode = gr.Radio(handlers.MODES, value=settings.retrieval.mode, label="Retrieval")
                since = gr.Textbox(label="Von / Since", placeholder="YYYY[-MM[-DD]]", elem_id="since")
                until = gr.Textbox(label="Bis / Until", placeholder="YYYY[-MM[-DD]]", elem_id="until")
                timings = gr.Markdown("_No answer yet._", elem_id="timings")
                with gr.Accordion("Backends", open=False):
                    gr.Markdown(handlers.backends_markdown(assistant))
        with gr.Sidebar(label="Quelle / Source", open=False, position="right", width=480,
                        elem_id="viewer-panel") as viewer_panel:
            # Also listens for clicks on the chat's links (style.CHAT_LINKS_JS).
            viewer = gr.HTML("", js_on_load=style.VIEWER_JS + style.CHAT_LINKS_JS, elem_id="viewer")
        gr.Markdown(f"**{TITLE}**", elem_id="title")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(label="Chat", height=560, latex_delimiters=[], feedback_options=None,
                                     buttons=["copy"], elem_id="chat", show_label=False,
                                     placeholder="Fragen Sie die Nachrichten. Marker wie **[1]** führen zur Quelle. / "
                                                 "Ask the news; a marker like **[1]** leads to its source.")
                # The send arrow sits inside the box: the input keeps the whole width at 400 px.
                msg = gr.Textbox(placeholder="Frage stellen … / Ask a question …", show_label=False, container=False,
                                 elem_id="question", max_lines=6, autofocus=True, submit_btn=True)
                sources = gr.Dropdown([], value=[], multiselect=True, elem_id="sources",
                                      label="Nur diese Dokumente (leer = alle) / Only these documents (empty = all)")
                gr.Examples(handlers.EXAMPLES, inputs=msg, label="Beispiele / Examples")
            with gr.Tab("Dokumente / Documents", id="library"):
                status_md = gr.Markdown("…", elem_id="index-status")
                with gr.Row():
                    with gr.Column(scale=3, min_width=300):
                        with gr.Row():
                            ask_only = gr.Button("Nur angehakte fragen / Ask only the checked", size="sm",
                                                 elem_id="ask-only")
                            refresh = gr.Button("Aktualisieren / Refresh", size="sm", elem_id="refresh")
                        table = gr.HTML("", js_on_load=style.DOCUMENTS_JS, elem_id="documents")
                        uploader = gr.HTML("", html_template=style.UPLOAD_HTML, js_on_load=style.UPLOAD_JS,
                                           elem_id="upload", max_bytes=int(settings.ui.max_upload_mb * 1048576),
                                           hint=f"{', '.join(supported_suffixes())} ({handlers.caps_text(settings.ingest)},"
                                                f" {settings.ui.max_upload_mb:g} MB per upload); indexed at once")
                        upload_md = gr.Markdown(elem_id="upload-report")
                        with gr.Accordion("Index", open=False):
                            force = gr.Checkbox(False, label="Full rebuild (re-embed everything)")
                            rebuild_btn = gr.Button("Rebuild index", elem_id="rebuild")
                            report_md = gr.Markdown()
                    with gr.Column(scale=2, min_width=300):
                        delete_doc = gr.Button("Dokument löschen / Delete document", variant="stop", size="sm",
                                               interactive=False, elem_id="delete-doc")
                        delete_md = gr.Markdown(elem_id="delete-report")
                        preview = gr.HTML(library.preview(assistant, None), elem_id="preview", max_height=640)
            eval_tab.build(settings)  # the Evaluation tab (rag/ui/eval_tab.py)

        # -- chat: the question shows before the queue, then the answer streams (its status line
        # says what happens, so Gradio's progress overlay stays off)
        def respond(question, history, conversation, done, llm, k_, mode_, since_, until_, only,
                    request: gr.Request):
            yield from chat.respond(assistant, question, history, conversation, done, chat.owner_of(assistant, request),
                                    llm, k_, mode_, since_, until_, only)

        chat_out = [chatbot, msg, cid, answers, convs, timings]
        options = [backend, k, mode, since, until, sources]
        msg.submit(chat.start, [msg, chatbot], [chatbot, msg, pending], queue=False, **private).then(
            respond, [pending, chatbot, cid, answers, *options], chat_out, show_progress="hidden", **private)

        # -- saved conversations; whatever changes the open one, the URL follows (?c=<id>). Quick
        # events skip the queue, which long answers may fill.
        opened = [chatbot, cid, answers, title, convs]
        cid.change(None, cid, None, js=style.URL_JS, **private)

        def on_load(px, request: gr.Request):
            who = chat.owner_of(assistant, request)
            wanted = dict(request.query_params).get("c") if request is not None else None
            return (*chat.open_conversation(assistant, wanted, who), gr.Sidebar(open=not narrow(px)),
                    library.choices_update(assistant), handlers.status_markdown(assistant), library.table(assistant))

        demo.load(None, None, width, js=style.WIDTH_JS, **private).then(
            on_load, width, [*opened, chats_panel, sources, status_md, table], queue=False, **private)

        def pick(px, request: gr.Request, evt: gr.EventData):  # a narrow screen: the sidebar gives way
            return (*chat.open_conversation(assistant, (evt._data or {}).get("id"), chat.owner_of(assistant, request)),
                    gr.Sidebar(open=not narrow(px)))

        def fresh(px, request: gr.Request):
            return *chat.open_conversation(assistant, None, chat.owner_of(assistant, request)), gr.Sidebar(open=not narrow(px))

        def rename(conversation, new_title, request: gr.Request):
            return chat.rename(assistant, conversation, new_title, chat.owner_of(assistant, request))

        def delete(conversation, request: gr.Request):
            return chat.delete(assistant, conversation, chat.owner_of(assistant, request))

        convs.click(pick, width, [*opened, chats_panel], queue=False, **private)
        new_chat.click(fresh, width, [*opened, chats_panel], queue=False, **private)
        rename_btn.click(rename, [cid, title], [title, convs], queue=False, **private)
        title.submit(rename, [cid, title], [title, convs], queue=False, **private)
        delete_btn.click(delete, cid, opened,
                         js=style.CONFIRM_DELETE_CHAT_JS, queue=False, **private)

        # -- the source viewer
        def view(done, evt: gr.EventData):
            return chat.open_source(assistant, (evt._data or {}).get("target"), done), gr.Sidebar(open=True)

        viewer.click(view, answers, [viewer, viewer_panel], queue=False, **private)

        # -- the library
        def on_table(marked, shown, evt: gr.EventData):
            return library.table_event(assistant, evt._data or {}, marked, shown)

        def refreshed(marked, shown, chosen):
            return (library.table(assistant, marked, shown), handlers.status_markdown(assistant),
                    library.choices_update(assistant, chosen))

        after_change = dict(fn=refreshed, inputs=[checked, previewed, sources], outputs=[table, status_md, sources],
                            **private)
        table.click(on_table, [checked, previewed], [checked, previewed, preview, delete_doc], queue=False,
                    **private)
        refresh.click(**after_change)
        ask_only.click(lambda marked: (gr.Dropdown(value=list(marked)), gr.Tabs(selected="chat")), checked,
                       [sources, tabs], **private)

        def upload(evt: gr.EventData, progress=gr.Progress()):
            data = evt._data or {}
            paths, strangers = library.received(data.get("paths"))
            refused = strangers + library.too_large(assistant, data.get("refused"))
            return library.upload(assistant, paths, progress, refused)

        uploader.upload(upload, None, upload_md, **private).then(**after_change)

        def remove(source, progress=gr.Progress()):
            report = library.delete(assistant, source, progress)
            return report, "", library.preview(assistant, None), gr.Button(interactive=False)

        delete_doc.click(remove, previewed, [delete_md, previewed, preview, delete_doc],
                         js=style.CONFIRM_DELETE_DOC_JS, **private).then(**after_change)

        def rebuild(full, progress=gr.Progress()):
            return library.rebuild(assistant, full, progress)

        rebuild_btn.click(rebuild, force, report_md, **private).then(**after_change)

        def ask(question: str, k: int = settings.retrieval.k, mode: str = settings.retrieval.mode,
                backend: str = settings.llm.backend, since: str = "", until: str = "", as_of: str = "") -> dict:
            """Answer one question; returns the JSON contract of `rag ask --json`. `since`/`until`
            (YYYY, YYYY-MM or YYYY-MM-DD) keep only documents dated in that range; `as_of`
            answers as of that date."""
            return handlers.api_ask(assistant, question, k=k, mode=mode, backend=backend,
                                    since=since, until=until, as_of=as_of)

        gr.api(ask, api_name="ask")
    return demo
