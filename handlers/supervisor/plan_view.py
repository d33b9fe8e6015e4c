"""/plan: the rows of the current plans with their dates; any row can get a new date
(«📅 Срок N»: asked, warned about when past, confirmed with a button) and its schools
(«🏫 Школы N», in :mod:`handlers.supervisor.row_schools`)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.callbacks import PlanCb, RowCb
from handlers.context import municipality_of, supervisor_today
from handlers.keyboards import add_pager
from handlers.plan_keyboards import dates_keyboard, redate_keyboard, row_buttons
from models import Activity, ActivityKind, DueKind, Plan, User
from services.dates import parse_day
from services.i18n import BoundTexts
from services.plans.live import live_activity
from services.plans.redating import (
    Redate,
    live_dates,
    live_due,
    preview_redate,
    redate,
    row_for_dating,
)
from services.plans.row_schools import school_counts
from services.preview import target_label
from services.render import esc, short

ROWS_PER_PAGE = 10


class PlanStates(StatesGroup):
    date = State()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(plan_command, Command("plan"))
    router.message.register(
        date_entered, StateFilter(PlanStates.date), F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(page_button, PlanCb.filter(F.action == "page"))
    router.callback_query.register(date_button, RowCb.filter(F.action == "date"))
    router.callback_query.register(due_button, RowCb.filter(F.action == "due"))
    router.callback_query.register(date_confirmed, RowCb.filter(F.action == "date_ok"))
    router.callback_query.register(close_button, RowCb.filter(F.action == "close"))
    return router


async def _activities(session: AsyncSession, municipality_id: int) -> list[Activity]:
    return list(
        (
            await session.scalars(
                select(Activity)
                .join(Plan, Plan.id == Activity.plan_id)
                .where(
                    Plan.municipality_id == municipality_id,
                    live_activity(),
                    Activity.kind == ActivityKind.PLAN,
                )
                .order_by(Plan.id, Activity.position)
                .options(selectinload(Activity.due_dates))
            )
        ).all()
    )


def _dates(t: BoundTexts, activity: Activity) -> str:
    dues = [d for d in activity.due_dates if d.removed_at is None]
    if any(d.kind is DueKind.NEEDS_DATE for d in dues):
        return t("due-no-date")
    shown = [t.date(d.due_on) for d in dues if d.due_on][:4]
    more = len(dues) - len(shown)
    return ", ".join(shown) + (t("due-more", n=more) if more > 0 else "")


async def _render(t: BoundTexts, session: AsyncSession, user: User, page: int):  # type: ignore[no-untyped-def]
    municipality = await municipality_of(session, user)
    activities = await _activities(session, municipality.id)
    if not activities:
        return t("plan-empty"), None
    pages = (len(activities) + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE
    page = min(max(page, 0), pages - 1)
    lines = [t("plan-header", n=len(activities), page=page + 1, pages=pages)]
    builder = InlineKeyboardBuilder()
    shown = activities[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
    counts = await school_counts(session, [a.id for a in shown])
    for activity in shown:
        lines.append(
            t(
                "plan-line",
                number=esc(activity.number),
                text=esc(short(activity.text, 90)),
                dates=_dates(t, activity),
                phrase=esc(activity.deadline_phrase),
                target=target_label(t, activity.target),
            )
        )
        builder.row(*row_buttons(t, activity.id, activity.number, counts.get(activity.id, 0)))
    add_pager(builder, t, page, pages, lambda n: PlanCb(action="page", page=n).pack())
    return "\n\n".join(lines), builder.as_markup()


async def plan_command(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    text, keyboard = await _render(t, session, user, 0)
    return message.answer(text, reply_markup=keyboard)


async def page_button(
    callback: CallbackQuery, callback_data: PlanCb, t: BoundTexts, session: AsyncSession, user: User
):
    text, keyboard = await _render(t, session, user, callback_data.page)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(text, reply_markup=keyboard)


async def date_button(
    callback: CallbackQuery,
    callback_data: RowCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    state: FSMContext,
):
    """«📅 Срок N»: a row with one date asks for the new one; with several, which one first."""
    municipality = await municipality_of(session, user)
    activity = await row_for_dating(session, municipality.id, callback_data.item)
    dues = sorted(live_dates(activity), key=lambda d: d.seq)
    if len(dues) == 1:
        return await _ask_date(callback, t, state, activity, dues[0].id)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(
            t("plan-which-date", number=esc(activity.number)),
            reply_markup=dates_keyboard(t, [(d.id, d.due_on) for d in dues]),
        )
    return None


async def due_button(
    callback: CallbackQuery,
    callback_data: RowCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    state: FSMContext,
):
    municipality = await municipality_of(session, user)
    due = await live_due(session, municipality.id, callback_data.item)
    activity = await row_for_dating(session, municipality.id, due.activity_id)
    return await _ask_date(callback, t, state, activity, due.id)


async def _ask_date(
    callback: CallbackQuery, t: BoundTexts, state: FSMContext, activity: Activity, due_id: int
):
    await state.set_state(PlanStates.date)
    await state.set_data({"due_date_id": due_id})
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(
            t("plan-ask-date", number=esc(activity.number), phrase=esc(activity.deadline_phrase))
        )


def _redate_text(t: BoundTexts, change: Redate) -> str:
    number, after = esc(change.number), t.date(change.after)
    if change.before is None:
        text = t("plan-redate-ask-new", number=number, after=after)
    else:
        text = t("plan-redate-ask", number=number, before=t.date(change.before), after=after)
    if change.past:
        text += "\n\n" + t("plan-redate-past", n=change.overdue_now)
    return text


async def date_entered(
    message: Message, t: BoundTexts, session: AsyncSession, user: User, state: FSMContext
):
    """The new date, shown before it is saved: with a warning when it is already past."""
    today = await supervisor_today(session, user)
    day = parse_day(message.text or "", today)
    if day is None:
        return message.answer(t("plan-bad-date"))
    data = await state.get_data()
    municipality = await municipality_of(session, user)
    await state.clear()
    change = await preview_redate(
        session, municipality.id, int(data.get("due_date_id", 0)), day, today
    )
    return message.answer(
        _redate_text(t, change), reply_markup=redate_keyboard(t, change.due_date_id, day)
    )


async def date_confirmed(
    callback: CallbackQuery, callback_data: RowCb, t: BoundTexts, session: AsyncSession, user: User
):
    """«✅ Назначить …»: the date is saved (re-checked: this municipality's live row)."""
    value = callback_data.value
    try:
        day = date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return await callback.answer(t("button-not-yours"), show_alert=True)
    municipality = await municipality_of(session, user)
    today = await supervisor_today(session, user)
    change = await redate(
        session, municipality.id, callback_data.item, day, today, actor_id=user.id
    )
    await callback.answer()
    if callback.message is None:
        return None
    after = t.date(change.after)
    if change.before is None:
        return await callback.message.answer(
            t("plan-date-set", number=esc(change.number), date=after)
        )
    return await callback.message.answer(
        t("plan-date-changed", number=esc(change.number), before=t.date(change.before), after=after)
    )


async def close_button(callback: CallbackQuery, t: BoundTexts, state: FSMContext):
    """«Отмена» under a question of this feature: nothing is changed."""
    await state.clear()
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(t("cancel-done"))
