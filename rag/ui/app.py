"""`build_app(assistant)`: the Gradio Blocks layout and its event wiring, nothing more.

The logic lives in `rag.ui.handlers` (tested without a browser); the closures here only
adapt Gradio's calling conventions (component values in, `gr.Progress` injected).
"""

from __future__ import annotations

import gradio as gr

from rag.assistant import Assistant
from rag.ingest.formats import supported_suffixes
from rag.ui import eval_tab, handlers

# Passed to `mount_gradio_app(css=...)` by `rag.ui.server.mount_ui` (Gradio 6 takes css at mount/launch).
CSS = """
.rag-sources { margin-top: .8em; font-size: .92em; }
.rag-sources ol { padding-left: 1.4em; }
.rag-source { margin-bottom: .6em; }
.rag-passage { opacity: .9; margin-top: .2em; }
.rag-sources mark, .rag-passage mark { background: #ffe066; color: #111; padding: 0 .1em; }
.rag-cite a { text-decoration: none; font-weight: 600; }
.rag-notice { opacity: .75; margin-top: .4em; }
.rag-refusal { font-style: italic; }
"""

TITLE = "Nachrichten-Assistent · news Q&A with verified sources"


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole UI around one shared Assistant (models load on first use, not here)."""
    settings = assistant.settings
    choices = handlers.backend_choices(assistant)

    def chat(message, history, pairs, backend, k, mode, since, until):
        yield from handlers.respond(assistant, message, history, pairs, backend, k, mode, since, until)

    def ask(question: str, k: int = settings.retrieval.k, mode: str = settings.retrieval.mode,
            backend: str = settings.llm.backend, since: str = "", until: str = "", as_of: str = "") -> dict:
        """Answer one question; returns the JSON contract of `rag ask --json`. `since`/`until`
        (YYYY, YYYY-MM or YYYY-MM-DD) keep only documents dated in that range; `as_of`
        answers as of that date."""
        return handlers.api_ask(assistant, question, k=k, mode=mode, backend=backend,
                                since=since, until=until, as_of=as_of)

    def status():
        return handlers.status_markdown(assistant)

    def upload(files):
        # Empty the picker afterwards: the report says what happened to each file.
        return handlers.upload(assistant, files), None

    def rebuild(force, progress=gr.Progress()):
        return handlers.rebuild(assistant, force, progress)

    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers come only from the indexed articles; hover or click "
                    "a marker like **[1]** to see the supporting passage.")
        pairs = gr.State([])
        pending = gr.State("")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Chat", height=560, latex_delimiters=[],
                                         feedback_options=None, buttons=["copy"], elem_id="chat")
                    with gr.Row():
                        msg = gr.Textbox(placeholder="Frage stellen … / Ask a question …", show_label=False,
                                         scale=5, container=False, elem_id="question", max_lines=4)
                        send = gr.Button("Senden / Send", variant="primary", scale=1, elem_id="send")
                    gr.Examples(handlers.EXAMPLES, inputs=msg, label="Beispiele / Examples")
                    clear = gr.Button("Neuer Chat / New chat", size="sm")
                with gr.Column(scale=1, min_width=260):
                    backend = gr.Dropdown(choices, value=settings.llm.backend, label="Answer backend", elem_id="backend",
                                          info="Unavailable backends explain why when chosen.")
                    k = gr.Slider(1, 20, value=settings.retrieval.k, step=1, label="Passages (k)")
                    mode = gr.Radio(handlers.MODES, value=settings.retrieval.mode, label="Retrieval")
                    with gr.Row():
                        since = gr.Textbox(label="Von / Since", placeholder="YYYY[-MM[-DD]]", elem_id="since")
                        until = gr.Textbox(label="Bis / Until", placeholder="YYYY[-MM[-DD]]", elem_id="until")
                    timings = gr.Markdown("_No answer yet._", elem_id="timings")
                    with gr.Accordion("Backends", open=False):
                        gr.Markdown(handlers.backends_markdown(assistant))
        with gr.Tab("Dokumente / Documents"):
            status_md = gr.Markdown("…")
            refresh = gr.Button("Refresh status", size="sm")
            suffixes = supported_suffixes()
            files = gr.File(label=f"Upload {' / '.join(suffixes)} ({handlers.caps_text(settings.ingest)})",
                            file_count="multiple", file_types=list(suffixes), type="filepath")
            upload_md = gr.Markdown()
            force = gr.Checkbox(False, label="Full rebuild (re-embed everything)")
            rebuild_btn = gr.Button("Rebuild index", variant="primary")
            report_md = gr.Markdown()
        eval_tab.build(settings)  # the Evaluation tab (rag/ui/eval_tab.py)

        # Clear the textbox at once, then stream; the question travels via `pending`.
        chat_inputs = [pending, chatbot, pairs, backend, k, mode, since, until]
        for trigger in (msg.submit, send.click):
            trigger(lambda m: ("", m), msg, [msg, pending], queue=False, api_visibility="private").then(
                chat, chat_inputs, [chatbot, pairs, timings], api_visibility="private")
        clear.click(lambda: ([], [], "_No answer yet._"), None, [chatbot, pairs, timings],
                    queue=False, api_visibility="private")
        # The Chatbot's own trash icon must also forget the plain-text turns follow-ups use.
        chatbot.clear(lambda: [], None, pairs, queue=False, api_visibility="private")
        files.upload(upload, files, [upload_md, files], api_visibility="private")
        rebuild_btn.click(rebuild, force, [report_md, status_md], api_visibility="private")
        refresh.click(status, None, status_md, api_visibility="private")
        demo.load(status, None, status_md, api_visibility="private")
        gr.api(ask, api_name="ask")
    return demo
