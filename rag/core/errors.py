"""One error hierarchy. Library code raises these; only the edges (CLI, UI, HTTP API) catch them.

Every message should tell the user what to do next. Anything that is *not* a RagError is a
bug and must keep its traceback.
"""


class RagError(Exception):
    """Base class: a problem the user can act on."""


class ConfigError(RagError):
    """A setting is invalid or names something that does not exist."""


class InputError(RagError):
    """A question or document the user supplied cannot be used as given. `param`: the input
    at fault (an API request field such as "since"), when there is one."""

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


class NotFoundError(InputError):
    """Something the user named (a document) does not exist."""


class IndexMissingError(RagError):
    """There is no index yet."""


class IndexMismatchError(RagError):
    """The index was built with another embedder or other chunking parameters."""


class IndexCorruptError(RagError):
    """An index file is truncated, altered or unreadable."""


class IndexWriteError(RagError):
    """A new index version could not be written: a full disk, a quota, a read-only file system
    or missing permissions. The live version is left as it was."""


class IndexLockedError(RagError):
    """Another process is rebuilding the index right now."""


class ModelError(RagError):
    """A model directory or file is missing or broken."""


class BackendUnavailableError(RagError):
    """An LLM or embedding backend cannot be used here (unknown name, missing dependency, down)."""


class BackendError(RagError):
    """A backend failed while answering (timeout, connection refused, malformed reply)."""


class FetchError(InputError):
    """A URL is not allowed, could not be fetched, or is not a page we can read."""


class StorageError(RagError):
    """A data file (the saved conversations) cannot be opened, read or written."""
