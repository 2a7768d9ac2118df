"""Start the chat UI and the HTTP API: `python app.py` (same as `rag serve` / `make run`).

Settings come from `RAG_*` environment variables, e.g. `RAG_UI__PORT=8080`,
`RAG_UI__AUTH=user:password`, `RAG_API__KEYS=key1,key2`, `RAG_LLM__BACKEND=local`.
"""

import sys


def main() -> int:
    from rag.core.config import load_settings
    from rag.core.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, RagError
    from rag.api.server import serve

    try:
        serve(load_settings())
    except IndexMissingError as exc:
        print(f"error: {exc}\nNo index found: run `rag index` (or `make index`), then start the server again.",
              file=sys.stderr)
        return 2
    except (IndexCorruptError, IndexMismatchError) as exc:
        print(f"error: {exc}\nRebuild it with `rag index --rebuild`, then start the server again.", file=sys.stderr)
        return 2
    except RagError as exc:  # settings, auth string, ...: the message says what to fix
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
