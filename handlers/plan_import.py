"""A supervisor sends a plan file: the preview, then «Импортировать» or «Отмена».

The file waits in DATA_DIR/imports and its name in the conversation state, so a restart between
the preview and the button loses nothing. The button carries the start of the file's SHA-256:
a button under an older preview is refused as stale.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path, PurePath

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.callbacks import ImportCb
from handlers.context import municipality_of, supervisor_today
from handlers.filters import RoleFilter
from handlers.keyboards import import_keyboard
from models import Role, User
from services.errors import DomainError
from services.i18n import BoundTexts
from services.invites import create_invite
from services.names import names_match
from services.plan_import.model import ImportProblem, ParsedPlan
from services.plan_import.parser import parse_plan
from services.plan_import.readers import MAX_FILE_BYTES, SUPPORTED
from services.plans import calendar_of, plan_changes, save_plan
from services.preview import chunk_lines, kind_label, render_preview
from services.render import error_text, esc
from services.schools import add_school, list_schools

log = logging.getLogger(__name__)
KEY_LENGTH = 16


class ImportStates(StatesGroup):
    preview = State()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.SUPERVISOR))
    router.callback_query.filter(RoleFilter(Role.SUPERVISOR))
    router.message.register(on_plan_file, F.document)
    router.callback_query.register(on_import_button, ImportCb.filter())
    return router


def imports_dir(settings: Settings) -> Path:
    path = settings.DATA_DIR / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def _parse(session: AsyncSession, user: User, name: str, data: bytes) -> ParsedPlan:
    municipality = await municipality_of(session, user)
    today = await supervisor_today(session, user)
    return parse_plan(name, data, calendar=calendar_of(municipality), today=today)


async def on_plan_file(
    message: Message,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
    settings: Settings,
):
    document = message.document
    assert document is not None
    name = PurePath(document.file_name or "plan").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED and suffix not in (".doc", ".xls", ".pdf", ".rtf", ".odt"):
        return message.answer(t("import-unsupported", suffix=suffix or "—"))
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        return message.answer(
            t(
                "import-too-large",
                size_mb=round(document.file_size / 1024 / 1024, 1),
                limit_mb=MAX_FILE_BYTES // 1024 // 1024,
            )
        )
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    data = buffer.getvalue()
    try:
        parsed = await _parse(session, user, name, data)
    except ImportProblem as problem:
        return message.answer(error_text(t, problem))
    municipality = await municipality_of(session, user)
    changes = await plan_changes(session, municipality, parsed)
    known = [school.name for school in await list_schools(session, municipality.id)]
    new_schools = [
        s for s in parsed.proposed_schools if not any(names_match(s.name, k) for k in known)
    ]

    digest = hashlib.sha256(data).hexdigest()
    path = imports_dir(settings) / f"{digest}{suffix}"
    path.write_bytes(data)
    await state.set_state(ImportStates.preview)
    await state.set_data({"import": {"sha": digest, "name": name, "path": path.name}})
    await session.commit()

    chunks = chunk_lines(render_preview(t, parsed, changes, html_mode=True))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    if new_schools:
        named = ", ".join(f"{esc(s.name)} ({kind_label(t, s.kind)})" for s in new_schools)
        chunks[-1] += "\n\n" + t("import-offer-schools", schools=named)
    return message.answer(
        chunks[-1] + "\n\n" + t("import-confirm"),
        reply_markup=import_keyboard(t, digest[:KEY_LENGTH], schools=bool(new_schools)),
    )


async def on_import_button(
    callback: CallbackQuery,
    callback_data: ImportCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
    settings: Settings,
):
    pending = (await state.get_data()).get("import")
    if not pending or not str(pending.get("sha", "")).startswith(callback_data.key):
        return callback.answer(t("import-stale"), show_alert=True)
    path = imports_dir(settings) / PurePath(pending["path"]).name
    if callback_data.action == "cancel":
        await state.clear()
        path.unlink(missing_ok=True)
        await callback.answer()
        if callback.message is not None:
            await callback.message.answer(t("import-cancelled"))
        return None
    if not path.exists():
        await state.clear()
        return callback.answer(t("import-stale"), show_alert=True)
    data = path.read_bytes()
    try:
        parsed = await _parse(session, user, pending["name"], data)
    except ImportProblem as problem:
        await state.clear()
        return callback.answer(t(problem.key, **problem.params), show_alert=True)
    municipality = await municipality_of(session, user)
    added: list[tuple[str, str, str]] = []
    if callback_data.action == "schools":
        known = [school.name for school in await list_schools(session, municipality.id)]
        for proposed in parsed.proposed_schools:
            if any(names_match(proposed.name, k) for k in known):
                continue
            try:
                school = await add_school(
                    session, municipality.id, proposed.name, proposed.kind, actor_id=user.id
                )
            except DomainError:
                continue
            token = await create_invite(
                session,
                municipality_id=municipality.id,
                role=Role.COORDINATOR,
                school_id=school.id,
                actor_id=user.id,
            )
            added.append((school.name, kind_label(t, proposed.kind), token))
    result = await save_plan(session, municipality, parsed, sha256=pending["sha"], actor_id=user.id)
    await state.clear()
    await session.commit()
    path.unlink(missing_ok=True)
    await callback.answer()
    if callback.message is None:
        return None
    text = t(
        "import-saved" if result.created else "import-updated",
        activities=t("count-activities", n=len(parsed.activities)),
        assignments=result.assignments_created,
        attention=len(parsed.needing_attention),
    )
    if added:
        from aiogram.utils.deep_linking import create_start_link

        lines = [t("import-schools-added")]
        for name, kind, token in added:
            link = await create_start_link(bot, token)
            lines.append(t("school-invite-line", name=esc(name), kind=kind, link=link))
        text += "\n\n" + "\n".join(lines)
    await callback.message.answer(text)
    return None
