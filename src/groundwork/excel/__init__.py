"""Excel interchange: the roadmap workbook, the offline questionnaire and re-import.

Pages and the CLI call these; nothing here imports Streamlit. Every exported cell goes
through :mod:`groundwork.safe`; every upload is checked by :mod:`groundwork.excel.imports`
before anything is written.
"""

from groundwork.excel.common import WorkbookError, WorkbookProblem
from groundwork.excel.delta import delta_workbook
from groundwork.excel.export import export_workbook
from groundwork.excel.imports import (
    MAX_BYTES,
    QuestionnairePreview,
    RoadmapChange,
    RoadmapDiff,
    apply_roadmap,
    check_package,
    import_questionnaire,
    preview_questionnaire,
    preview_roadmap,
    read_questionnaire,
    workbook_kind,
)
from groundwork.excel.portfolio import portfolio_workbook
from groundwork.excel.questionnaire import questionnaire_workbook

__all__ = [
    "MAX_BYTES",
    "QuestionnairePreview",
    "RoadmapChange",
    "RoadmapDiff",
    "WorkbookError",
    "WorkbookProblem",
    "apply_roadmap",
    "check_package",
    "delta_workbook",
    "export_workbook",
    "import_questionnaire",
    "portfolio_workbook",
    "preview_questionnaire",
    "preview_roadmap",
    "questionnaire_workbook",
    "read_questionnaire",
    "workbook_kind",
]
