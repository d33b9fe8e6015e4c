"""/plans: the municipality's plans; undo an import, archive a plan, make it current again.

Every action is asked first and done on its confirmation button; each button's plan is checked
against the pressing supervisor's municipality again (a forged or old button changes nothing).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import PlansCb
from handlers.context import municipality_of
from handlers.plan_keyboards import confirm_plan_keyboard, plans_keyboard
from models import User
from services.i18n import BoundTexts
from services.plans.state import (
    ARCHIVED,
    CURRENT,
    PlanSummary,
    list_plans,
    plan_summary,
    set_plan_state,
    undo_import,
)
from services.render import esc, short

ASK = ("undo", "archive", "current")
DONE = ("undo_ok", "archive_ok", "current_ok")
STATES = {CURRENT: "plans-state-current", ARCHIVED: "plans-state-archived"}
ASKED = {"archive": "plans-archive-ask", "current": "plans-current-ask"}
DONE_TEXTS = {"archive": "plans-archive-done", "current": "plans-current-done"}


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(plans_command, Command("plans"))
    router.callback_query.register(ask_button, PlansCb.filter(F.action.in_(ASK)))
    router.callback_query.register(confirm_button, PlansCb.filter(F.action.in_(DONE)))
    return router


def plan_line(t: BoundTexts, index: int, plan: PlanSummary) -> str:
    return t(
        "plans-line",
        index=index,
        title=esc(short(plan.title, 120)),
        start=t.date(plan.period_start),
        end=t.date(plan.period_end),
        activities=plan.activities,
        schools=plan.schools,
        submissions=plan.submissions,
        state=t(STATES[plan.state]),
    )


async def plans_command(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    municipality = await municipality_of(session, user)
    plans = await list_plans(session, municipality.id)
    if not plans:
        return message.answer(t("plan-empty"))
    lines = [t("plans-header", n=len(plans))]
    lines += [plan_line(t, index, plan) for index, plan in enumerate(plans, start=1)]
    return message.answer("\n\n".join(lines), reply_markup=plans_keyboard(t, plans))


async def ask_button(
    callback: CallbackQuery,
    callback_data: PlansCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
):
    """What the action would do, with its confirmation button (or the archive, for an import
    that cannot be undone because schools already sent reports)."""
    municipality = await municipality_of(session, user)
    plan = await plan_summary(session, municipality.id, callback_data.plan_id)
    action = callback_data.action
    title = esc(short(plan.title, 120))
    if action == "undo" and plan.submissions:
        text = t("plans-undo-refused", title=title, n=plan.submissions)
        action = "archive" if not plan.archived else None
    elif action == "undo":
        text = t("plans-undo-ask", title=title, activities=plan.activities, n=plan.assignments)
    else:
        text = t(ASKED[action], title=title)
    await callback.answer()
    if callback.message is not None:
        keyboard = confirm_plan_keyboard(t, action, plan.plan_id) if action else None
        await callback.message.answer(text, reply_markup=keyboard)


async def confirm_button(
    callback: CallbackQuery,
    callback_data: PlansCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
):
    municipality = await municipality_of(session, user)
    action = callback_data.action.removesuffix("_ok")
    if action == "undo":
        plan = await undo_import(session, municipality.id, callback_data.plan_id, actor_id=user.id)
        text = t(
            "plans-undone",
            title=esc(short(plan.title, 120)),
            activities=plan.activities,
            n=plan.assignments,
        )
    else:
        state = ARCHIVED if action == "archive" else CURRENT
        plan = await set_plan_state(
            session, municipality.id, callback_data.plan_id, state, actor_id=user.id
        )
        text = t(DONE_TEXTS[action], title=esc(short(plan.title, 120)))
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(text)
