"""Keyboards of /plans and of a plan row's date and schools (issue 13), from plain data."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import PlansCb, RowCb
from services.i18n import Translator
from services.plans.row_schools import PRESETS, RowSchools
from services.plans.state import PlanSummary
from services.render import short

PRESET_NAMES = list(PRESETS)  # a preset travels as its index
PRESET_KEYS = {
    "shnor": "btn-row-preset-shnor",
    "shnsu": "btn-row-preset-shnsu",
    "all": "btn-row-preset-all",
}
STATE_BUTTONS = {"archive": "btn-plan-archive", "current": "btn-plan-current"}
CONFIRM_BUTTONS = {
    "undo": "btn-plan-undo-ok",
    "archive": "btn-plan-archive-ok",
    "current": "btn-plan-current-ok",
}
SCHOOL_BUTTONS = 60


def plans_keyboard(t: Translator, plans: list[PlanSummary]) -> InlineKeyboardMarkup | None:
    """Per plan: undo the import; archive or make current."""
    builder = InlineKeyboardBuilder()
    for index, plan in enumerate(plans, start=1):
        state = "current" if plan.archived else "archive"
        builder.row(
            InlineKeyboardButton(
                text=t("btn-plan-undo", index=index),
                callback_data=PlansCb(action="undo", plan_id=plan.plan_id).pack(),
            ),
            InlineKeyboardButton(
                text=t(STATE_BUTTONS[state], index=index),
                callback_data=PlansCb(action=state, plan_id=plan.plan_id).pack(),
            ),
        )
    return builder.as_markup() if plans else None


def confirm_plan_keyboard(t: Translator, action: str, plan_id: int) -> InlineKeyboardMarkup:
    """«Yes, …» for one plan action, and «Cancel»."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(CONFIRM_BUTTONS[action]),
        callback_data=PlansCb(action=f"{action}_ok", plan_id=plan_id),
    )
    builder.button(text=t("btn-cancel"), callback_data=RowCb(action="close", item=0))
    builder.adjust(1)
    return builder.as_markup()


def row_buttons(t: Translator, activity_id: int, number: str, schools: int) -> list:  # type: ignore[type-arg]
    """«📅 Срок N» and «🏫 Школы N» of one plan row."""
    return [
        InlineKeyboardButton(
            text=t("btn-row-date", number=number),
            callback_data=RowCb(action="date", item=activity_id).pack(),
        ),
        InlineKeyboardButton(
            text=t("btn-row-schools", number=number, count=schools),
            callback_data=RowCb(action="schools", item=activity_id).pack(),
        ),
    ]


def dates_keyboard(t: Translator, dues: list[tuple[int, date | None]]) -> InlineKeyboardMarkup:
    """A button per date of a row that has several."""
    builder = InlineKeyboardBuilder()
    for due_id, day in dues:
        label = t.date(day) if day else t("due-no-date")
        builder.button(text=label, callback_data=RowCb(action="due", item=due_id))
    builder.adjust(3)
    return builder.as_markup()


def redate_keyboard(t: Translator, due_date_id: int, day: date) -> InlineKeyboardMarkup:
    """Confirm a new date (the day travels in the button) or cancel."""
    builder = InlineKeyboardBuilder()
    value = day.year * 10000 + day.month * 100 + day.day
    builder.button(
        text=t("btn-row-date-ok", date=t.date(day)),
        callback_data=RowCb(action="date_ok", item=due_date_id, value=value),
    )
    builder.button(text=t("btn-cancel"), callback_data=RowCb(action="close", item=0))
    builder.adjust(1)
    return builder.as_markup()


def row_schools_keyboard(t: Translator, row: RowSchools) -> InlineKeyboardMarkup:
    """A toggle per school (✅ on the row), the presets, «Save» and «Cancel»."""
    builder = InlineKeyboardBuilder()
    for school in row.schools[:SCHOOL_BUTTONS]:
        mark = "✅" if school.school_id in row.chosen else "▫️"
        builder.button(
            text=f"{mark} {short(school.name, 40)}",
            callback_data=RowCb(action="toggle", item=row.activity_id, value=school.school_id),
        )
    builder.adjust(2)
    builder.row(
        *(
            InlineKeyboardButton(
                text=t(PRESET_KEYS[name]),
                callback_data=RowCb(action="preset", item=row.activity_id, value=index).pack(),
            )
            for index, name in enumerate(PRESET_NAMES)
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=t("btn-row-schools-save"),
            callback_data=RowCb(action="save", item=row.activity_id).pack(),
        ),
        InlineKeyboardButton(
            text=t("btn-cancel"), callback_data=RowCb(action="close", item=0).pack()
        ),
    )
    return builder.as_markup()
