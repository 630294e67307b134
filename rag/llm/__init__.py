"""The local chat model: its file, materialised once from the pinned packages (`materialise_model`), and a
llama.cpp server for it on a loopback port (`LocalModelServer`, whose `endpoint` any OpenAI-style client uses).

May import: `rag.errors` only.
"""

from .model import SHA256, SIZE, CopyProgress, materialise_model, model_installed, model_path, part_paths
from .server import MODEL_LABEL, LocalEndpoint, LocalModelServer, ServerSettings

__all__ = [
    "MODEL_LABEL",
    "SHA256",
    "SIZE",
    "CopyProgress",
    "LocalEndpoint",
    "LocalModelServer",
    "ServerSettings",
    "materialise_model",
    "model_installed",
    "model_path",
    "part_paths",
]
