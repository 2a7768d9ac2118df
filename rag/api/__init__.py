"""The HTTP API that `rag serve` runs beside the Gradio UI, on the same port.

- `openai_routes`: `/v1`, OpenAI-compatible chat completions and models, with citations;
- `rest_routes`: `/api`, the JSON contract, documents, rebuilds, status;
- `schemas`: request and response models (they make the OpenAPI docs at `/docs`);
- `errors`: `RagError` -> HTTP status, in OpenAI's error shape; `auth`: bearer keys;
- `app`: `create_app(assistant)`; `server`: `serve(settings)` and `BackgroundServer`.

Every route is a thin layer over `rag.assistant.Assistant`. FastAPI, uvicorn and Gradio are
imported by these modules only, so importing `rag` stays cheap.
"""
