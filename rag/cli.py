"""`rag` command line: add, index, ask, chat, eval, train-reader, models, serve, mcp, status.

Only parsing, one call into the library, and rendering live here. RagError becomes a
one-line message and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from rag.core.config import Settings, load_settings
from rag.cli_output import print_answer, print_status
from rag.core.errors import RagError


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "paths": {k: v for k, v in {
            "seeds_dir": getattr(args, "seeds", None), "index_dir": getattr(args, "index", None),
            "models_dir": getattr(args, "models_dir", None),
            "data_dir": getattr(args, "data_dir", None)}.items() if v},
        "embedding": {k: v for k, v in {
            "model": getattr(args, "embedder", None),
            "backend": getattr(args, "embedder_backend", None),
            "precision": getattr(args, "precision", None)}.items() if v},
        "retrieval": {k: v for k, v in {
            "k": getattr(args, "k", None), "mode": getattr(args, "mode", None)}.items() if v},
        "llm": {k: v for k, v in {
            "backend": getattr(args, "llm", None), "model": getattr(args, "llm_model", None),
            "base_url": getattr(args, "base_url", None)}.items() if v},
        "ui": {k: v for k, v in {
            "host": getattr(args, "host", None), "port": getattr(args, "port", None)}.items() if v},
        "store": {k: v for k, v in {
            "backend": getattr(args, "store", None), "uri": getattr(args, "store_uri", None)}.items() if v},
        "ray": {"address": args.ray} if getattr(args, "ray", None) else {},
    }
    return load_settings(**{k: v for k, v in overrides.items() if v})


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds", type=Path, help="documents directory (default: seeds)")
    p.add_argument("--index", type=Path, help="index directory (default: index)")
    p.add_argument("--models-dir", type=Path, help="installed models (default: models)")
    p.add_argument("--embedder", help="embedding model name or path")
    p.add_argument("--embedder-backend", help="onnx (default), sentence-transformers or hashing")
    p.add_argument("--precision", choices=["fp32", "int8"],
                   help="onnx: precision of the chunk vectors an index build writes (default int8); questions run fp32")
    p.add_argument("--store", help="where the index rows live: local (default) or milvus")
    p.add_argument("--store-uri", help="milvus: a Lite path (x/milvus.db) or http://host:19530")


def cmd_index(args) -> int:
    from rag.cli_library import run_index

    return run_index(args, lambda: _settings(args))


def cmd_add(args) -> int:
    from rag.cli_library import run_add

    return run_add(args, lambda: _settings(args))


def cmd_ask(args) -> int:
    from rag.assistant import Assistant

    assistant = Assistant.from_settings(_settings(args))
    questions = sys.stdin if args.question == "-" else [args.question]
    status = 0
    for line in questions:
        question = line.strip() if args.question == "-" else line
        if args.question == "-" and not question:
            continue
        try:
            dates = {"since": args.since, "until": args.until, "as_of": args.as_of, "sources": args.source}
            if args.json:
                print(json.dumps(assistant.ask(question, **dates).to_json(), ensure_ascii=False), flush=True)
                continue
            answer = None
            live = sys.stdout.isatty() and assistant.settings.llm.backend != "extractive"
            for kind, value in assistant.stream(question, **dates):
                if kind == "token" and live:
                    print(value, end="", flush=True)
                elif kind == "answer":
                    answer = value
            if live:
                print("\n\nVerified answer:")
            print_answer(answer)
        except RagError as exc:
            if args.question != "-":
                raise
            # In batch mode one bad line must not stop the rest.
            print(json.dumps({"question": question, "error": str(exc)}, ensure_ascii=False), flush=True)
            status = 2
    return status


def cmd_chat(args) -> int:
    from rag.assistant import Assistant
    from rag.cli_chat import run_chat

    assistant = Assistant.from_settings(_settings(args))
    return run_chat(assistant, resume=args.resume, options={
        "since": args.since, "until": args.until, "as_of": args.as_of, "sources": args.source})


def cmd_status(args) -> int:
    from rag.assistant import Assistant

    print_status(Assistant.from_settings(_settings(args)).status(), args.json)
    return 0


def cmd_models(args) -> int:
    settings = _settings(args)
    models_dir = settings.paths.models_dir
    if args.action == "list":
        from rag.models import catalogue

        for row in catalogue(models_dir):
            print(f"{row['name']:<12} {'installed' if row['installed'] else 'missing':<10} {row['description']}")
        return 0
    if args.name == "e5":
        from rag.models.e5 import install_e5

        path = install_e5(models_dir, force=args.force)
    else:
        from rag.models.gguf import install_gguf

        path = install_gguf(args.name, models_dir, force=args.force)
    print(f"Installed {args.name} at {path}")
    return 0


def cmd_eval(args) -> int:
    from rag.evaluation.cli import run_from_args

    # For --dataset xquad|mlqa, --mode picks the benchmark's modes ("all" included), not retrieval.mode.
    retrieval_mode = None if args.dataset in ("xquad", "mlqa") else args.mode
    return run_from_args(args, _settings(argparse.Namespace(**{**vars(args), "mode": retrieval_mode})))


def cmd_train_reader(args) -> int:
    from rag.evaluation.train_cli import run_from_args

    return run_from_args(args, _settings(args))


def cmd_serve(args) -> int:
    from rag.api.server import serve

    serve(_settings(args))
    return 0


def cmd_mcp(args) -> int:
    from rag.integrations.mcp_server import run_stdio

    run_stdio(_settings(args))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from rag.cli_chat import add_arguments as add_chat_arguments
    from rag.cli_library import add_options, index_options
    from rag.evaluation.cli import add_arguments as add_eval_arguments
    from rag.evaluation.train_cli import add_arguments as add_train_arguments

    parser = argparse.ArgumentParser(prog="rag", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index from the seeds directory")
    _common(p)
    index_options(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("add", help="add web pages by URL, or a CSV/JSONL file of articles (not copied)")
    _common(p)
    add_options(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("ask", help="answer a question ('-' reads one per line from stdin)")
    p.add_argument("question")
    _common(p)
    p.add_argument("--llm", help="answer backend (extractive, fake, langchain, openai-compatible, local)")
    p.add_argument("--llm-model", help="model for the backend, e.g. openai:gpt-4o-mini")
    p.add_argument("--base-url", help="OpenAI-compatible server URL")
    p.add_argument("--k", type=int, help="passages to retrieve")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"])
    p.add_argument("--json", action="store_true", help="print the JSON contract")
    p.add_argument("--since", metavar="DATE", help="only sources dated on or after DATE (YYYY[-MM[-DD]])")
    p.add_argument("--until", metavar="DATE", help="only sources dated on or before DATE")
    p.add_argument("--as-of", metavar="DATE", help="answer as the sources stood on DATE")
    p.add_argument("--source", action="append", metavar="NAME",
                   help="ask only this document (repeatable; names as `GET /api/documents` lists them)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="an interactive conversation with follow-ups, saved (/new, /history, /open)")
    _common(p)
    add_chat_arguments(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("status", help="show what the live index holds")
    _common(p)
    p.add_argument("--json", action="store_true", help="print the status as one JSON object")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("models", help="install offline models")
    _common(p)
    msub = p.add_subparsers(dest="action", required=True)
    inst = msub.add_parser("install")
    inst.add_argument("name", choices=["e5", "qwen-1.5b", "qwen-0.5b"])
    inst.add_argument("--force", action="store_true")
    msub.add_parser("list")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("eval", help="run the eval set or an external benchmark")
    _common(p)
    add_eval_arguments(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("train-reader", help="fit the extractive reader's parameters on fit data only")
    _common(p)
    add_train_arguments(p)
    p.set_defaults(func=cmd_train_reader)

    p = sub.add_parser("serve", help="start the chat UI and the HTTP API (OpenAI-compatible /v1, REST /api)")
    _common(p)
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--llm")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("mcp", help="serve the `search` and `ask` tools over MCP on stdio")
    _common(p)
    p.add_argument("--llm")
    p.set_defaults(func=cmd_mcp)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        return args.func(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
