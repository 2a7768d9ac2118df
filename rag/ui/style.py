"""The UI's CSS and the small scripts its HTML components run (`js_on_load`).

The scripts only turn clicks on our own markup into Gradio events (`trigger`), open a
collapsed source when its [n] is clicked, and keep the open conversation in the URL
(`?c=<id>`), so a reload or a bookmark opens it again.
"""

CSS = """
.rag-answer, .rag-refusal { line-height: 1.5; }
.rag-refusal { font-style: italic; }
.rag-read-as { opacity: .7; margin-bottom: .3em; }
.rag-cite a { text-decoration: none; font-weight: 600; }
.rag-status { display: flex; align-items: center; gap: .5em; opacity: .8; font-size: .92em; margin-top: .3em; }
.rag-dot { width: .6em; height: .6em; border-radius: 50%; background: var(--color-accent); flex: none;
           animation: rag-pulse 1s ease-in-out infinite alternate; }
@keyframes rag-pulse { from { opacity: .25; } to { opacity: 1; } }
.rag-error { border-left: 3px solid #d97706; padding: .3em .6em; background: rgba(217, 119, 6, .08); }
.rag-notice { opacity: .75; margin-top: .4em; }
.rag-low-confidence { border-left: 3px solid #d97706; padding: .3em .6em; margin-top: .5em; }
.rag-sources { margin-top: .7em; font-size: .92em; }
.rag-sources-head { font-weight: 600; margin-bottom: .2em; }
.rag-source, .rag-best { border-top: 1px solid var(--border-color-primary); padding: .25em 0; }
.rag-source summary, .rag-best summary { cursor: pointer; font-size: .95em; }
.rag-source summary strong, .rag-best summary strong { font-weight: 600; }
.rag-source.rag-flash { background: rgba(255, 224, 102, .35); }
.rag-n { font-weight: 600; }
.rag-passage { opacity: .92; margin: .3em 0 .2em 1em; }
.rag-links { margin-left: 1em; font-size: .95em; }
.rag-sources mark, .rag-passage mark, .rag-doc-text mark { background: #ffe066; color: #111; padding: 0 .1em; }
.rag-doc-text mark.rag-focus { background: #ffb347; outline: 2px solid #d97706; }
#sidebar-chats .rag-convs { list-style: none; padding: 0; margin: 0; }
.rag-conv { display: block; width: 100%; text-align: left; padding: .4em .5em; border-radius: 6px;
            background: none; border: none; cursor: pointer; color: inherit; font-size: .92rem;
            font-weight: normal; line-height: 1.3; }
.rag-conv:hover { background: var(--background-fill-secondary); }
.rag-conv[aria-current="true"] { background: var(--color-accent-soft); }
.rag-conv[aria-current="true"] .rag-conv-title { font-weight: 600; }
.rag-conv-title { display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.rag-conv small { opacity: .65; font-weight: normal; }
.rag-empty { opacity: .7; }
.rag-table-wrap { overflow-x: auto; }
table.rag-docs { width: 100%; border-collapse: collapse; font-size: .92em; border: none; }
table.rag-docs tr { border: none; }
table.rag-docs th, table.rag-docs td { text-align: left; padding: .3em .4em; vertical-align: top; border: none;
                                       border-bottom: 1px solid var(--border-color-primary); }
table.rag-docs td.rag-num { text-align: right; }
.rag-doc { background: none; border: none; padding: 0; color: var(--link-text-color); cursor: pointer;
           text-align: left; font: inherit; }
.rag-doc[aria-current="true"] { font-weight: 600; }
tr.rag-state-deleted, tr.rag-state-new { opacity: .7; }
.rag-doc-view h3 { margin: 0 0 .2em; }
.rag-doc-meta, .rag-note { opacity: .75; font-size: .9em; margin: 0 0 .5em; }
.rag-doc-text { line-height: 1.55; }
.rag-chunk-odd { background: rgba(125, 125, 125, .09); }
.rag-chunk-no { display: inline-block; font-size: .7em; padding: 0 .35em; margin: 0 .2em; border-radius: 4px;
                background: var(--border-color-primary); vertical-align: super; cursor: help; }
#question textarea { font-size: 1rem; }
.rag-drop { display: flex; flex-direction: column; align-items: center; gap: .3em; padding: 1.4em .8em;
            border: 2px dashed var(--border-color-primary); border-radius: 8px; cursor: pointer; text-align: center; }
.rag-drop.rag-over { border-color: var(--color-accent); background: var(--color-accent-soft); }
.rag-drop small { opacity: .7; }
.rag-file-input { position: absolute; width: 1px; height: 1px; opacity: 0; }
.rag-upload-list { list-style: none; padding: 0; margin: .3em 0; font-size: .9em; }
/* Gradio 6.31 keeps one --overlap-amount for all sidebars, so with two the last one's width
   pads both sides; each side gets its own sidebar's width here (300 px left, 480 px right).
   Top level, not in @media: Gradio scopes custom rules under .contain (inside .sidebar-parent)
   but also keeps top-level ones as written; its own !important rule still zeroes the padding
   on phones, where sidebars overlay the page. */
.sidebar-parent:has(#sidebar-chats.open) { padding-left: 300px; }
.sidebar-parent:has(#viewer-panel.open) { padding-right: 480px; }
@media (max-width: 640px) {
  #chat { height: 62vh !important; }
  .rag-passage, .rag-links { margin-left: .3em; }
  table.rag-docs td:nth-child(4), table.rag-docs th:nth-child(4) { display: none; }  /* format */
  table.rag-docs { font-size: .85em; }
}
"""

# The conversation list: a click on an entry sends its id.
CONVERSATIONS_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.rag-conv');
  if (b) trigger('click', {id: b.dataset.id});
});
"""

# The library table: a title opens the preview, the checkboxes are "ask only these".
DOCUMENTS_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.rag-doc');
  if (b) trigger('click', {action: 'preview', source: b.dataset.source});
});
element.addEventListener('change', (e) => {
  if (!e.target.matches('input.rag-pick')) return;
  const picked = [...element.querySelectorAll('input.rag-pick:checked')].map((x) => x.dataset.source);
  trigger('click', {action: 'pick', sources: picked});
});
"""

# In the chat: "whole document" links open the source viewer; an [n] opens its collapsed
# source and scrolls to it (a plain #anchor would land on a closed <details>).
CHAT_LINKS_JS = """
document.addEventListener('click', (e) => {
  const a = e.target.closest ? e.target.closest('#chat a') : null;
  if (!a) return;
  const href = a.getAttribute('href') || '';
  if (a.classList.contains('rag-view') && href.startsWith('#view-')) {
    e.preventDefault(); e.stopPropagation();
    trigger('click', {target: href.slice(6)});
  } else if (href.startsWith('#src-')) {
    e.preventDefault(); e.stopPropagation();
    const el = document.getElementById(href.slice(1));
    if (!el) return;
    el.open = true;
    el.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    el.classList.add('rag-flash');
    setTimeout(() => el.classList.remove('rag-flash'), 1200);
  }
}, true);
"""

# The library's upload area. Each file is uploaded on its own (`upload`, the server's
# /upload): Gradio's own file component sends a batch in one request, and one file over the
# server's size cap failed the whole batch. A file over the cap (`props.max_bytes`) is not
# sent at all; the server names it with the others (`trigger('upload', ...)`).
UPLOAD_HTML = """
<label class="rag-drop" tabindex="0">
  <input type="file" multiple class="rag-file-input">
  <span>Dateien hierher ziehen oder klicken / drop files here or click to upload</span>
  <small>${hint}</small>
</label>
<ul class="rag-upload-list"></ul>
"""
UPLOAD_JS = """
const input = element.querySelector('input.rag-file-input');
const zone = element.querySelector('.rag-drop');
const list = element.querySelector('.rag-upload-list');
async function send(files) {
  const sent = [], refused = [];
  list.innerHTML = '';
  for (const f of files) {
    const li = document.createElement('li');
    li.textContent = f.name + ' · sende … / sending …';
    list.appendChild(li);
    if (f.size > props.max_bytes) {
      refused.push({name: f.name, size: f.size});
      li.textContent = f.name + ' · zu groß, nicht gesendet / too large, not sent';
      continue;
    }
    try {
      const r = await upload(f);
      sent.push(r.path);
      li.textContent = f.name + ' · gesendet / sent';
    } catch (err) {
      refused.push({name: f.name, size: f.size, error: String(err && err.message || err)});
      li.textContent = f.name + ' · nicht gesendet / not sent';
    }
  }
  trigger('upload', {paths: sent, refused: refused});
}
input.addEventListener('change', () => { const files = [...input.files]; input.value = ''; send(files); });
zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('rag-over'); });
zone.addEventListener('dragleave', () => zone.classList.remove('rag-over'));
zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('rag-over'); send([...e.dataTransfer.files]); });
"""

# The viewer scrolls to the clicked citation's span whenever it shows a document.
VIEWER_JS = """
watch('value', () => {
  const f = element.querySelector('#rag-focus');
  if (f) f.scrollIntoView({block: 'center'});
});
"""

WIDTH_JS = "() => window.innerWidth"

# When the open conversation changes: keep its id in the URL (replaceState: no history entry).
URL_JS = """
(cid) => {
  const u = new URL(window.location.href);
  if (cid) u.searchParams.set('c', cid); else u.searchParams.delete('c');
  window.history.replaceState(null, '', u);
  return cid;
}
"""

# Deleting asks first; a cancelled confirm sends an empty id, which deletes nothing.
CONFIRM_DELETE_CHAT_JS = "(cid) => (cid && window.confirm('Gespräch löschen? / Delete this chat?')) ? cid : ''"
CONFIRM_DELETE_DOC_JS = ("(source) => (source && window.confirm('Dokument löschen? / Delete this document? '"
                         " + source)) ? source : ''")


# (family, weights) of the fonts gradio ships that the UI's theme uses: body, then monospace.
# Weight 600's files in gradio 6.31 are subsets of 4-5 KB (SourceSansPro-SemiBold.woff2 holds
# only "A", "B" and spaces), so every bold heading mixed two faces ("OpenAI" with another
# capital A). The full 700 faces (36-103 KB) serve CSS weights 600 and 700 alike.
FONTS = (("Source Sans Pro", (400, 700)), ("IBM Plex Mono", (400, 700)))


def theme():
    """Gradio's default theme with its own fonts at the weights of `FONTS`."""
    import gradio as gr

    (body, body_weights), (mono, mono_weights) = FONTS
    local = gr.themes.LocalFont
    return gr.themes.Default(
        font=(local(body, weights=body_weights), "ui-sans-serif", "system-ui", "sans-serif"),
        font_mono=(local(mono, weights=mono_weights), "ui-monospace", "Consolas", "monospace"),
    )
