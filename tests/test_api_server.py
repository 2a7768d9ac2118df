"""`rag serve` itself: the key rule for non-loopback addresses, and a real server process that
answers the official openai client and stops cleanly on Ctrl-C with a UI client connected."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import openai
import pytest

from rag.api.auth import check_exposure, is_loopback
from rag.cli import main
from rag.core.errors import ConfigError

KEY = "sk-test-serve"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.1.1"])
def test_loopback_needs_no_keys(host):
    assert is_loopback(host)
    check_exposure(host, [])


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_other_addresses_need_keys(host):
    with pytest.raises(ConfigError, match="RAG_API__KEYS"):
        check_exposure(host, [])
    check_exposure(host, ["a-key"])


def test_rag_serve_refuses_to_expose_the_api_without_keys(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("RAG_API__KEYS", raising=False)
    code = main(["serve", "--host", "0.0.0.0", "--index", str(tmp_path / "index"), "--port", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no API keys are set" in err and "RAG_API__KEYS" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rag_serve_process_answers_and_stops_cleanly(seeds_index, tmp_path):
    assistant = seeds_index()
    paths = assistant.settings.paths
    port = _free_port()
    env = {**os.environ, "RAG_API__KEYS": KEY, "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256",
           "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--port", str(port), "--seeds", str(paths.seeds_dir),
         "--index", str(paths.index_dir), "--models-dir", str(paths.models_dir)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, open(tmp_path / "serve.log").read()
            try:
                if httpx.get(url + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "rag serve did not come up"
            time.sleep(0.5)
        client = openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0, timeout=120)
        resp = client.chat.completions.create(
            model="rag-extractive", messages=[{"role": "user", "content": "Wie viel Geld soll in Stargate fließen?"}])
        assert "500 Milliarden" in resp.choices[0].message.content and resp.model_extra["citations"]

        from gradio_client import Client

        # With keys set the UI wants a login too: any user name, a key as the password (issue 32).
        ui = Client(url + "/", auth=("tester", KEY), verbose=False)  # keeps a heartbeat stream open, like a tab
        assert ui.predict("Wie viel Geld soll in Stargate fließen?", api_name="/ask")["citations"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130  # the CLI's exit code for Ctrl-C
        ui.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = open(tmp_path / "serve.log").read()
    # The UI's heartbeat stream was ended first: uvicorn did not wait out its graceful timeout
    # and then cancel it ("Cancel 1 running task(s), timeout graceful shutdown exceeded").
    assert "Finished server process" in output
    assert "Traceback" not in output and "graceful shutdown exceeded" not in output, output
