"""/review: pending submissions one by one with their evidence; accept, or return with a comment.

The coordinator is told either way; a returned activity is open again. What happens is
``services.review``; this module reads the buttons and the comment and renders the answers.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, FSInputFile, InputMediaPhoto, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ReviewCb
from handlers.keyboards import review_keyboard
from models import EvidenceKind, User
from services.evidence import EvidenceStore
from services.i18n import BoundTexts, Texts
from services.render import activity_title, due_label, esc, short
from services.review import (
    TITLE_CHARS,
    Decision,
    EvidenceRef,
    ReviewCard,
    accept_submission,
    next_for_review,
    return_submission,
    reviewable,
    start_return,
)
from services.sending import Sender
from services.unit_of_work import persist_before_io

log = logging.getLogger(__name__)

ALBUM_SIZE = 10  # Telegram's sendMediaGroup takes at most 10 items
COMMENT_CHARS = 1500  # how much of the school's comment the card quotes


class ReviewStates(StatesGroup):
    comment = State()


def create_router() -> Router:
    """The supervisor's /review router: the command, the three buttons, the return comment."""
    router = Router(name=__name__)
    router.message.register(review_command, Command("review"))
    router.message.register(
        return_comment, StateFilter(ReviewStates.comment), F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(on_next_button, ReviewCb.filter(F.action == "next"))
    router.callback_query.register(on_return_button, ReviewCb.filter(F.action == "return"))
    router.callback_query.register(on_accept_button, ReviewCb.filter())  # «accept»
    return router


async def _send_evidence(
    bot: Bot, chat_id: int, files: tuple[EvidenceRef, ...], store: EvidenceStore
) -> None:
    """The photos and files themselves: by file id, or from the bot's own store if Telegram
    no longer serves them."""
    photos = [f for f in files if f.kind is EvidenceKind.PHOTO]
    others = [f for f in files if f.kind is not EvidenceKind.PHOTO]
    for start in range(0, len(photos), ALBUM_SIZE):
        group = photos[start : start + ALBUM_SIZE]
        try:
            if len(group) == 1:
                await bot.send_photo(chat_id, group[0].file_id)
            else:
                await bot.send_media_group(
                    chat_id, [InputMediaPhoto(media=f.file_id) for f in group]
                )
        except TelegramBadRequest:
            for file in group:
                await _send_from_store(bot, chat_id, file, store)
    for file in others:
        try:
            await bot.send_document(chat_id, file.file_id)
        except TelegramBadRequest:
            await _send_from_store(bot, chat_id, file, store)


async def _send_from_store(bot: Bot, chat_id: int, file: EvidenceRef, store: EvidenceStore) -> None:
    if not file.stored_path:
        log.warning("evidence unavailable: evidence_id=%s", file.evidence_id)
        return
    path = store.absolute(file.stored_path)
    if file.kind is EvidenceKind.PHOTO:
        await bot.send_photo(chat_id, FSInputFile(path))
    else:
        await bot.send_document(chat_id, FSInputFile(path, filename=file.file_name))


def card_text(t: BoundTexts, card: ReviewCard) -> str:
    """The card under the evidence: school, activity, due date, sender, files, comment."""
    lines = [
        t("review-header", index=1, total=card.pending),
        t("review-school", school=esc(card.school)),
    ]
    if card.task is not None:
        lines.append(t("review-activity", activity=activity_title(t, card.task, TITLE_CHARS)))
        lines.append(
            t("review-due", due=due_label(t, card.task), phrase=esc(card.task.deadline_phrase))
        )
    when = t.datetime(card.submitted_at, card.timezone) if card.submitted_at else "—"
    lines.append(t("review-author", author=esc(card.author or "—"), time=when))
    lines.append(t("count-files", n=len(card.files)))
    if card.comment:
        lines.append(t("review-comment", comment=esc(short(card.comment, COMMENT_CHARS))))
    return "\n".join(lines)


async def show_next(
    bot: Bot,
    chat_id: int,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    store: EvidenceStore,
    *,
    after_id: int | None = None,
) -> None:
    """The next card (after ``after_id``) with its evidence, or «nothing to review»."""
    card = await next_for_review(session, user, after_id=after_id)
    if card is None:
        await bot.send_message(chat_id, t("review-none"))
        return
    await persist_before_io(session, "release the write lock before sending the evidence")
    await _send_evidence(bot, chat_id, card.files, store)
    await bot.send_message(
        chat_id, card_text(t, card), reply_markup=review_keyboard(t, card.submission_id)
    )


async def review_command(
    message: Message,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    evidence_store: EvidenceStore,
) -> None:
    """/review: the oldest submission waiting, with its evidence."""
    await show_next(bot, message.chat.id, t, session, user, evidence_store)


def _chat_of(callback: CallbackQuery, user: User) -> int:
    return callback.message.chat.id if callback.message else user.chat_id  # type: ignore[return-value]


async def on_next_button(
    callback: CallbackQuery,
    callback_data: ReviewCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    evidence_store: EvidenceStore,
) -> None:
    """«⏭ Следующий»: the card after this one (or from the start of the queue)."""
    submission = await reviewable(session, user, callback_data.submission_id)
    await callback.answer()
    chat_id = _chat_of(callback, user)
    await show_next(bot, chat_id, t, session, user, evidence_store, after_id=submission.id)


async def on_return_button(
    callback: CallbackQuery,
    callback_data: ReviewCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
) -> None:
    """«↩️ Вернуть на доработку»: ask for the comment (the next text message)."""
    submission_id = await start_return(session, user, callback_data.submission_id)
    await state.set_state(ReviewStates.comment)
    await state.set_data({"submission_id": submission_id})
    await callback.answer()
    await bot.send_message(_chat_of(callback, user), t("review-ask-comment"))


async def on_accept_button(
    callback: CallbackQuery,
    callback_data: ReviewCb,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    sender: Sender,
    evidence_store: EvidenceStore,
) -> None:
    """«✅ Принять»: accept, tell the school, show the next card."""
    decision = await accept_submission(session, texts, user, callback_data.submission_id)
    await callback.answer(t("review-accepted-short"))
    chat_id = _chat_of(callback, user)
    await _announce(t, session, user, bot, sender, evidence_store, chat_id, decision)


async def return_comment(
    message: Message,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
    sender: Sender,
    evidence_store: EvidenceStore,
) -> None:
    """The comment that returns a submission. The prompt ends here, even when the return is
    refused (already decided by someone else, or an empty comment)."""
    submission_id = int((await state.get_data()).get("submission_id", 0))
    await state.clear()
    await persist_before_io(session, "the comment prompt ends even if the return is refused")
    decision = await return_submission(session, texts, user, submission_id, message.text or "")
    await _announce(t, session, user, bot, sender, evidence_store, message.chat.id, decision)


async def _announce(
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    sender: Sender,
    store: EvidenceStore,
    chat_id: int,
    decision: Decision,
) -> None:
    """Make the decision durable, tell the school (in its language), confirm, show the next."""
    await persist_before_io(session, "the decision before the messages that announce it")
    for school_chat, notice in decision.notices:
        await sender.send(school_chat, notice)
    activity = activity_title(t, decision.task, TITLE_CHARS) if decision.task else ""
    await bot.send_message(chat_id, t(decision.done_key, activity=activity))
    await show_next(bot, chat_id, t, session, user, store, after_id=decision.submission_id)
