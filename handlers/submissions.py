"""A coordinator confirms an activity: files and a comment into a draft, then «Отправить».

Any photo, album, video or document from a coordinator goes into their draft (a caption such as
«Выполнено! протокол» marks it done and its other words become the comment). The draft is in
the database from the first file; each file is then downloaded into the bot's own store. When
it is not certain which activity the files are for, the bot asks with buttons.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.albums import AlbumAnswers
from handlers.callbacks import DraftCb, TaskCb
from handlers.context import coordinator_today, municipality_of
from handlers.filters import RoleFilter
from handlers.keyboards import draft_keyboard, pick_keyboard
from models import EvidenceKind, Role, Submission, SubmissionState, User
from services.errors import DomainError
from services.evidence import EvidenceStore
from services.i18n import BoundTexts
from services.render import activity_title, due_label, error_text
from services.submissions import (
    Caption,
    EvidenceInput,
    add_comment,
    add_evidence,
    attach_assignment,
    cancel_draft,
    current_draft,
    finish_draft,
    get_or_create_draft,
    guess_assignment,
    parse_caption,
)
from services.tasks import TaskItem, get_task

log = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.COORDINATOR))
    router.callback_query.filter(RoleFilter(Role.COORDINATOR))
    router.message.register(on_file, F.photo | F.document | F.video)
    router.callback_query.register(on_mark_done, TaskCb.filter(F.action == "done"))
    router.callback_query.register(on_draft_button, DraftCb.filter())
    router.message.register(on_text, F.text & ~F.text.startswith("/"))
    return router


def evidence_from(message: Message) -> EvidenceInput | None:
    """The photo (its largest size), document or video of a message, as evidence."""
    if message.photo:
        item, kind, mime, name = message.photo[-1], EvidenceKind.PHOTO, "image/jpeg", None
    elif message.document:
        item, kind = message.document, EvidenceKind.DOCUMENT
        mime, name = message.document.mime_type, message.document.file_name
    elif message.video:
        item, kind = message.video, EvidenceKind.VIDEO
        mime, name = message.video.mime_type, message.video.file_name
    else:
        return None
    return EvidenceInput(
        kind=kind,
        file_id=item.file_id,
        file_unique_id=item.file_unique_id,
        file_name=name,
        mime_type=mime,
        size=item.file_size,
        media_group_id=message.media_group_id,
        message_id=message.message_id,
    )


async def draft_prompt(
    t: BoundTexts, session: AsyncSession, draft: Submission, user: User
) -> tuple[str, object]:
    """What the coordinator sees after each step: for which activity, how many files, what next."""
    today = await coordinator_today(session, user)
    files = len(draft.files)
    if draft.assignment_id is None:
        from services.tasks import school_tasks

        candidates = [
            t_ for t_ in await school_tasks(session, draft.school_id, today) if t_.is_open
        ]
        if not candidates:
            return t("draft-no-open-tasks", n=files), draft_keyboard(t, draft.id, can_send=False)
        return (
            t("draft-which-activity", n=files),
            pick_keyboard(t, draft.id, candidates),
        )
    task = await get_task(session, draft.assignment_id, draft.school_id, today)
    if task is None:
        return t("task-not-found"), draft_keyboard(t, draft.id, can_send=False)
    text = t("draft-for", activity=activity_title(t, task), due=due_label(t, task))
    text += "\n" + t("draft-files", n=files)
    if draft.comment:
        from services.render import esc, short

        text += "\n" + t("draft-comment", comment=esc(short(draft.comment, 300)))
    text += "\n\n" + t("draft-next" if files or draft.comment else "draft-send-files")
    return text, draft_keyboard(t, draft.id, can_send=bool(files or draft.comment))


async def attach_if_certain(
    session: AsyncSession, draft: Submission, message: Message, caption: Caption, today: date
) -> None:
    """Say which activity the draft is for when it is certain: the card or reminder replied
    to, the number in the caption («выполнено 3»), or the school's only open activity."""
    if draft.assignment_id is not None:
        return
    reply = message.reply_to_message
    assignment_id, _candidates = await guess_assignment(
        session,
        draft.school_id,
        today,
        reply_to=(reply.chat.id, reply.message_id) if reply else None,
        number_hint=caption.number_hint,
    )
    if assignment_id is not None:
        await attach_assignment(session, draft, assignment_id, today)


def fetcher(bot: Bot):  # type: ignore[no-untyped-def]
    async def fetch(file_id: str, destination: Path) -> None:
        await bot.download(file_id, destination=destination)

    return fetch


async def on_file(
    message: Message,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    evidence_store: EvidenceStore,
    album_answers: AlbumAnswers,
    sessions: async_sessionmaker[AsyncSession],
):
    evidence = evidence_from(message)
    if evidence is None:
        return None
    caption = parse_caption(message.caption)
    today = await coordinator_today(session, user)
    try:
        if evidence.size is not None and evidence.size > 20 * 1024 * 1024:
            raise DomainError("evidence-too-large", size_mb=round(evidence.size / 1024 / 1024, 1))
        draft, _created = await get_or_create_draft(session, user)
        await attach_if_certain(session, draft, message, caption, today)
        row, added = await add_evidence(session, draft, evidence)
        if added and caption.comment:
            add_comment(draft, caption.comment)
    except DomainError as error:
        return message.answer(error_text(t, error))
    await session.commit()  # the file is safe before anything slow happens

    if row is not None and row.stored_path is None:
        # New, or its download was cut short (a crash): fetch it into the store now. Where it
        # was stored is committed with the answer below; a crash before that only means the
        # file is fetched again.
        stored = await evidence_store.download(row, draft.school_id, fetcher(bot))
        if not stored:
            log.warning("evidence kept by file id only for now: evidence_id=%s", row.id)

    if message.media_group_id is not None:
        # An album: one answer once all its files are in (see bot/albums.py).
        chat_id, user_id, draft_id = message.chat.id, user.id, draft.id

        async def answer() -> None:
            async with sessions() as fresh:
                person = await fresh.get(User, user_id)
                current = await current_draft(fresh, user_id)
                if person is None or current is None or current.id != draft_id:
                    return
                text, keyboard = await draft_prompt(t, fresh, current, person)
                await fresh.rollback()
            await bot.send_message(chat_id, text, reply_markup=keyboard)  # type: ignore[arg-type]

        album_answers.touch(f"{chat_id}:{message.media_group_id}", answer)
        return None
    text, keyboard = await draft_prompt(t, session, draft, user)
    return message.answer(text, reply_markup=keyboard)  # type: ignore[arg-type]


async def on_text(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    draft = await current_draft(session, user.id)
    caption = parse_caption(message.text)
    if draft is None and not caption.done:
        from handlers.common import help_key

        return message.answer(t("unknown-message") + "\n\n" + t(help_key(user)))
    today = await coordinator_today(session, user)
    try:
        if draft is None:
            draft, _ = await get_or_create_draft(session, user)
        await attach_if_certain(session, draft, message, caption, today)
        add_comment(draft, caption.comment if caption.done else (message.text or ""))
    except DomainError as error:
        return message.answer(error_text(t, error))
    await session.flush()
    text, keyboard = await draft_prompt(t, session, draft, user)
    return message.answer(text, reply_markup=keyboard)  # type: ignore[arg-type]


async def on_mark_done(
    callback: CallbackQuery, callback_data: TaskCb, t: BoundTexts, session: AsyncSession, user: User
):
    today = await coordinator_today(session, user)
    task = await get_task(session, callback_data.assignment_id, user.school_id, today)  # type: ignore[arg-type]
    if task is None:
        return callback.answer(t("button-not-yours"), show_alert=True)
    try:
        draft, _ = await get_or_create_draft(session, user)
        await attach_assignment(session, draft, task.assignment_id, today)
    except DomainError as error:
        return callback.answer(t(error.key, **error.params), show_alert=True)
    await callback.answer()
    text, keyboard = await draft_prompt(t, session, draft, user)
    if callback.message is not None:
        await session.commit()
        await callback.message.answer(text, reply_markup=keyboard)  # type: ignore[arg-type]
    return None


async def _own_draft(
    session: AsyncSession, user: User, draft_id: int
) -> tuple[Submission | None, str]:
    """The person's open draft with this id, or the reason to refuse the button."""
    draft = await session.get(Submission, draft_id)
    if draft is None or draft.user_id != user.id:
        return None, "button-not-yours"
    if draft.state is not SubmissionState.DRAFT:
        return None, "draft-stale"
    return await current_draft(session, user.id), ""


async def on_draft_button(
    callback: CallbackQuery,
    callback_data: DraftCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    evidence_store: EvidenceStore,
):
    draft, refusal = await _own_draft(session, user, callback_data.draft_id)
    if draft is None:
        return callback.answer(t(refusal), show_alert=True)
    today = await coordinator_today(session, user)
    try:
        if callback_data.action == "pick":
            await attach_assignment(session, draft, callback_data.assignment_id, today)
        elif callback_data.action == "other":
            from services.tasks import school_tasks

            candidates = [
                x for x in await school_tasks(session, draft.school_id, today) if x.is_open
            ]
            if draft.files:
                draft.assignment_id = None
            await callback.answer()
            if callback.message is not None:
                await session.commit()
                await callback.message.answer(
                    t("draft-which-activity", n=len(draft.files)),
                    reply_markup=pick_keyboard(t, draft.id, candidates),
                )
            return None
        elif callback_data.action == "cancel":
            files = await cancel_draft(session, draft)
            await session.commit()
            for file in files:
                evidence_store.delete(file)
            await callback.answer()
            if callback.message is not None:
                await callback.message.answer(t("draft-cancelled"))
            return None
        elif callback_data.action == "send":
            return await _send(callback, t, session, draft, user)
    except DomainError as error:
        key = "button-not-yours" if error.key == "task-not-found" else error.key
        return callback.answer(t(key, **error.params), show_alert=True)
    await callback.answer()
    text, keyboard = await draft_prompt(t, session, draft, user)
    if callback.message is not None:
        await session.commit()
        await callback.message.answer(text, reply_markup=keyboard)  # type: ignore[arg-type]
    return None


async def _send(
    callback: CallbackQuery, t: BoundTexts, session: AsyncSession, draft: Submission, user: User
):
    today = await coordinator_today(session, user)
    task: TaskItem | None = None
    if draft.assignment_id is not None:
        task = await get_task(session, draft.assignment_id, draft.school_id, today)
    await finish_draft(session, draft)
    municipality = await municipality_of(session, user)
    await session.commit()
    await callback.answer(t("draft-sent-short"))
    if callback.message is not None and task is not None and draft.submitted_at is not None:
        await callback.message.answer(
            t(
                "draft-receipt",
                activity=activity_title(t, task),
                files=t("count-files", n=len(draft.files)),
                time=t.datetime(draft.submitted_at, municipality.timezone),
            )
        )
    return None


async def drop_draft(session: AsyncSession, user: User, store: EvidenceStore) -> bool:
    """/cancel: drop the coordinator's draft, if there is one, and its stored files."""
    if user.role is not Role.COORDINATOR:
        return False
    draft = await current_draft(session, user.id)
    if draft is None:
        return False
    files = await cancel_draft(session, draft)
    await session.commit()
    for file in files:
        store.delete(file)
    return True
