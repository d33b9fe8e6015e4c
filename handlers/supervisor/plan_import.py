"""A supervisor sends a plan file: the preview, then «Импортировать» or «Отмена».

The handlers only translate: the use cases in :mod:`services.plan_import.use_cases` read the file
once and save what the preview showed. The parsed plan waits in the pending imports
(``DATA_DIR/imports``) and its digest in the conversation state, so a restart between the
preview and the button loses nothing. The button carries the start of the file's SHA-256: a
button under an older preview is refused as stale.
"""

from __future__ import annotations

import io
from pathlib import PurePath

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ImportCb
from handlers.context import municipality_of
from handlers.keyboards import import_keyboard
from models import User
from services.i18n import BoundTexts
from services.messenger import TELEGRAM
from services.plan_import.pending import PendingImports
from services.plan_import.use_cases import (
    ImportApplied,
    apply_import,
    check_upload,
    preview_import,
)
from services.preview import import_preview_messages, kind_label
from services.render import esc
from services.unit_of_work import persist_before_io

KEY_LENGTH = 16


class ImportStates(StatesGroup):
    preview = State()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_plan_file, F.document)
    router.callback_query.register(on_import_button, ImportCb.filter())
    return router


async def on_plan_file(
    message: Message,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
    pending_imports: PendingImports,
):
    """Download the file, preview it, keep the parsed plan and ask whether to save it."""
    document = message.document
    assert document is not None
    name = PurePath(document.file_name or "plan").name
    check_upload(name, document.file_size, TELEGRAM.download_bytes)
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    municipality = await municipality_of(session, user)
    preview = await preview_import(
        session, municipality, name, buffer.getvalue(), unnamed=(t("municipality-default-name"),)
    )
    pending_imports.keep(preview.sha256, preview.parsed)
    await state.set_state(ImportStates.preview)
    await state.set_data({"import": {"sha": preview.sha256, "name": name}})
    await persist_before_io(session, "the pending import before its buttons are shown")
    *chunks, last = import_preview_messages(t, preview)
    for chunk in chunks:
        await message.answer(chunk)
    key = preview.sha256[:KEY_LENGTH]
    return message.answer(
        last, reply_markup=import_keyboard(t, key, schools=bool(preview.new_schools))
    )


async def on_import_button(
    callback: CallbackQuery,
    callback_data: ImportCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
    pending_imports: PendingImports,
):
    """«Импортировать» saves the previewed plan (with its new schools); «Отмена» forgets it."""
    pending = (await state.get_data()).get("import")
    if not pending or not str(pending.get("sha", "")).startswith(callback_data.key):
        return callback.answer(t("import-stale"), show_alert=True)
    sha = str(pending["sha"])
    if callback_data.action == "cancel":
        await state.clear()
        pending_imports.discard(sha)
        await callback.answer()
        if callback.message is not None:
            await callback.message.answer(t("import-cancelled"))
        return None
    parsed = pending_imports.load(sha)
    if parsed is None:
        await state.clear()
        pending_imports.discard(sha)  # an unreadable leftover
        return callback.answer(t("import-stale"), show_alert=True)
    applied = await apply_import(
        session,
        await municipality_of(session, user),
        parsed,
        sha256=sha,
        add_schools=callback_data.action == "schools",
        invite_coordinators=True,
        actor_id=user.id,
        unnamed=(t("municipality-default-name"),),
    )
    await state.clear()
    await persist_before_io(session, "the saved plan before its pending file is removed")
    pending_imports.discard(sha)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(await _saved_text(t, bot, applied))
    return None


async def _saved_text(t: BoundTexts, bot: Bot, applied: ImportApplied) -> str:
    """«План сохранён…», with an invite link for every school the import added."""
    text = t(
        "import-saved" if applied.created else "import-updated",
        activities=t("count-activities", n=applied.activities),
        assignments=applied.saved.assignments_created,
        attention=applied.needing_attention,
    )
    if not applied.added_schools:
        return text
    username = (await bot.me()).username or ""
    lines = [t("import-schools-added")]
    for school in applied.added_schools:
        link = TELEGRAM.start_link(username, school.invite_token or "")
        lines.append(
            t(
                "school-invite-line",
                name=esc(school.name),
                kind=kind_label(t, school.kind),
                link=link,
            )
        )
    return text + "\n\n" + "\n".join(lines)
