"""Typed callback data. Ids only (≤ 64 bytes); every handler re-checks who may use them."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ImportCb(CallbackData, prefix="imp"):
    action: str  # "save" | "cancel" | "schools"
    key: str  # the first characters of the file's SHA-256: an old preview's button is stale


class TaskCb(CallbackData, prefix="tsk"):
    action: str  # "card" | "done" | "page"
    assignment_id: int = 0
    page: int = 0


class DraftCb(CallbackData, prefix="drf"):
    action: str  # "pick" | "send" | "cancel" | "other"
    draft_id: int
    assignment_id: int = 0


class ReviewCb(CallbackData, prefix="rev"):
    action: str  # "accept" | "return" | "next"
    submission_id: int


class SchoolCb(CallbackData, prefix="sch"):
    action: str  # "invite" | "open"
    school_id: int


class PlanCb(CallbackData, prefix="pln"):
    action: str  # "page" (a row's date and schools: RowCb)
    page: int = 0
    due_date_id: int = 0


class LangCb(CallbackData, prefix="lng"):
    locale: str


class ExportCb(CallbackData, prefix="exp"):
    action: str  # "all" | "schools" | "school" | "periods" | "period" | "archive"
    value: int = 0  # a school id, or a half-year's first day as YYYYMMDD


class ForgetCb(CallbackData, prefix="fgt"):
    user_id: int  # the person confirming must be this one


# -- Plans and rows (issue 13: /plans, a row's date and schools) --------------------------------


class PlansCb(CallbackData, prefix="pls"):
    # "undo" | "archive" | "current" ask; "undo_ok" | "archive_ok" | "current_ok" confirm
    action: str
    plan_id: int


class RowCb(CallbackData, prefix="row"):
    # "date" (a row) | "due" (one of its dates) | "date_ok" (value: YYYYMMDD)
    # "schools" | "toggle" (value: a school id) | "preset" (value: index) | "save" | "close"
    action: str
    item: int  # an activity id, or a due date id for "due" and "date_ok"
    value: int = 0
