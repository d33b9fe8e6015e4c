"""A coordinator confirms an activity: files and a comment into a draft, then «Отправить».

Any photo, album, video or document from a coordinator goes into their draft (a caption such as
«Выполнено! протокол» marks it done and its other words become the comment). The draft is in
the database from the first file; each file is then downloaded into the bot's own store by
the download queue (scheduler/evidence.py), never on the answer path. When
it is not certain which activity the files are for, the bot asks with buttons.

The steps are use cases in :mod:`services.drafts`; this module reads the message or the button,
calls one and renders what it returns (:func:`handlers.views.draft_message`).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.callbacks import DraftCb, TaskCb
from handlers.coordinator.albums import AlbumAnswers
from handlers.views import draft_message, help_key, receipt_text
from models import EvidenceKind, User
from services import drafts
from services.drafts import DraftView
from services.evidence import DownloadQueue, EvidenceStore
from services.i18n import BoundTexts
from services.submissions import EvidenceInput, parse_caption
from services.unit_of_work import persist_before_io


def create_router() -> Router:
    """A coordinator's files, texts and draft buttons (coordinators only)."""
    router = Router(name=__name__)
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


def replied_to(message: Message) -> tuple[int, int] | None:
    """(chat id, message id) of the message this one replies to: a card or a reminder."""
    reply = message.reply_to_message
    return (reply.chat.id, reply.message_id) if reply else None


def answer_view(message: Message, t: BoundTexts, view: DraftView) -> SendMessage:
    """The draft's view as the answer to ``message`` (sent once the update is committed)."""
    text, keyboard = draft_message(t, view)
    return message.answer(text, reply_markup=keyboard)


def answer_album_later(
    message: Message,
    t: BoundTexts,
    user: User,
    draft_id: int,
    bot: Bot,
    album_answers: AlbumAnswers,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """An album: one answer once all its files are in (see handlers/coordinator/albums.py),
    built from the database in a session of its own, so it counts every file."""
    chat_id, user_id = message.chat.id, user.id

    async def answer() -> None:
        async with sessions() as fresh:
            person = await fresh.get(User, user_id)
            view = await drafts.draft_view(fresh, person, draft_id) if person else None
            await fresh.rollback()
        if view is not None:
            text, keyboard = draft_message(t, view)
            await bot.send_message(chat_id, text, reply_markup=keyboard)

    album_answers.touch(f"{chat_id}:{message.media_group_id}", answer)


async def on_file(
    message: Message,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    evidence_store: EvidenceStore,
    evidence_downloads: DownloadQueue,
    album_answers: AlbumAnswers,
    sessions: async_sessionmaker[AsyncSession],
):
    """A photo, video or document: into the draft (downloaded by the queue, not here); an
    album is answered once."""
    evidence = evidence_from(message)
    if evidence is None:
        return None
    in_album = message.media_group_id is not None
    kept = await drafts.keep_file(
        session,
        user,
        evidence,
        parse_caption(message.caption),
        reply_to=replied_to(message),
        store=evidence_store,
        downloads=evidence_downloads,
        with_view=not in_album,
    )
    if kept.view is None:
        answer_album_later(message, t, user, kept.draft_id, bot, album_answers, sessions)
        return None
    return answer_view(message, t, kept.view)


async def on_text(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    """A text: the draft's comment, or a draft started by «выполнено»; else a hint."""
    view = await drafts.add_text(session, user, message.text, replied_to(message))
    if view is None:
        return message.answer(t("unknown-message") + "\n\n" + t(help_key(user)))
    return answer_view(message, t, view)


async def on_mark_done(
    callback: CallbackQuery, callback_data: TaskCb, t: BoundTexts, session: AsyncSession, user: User
):
    """«Mark done» under a card: a draft for that activity."""
    view = await drafts.start_for_task(session, user, callback_data.assignment_id)
    return await _show(callback, t, view)


async def _show(callback: CallbackQuery, t: BoundTexts, view: DraftView):
    """Close the button's spinner; the view is sent once the update is committed."""
    await callback.answer()
    if callback.message is None:
        return None
    text, keyboard = draft_message(t, view)
    return callback.message.answer(text, reply_markup=keyboard)


async def on_draft_button(
    callback: CallbackQuery,
    callback_data: DraftCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    evidence_store: EvidenceStore,
):
    """The draft's buttons: send, cancel, another activity, or an activity picked."""
    draft_id = callback_data.draft_id
    if callback_data.action == "send":
        return await _send(callback, t, session, user, draft_id)
    if callback_data.action == "cancel":
        await drafts.cancel_by_button(session, user, draft_id, evidence_store)
        await callback.answer()
        if callback.message is None:
            return None
        return callback.message.answer(t("draft-cancelled"))
    if callback_data.action == "pick":
        view = await drafts.pick_activity(session, user, draft_id, callback_data.assignment_id)
    elif callback_data.action == "other":
        view = await drafts.choose_another(session, user, draft_id)
    else:
        view = await drafts.show_draft(session, user, draft_id)
    return await _show(callback, t, view)


async def _send(
    callback: CallbackQuery, t: BoundTexts, session: AsyncSession, user: User, draft_id: int
):
    receipt = await drafts.send_draft(session, user, draft_id)
    await persist_before_io(session, "the submission sent before the coordinator is told so")
    await callback.answer(t("draft-sent-short"))
    text = receipt_text(t, receipt)
    if callback.message is None or text is None:
        return None
    return callback.message.answer(text)
