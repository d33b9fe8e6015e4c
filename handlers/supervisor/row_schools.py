"""«🏫 Школы N» under a /plan row: toggle schools on and off (or all ШНОР / ШНСУ / all), then
«Сохранить» applies the choice and says who was added and taken off.

The choice in progress is kept in the conversation's data (under its row); every button checks
again that the row is a current row of the pressing supervisor's municipality.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import RowCb
from handlers.context import municipality_of
from handlers.plan_keyboards import PRESET_NAMES, row_schools_keyboard
from models import User
from services.i18n import BoundTexts
from services.plans.row_schools import RowSchools, row_schools, set_row_schools
from services.render import esc

KEY = "row_schools"


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(
        choose_button, RowCb.filter(F.action.in_(("schools", "toggle", "preset")))
    )
    router.callback_query.register(save_button, RowCb.filter(F.action == "save"))
    return router


async def _row(
    session: AsyncSession, user: User, state: FSMContext, activity_id: int, fresh: bool
) -> RowSchools:
    """The row's schools, with the choice in progress (unless starting afresh)."""
    municipality = await municipality_of(session, user)
    row = await row_schools(session, municipality.id, activity_id)
    kept = (await state.get_data()).get(KEY) or {}
    if not fresh and kept.get("activity_id") == activity_id:
        row.chosen = set(kept.get("chosen", []))
    return row


async def choose_button(
    callback: CallbackQuery,
    callback_data: RowCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    state: FSMContext,
):
    action = callback_data.action
    row = await _row(session, user, state, callback_data.item, fresh=action == "schools")
    if action == "toggle":
        if callback_data.value not in {s.school_id for s in row.schools}:
            return await callback.answer(t("button-not-yours"), show_alert=True)
        row.chosen ^= {callback_data.value}
    elif action == "preset":
        if not 0 <= callback_data.value < len(PRESET_NAMES):
            return await callback.answer(t("button-not-yours"), show_alert=True)
        row.chosen = row.preset(PRESET_NAMES[callback_data.value])
    await state.update_data({KEY: {"activity_id": row.activity_id, "chosen": sorted(row.chosen)}})
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(
            t("row-schools-ask", number=esc(row.number), n=len(row.chosen), total=len(row.schools)),
            reply_markup=row_schools_keyboard(t, row),
        )
    return None


async def save_button(
    callback: CallbackQuery,
    callback_data: RowCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    state: FSMContext,
):
    row = await _row(session, user, state, callback_data.item, fresh=False)
    municipality = await municipality_of(session, user)
    change = await set_row_schools(
        session, municipality.id, row.activity_id, row.chosen, actor_id=user.id
    )
    await state.clear()
    await callback.answer()
    if callback.message is None:
        return None
    if not change.changed:
        return await callback.message.answer(t("row-schools-same", number=esc(change.number)))
    lines = [t("row-schools-saved", number=esc(change.number))]
    if change.added:
        lines.append(t("row-schools-added", names=esc(", ".join(change.added))))
    if change.removed:
        lines.append(t("row-schools-removed", names=esc(", ".join(change.removed))))
    return await callback.message.answer("\n".join(lines))
