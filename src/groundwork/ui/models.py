"""An uploaded model as rubric text: a zip of OWASP SAMM's core model folder, DSOMM's
generated model.yaml, or a Groundwork rubric as it is."""

from __future__ import annotations

from groundwork.models import ModelError
from groundwork.models.dsomm import import_dsomm
from groundwork.models.files import files_from_zip
from groundwork.models.samm import import_samm
from groundwork.rubric import InputError, load_yaml_documents

MAX_ZIP_BYTES = 20_000_000


def _is_dsomm(text: str) -> bool:
    """DSOMM's generated file: a ``meta`` document, then the dimensions."""
    try:
        docs = load_yaml_documents(text, limit=3)
    except InputError:
        return False
    return len(docs) > 1 and isinstance(docs[0], dict) and set(docs[0]) == {"meta"}


def rubric_from_upload(name: str, data: bytes) -> tuple[str, list[str], str]:
    """(rubric YAML, fields not carried, what it was) for an uploaded file. A zip is read
    as SAMM's core model; raises :class:`ModelError` when it cannot be imported."""
    if name.lower().endswith(".zip"):
        imported = import_samm(files_from_zip(data, MAX_ZIP_BYTES))
        return imported.to_yaml(), imported.not_carried, "the OWASP SAMM core model"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ModelError(f"{name}: not UTF-8 text") from None
    if _is_dsomm(text):
        imported = import_dsomm(text)
        return imported.to_yaml(), imported.not_carried, "DSOMM's generated model"
    return text, [], "a rubric"
