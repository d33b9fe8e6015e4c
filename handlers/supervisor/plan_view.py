"""/plan: the activities with their dates; a supervisor dates the rows that have none."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.callbacks import PlanCb
from handlers.context import municipality_of, supervisor_today
from handlers.keyboards import add_pager
from models import Activity, ActivityKind, DueKind, Plan, User
from services.dates import parse_day
from services.i18n import BoundTexts
from services.plans import find_due_date, set_due_date
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
    router.callback_query.register(date_button, PlanCb.filter(F.action == "date"))
    return router


async def _activities(session: AsyncSession, municipality_id: int) -> list[Activity]:
    return list(
        (
            await session.scalars(
                select(Activity)
                .join(Plan, Plan.id == Activity.plan_id)
                .where(
                    Plan.municipality_id == municipality_id,
                    Activity.removed_at.is_(None),
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
    for activity in activities[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]:
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
        for due in activity.due_dates:
            if due.kind is DueKind.NEEDS_DATE and due.removed_at is None:
                builder.button(
                    text=t("btn-set-date", number=activity.number),
                    callback_data=PlanCb(action="date", due_date_id=due.id),
                )
    builder.adjust(3)
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
    callback_data: PlanCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    state: FSMContext,
):
    municipality = await municipality_of(session, user)
    activities = await _activities(session, municipality.id)
    due = next(
        (d for a in activities for d in a.due_dates if d.id == callback_data.due_date_id), None
    )
    if due is None:
        return callback.answer(t("button-not-yours"), show_alert=True)
    activity = next(a for a in activities if a.id == due.activity_id)
    await state.set_state(PlanStates.date)
    await state.set_data({"due_date_id": due.id})
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(
            t("plan-ask-date", number=esc(activity.number), phrase=esc(activity.deadline_phrase))
        )
    return None


async def date_entered(
    message: Message, t: BoundTexts, session: AsyncSession, user: User, state: FSMContext
):
    today = await supervisor_today(session, user)
    day = parse_day(message.text or "", today)
    if day is None:
        return message.answer(t("plan-bad-date"))
    data = await state.get_data()
    municipality = await municipality_of(session, user)
    await state.clear()
    due = await find_due_date(session, municipality.id, int(data.get("due_date_id", 0)))
    if due is None:  # another municipality's row, or one deleted since the button was shown
        return message.answer(t("plan-row-not-found"))
    await set_due_date(session, municipality.id, due.id, day, actor_id=user.id)
    activity = await session.get(Activity, due.activity_id)
    return message.answer(
        t("plan-date-set", number=esc(activity.number if activity else ""), date=t.date(day))
    )
