"""/start (and invite links), /help, /lang, /cancel: for everyone, by role."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ForgetCb, LangCb
from handlers.keyboards import forget_keyboard, language_keyboard
from handlers.menu import set_user_commands
from handlers.views import greeting, greeting_text, help_key
from models import Role, User
from services import privacy
from services.drafts import drop_current_draft
from services.evidence import EvidenceStore
from services.i18n import BoundTexts, Texts
from services.onboarding import coordinator_greeting, join_with_invite
from services.render import esc
from services.unit_of_work import persist_before_io
from services.users import set_locale

__all__ = ["create_router", "greeting", "help_key"]


def create_router() -> Router:
    """/start, /help, /cancel, /lang, /forgetme and their buttons, for everyone."""
    router = Router(name=__name__)
    router.message.register(start_with_token, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(language, Command("lang"))
    router.message.register(forget_me, Command("forgetme"))
    router.callback_query.register(forget_confirmed, ForgetCb.filter())
    router.callback_query.register(language_chosen, LangCb.filter())
    return router


async def start(message: Message, t: BoundTexts, session: AsyncSession, user: User | None = None):
    """/start: the greeting for the person's role."""
    return message.answer(await greeting(t, session, user))


async def start_with_token(
    message: Message,
    command: CommandObject,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    bot: Bot,
    state: FSMContext,
    user: User | None = None,
):
    """/start with an invite token: join as its school's coordinator or a supervisor."""
    if user is None:
        return message.answer(t("start-stranger"))
    joined = await join_with_invite(session, command.args or "", user)
    if joined.redeemed is None:
        return message.answer(t(joined.refusal) + "\n\n" + await greeting(t, session, user))  # type: ignore[arg-type]
    await state.clear()
    await persist_before_io(session, "the invite redeemed before the menu of the new role is set")
    await set_user_commands(bot, texts, user.chat_id, user.role, user.locale)
    if joined.redeemed.role is Role.SUPERVISOR:
        return message.answer(
            t("invite-welcome-supervisor", municipality=esc(joined.redeemed.municipality.name))
            + "\n\n"
            + t("help-supervisor")
        )
    text = greeting_text(t, await coordinator_greeting(session, user))
    if joined.redeemed.rebound_from:
        text = t("invite-rebound", previous=esc(joined.redeemed.rebound_from)) + "\n\n" + text
    return message.answer(text)


async def help_command(message: Message, t: BoundTexts, user: User | None = None):
    """/help for the person's role."""
    return message.answer(t(help_key(user)))


async def cancel(
    message: Message,
    t: BoundTexts,
    state: FSMContext,
    session: AsyncSession,
    evidence_store: EvidenceStore,
    user: User | None = None,
):
    """/cancel: forget what the bot was waiting for and drop a coordinator's draft."""
    had_state = await state.get_state() is not None
    await state.clear()
    dropped = await drop_current_draft(session, user, evidence_store) if user else False
    return message.answer(t("cancel-done" if had_state or dropped else "cancel-nothing"))


async def language(message: Message, t: BoundTexts):
    """/lang: the languages to choose from."""
    return message.answer(t("lang-choose"), reply_markup=language_keyboard(t))


async def language_chosen(
    callback: CallbackQuery,
    callback_data: LangCb,
    texts: Texts,
    session: AsyncSession,
    bot: Bot,
    user: User | None = None,
):
    """A language chosen: saved, the menu and the help in it."""
    if user is None or callback_data.locale not in texts.locales:
        return callback.answer(texts.get("button-stale"), show_alert=True)
    await set_locale(session, user, callback_data.locale)
    t = texts.for_locale(callback_data.locale)
    await persist_before_io(session, "the language saved before the menu in it is set")
    await set_user_commands(bot, texts, user.chat_id, user.role, user.locale)
    await callback.answer()
    if callback.message is None:
        return None
    return callback.message.answer(t("lang-set") + "\n\n" + t(help_key(user)))


async def forget_me(message: Message, t: BoundTexts, user: User | None = None):
    """/forgetme: a coordinator is asked to confirm."""
    if user is None or user.role is not Role.COORDINATOR:
        return message.answer(t("forget-not-coordinator"))
    return message.answer(t("forget-confirm"), reply_markup=forget_keyboard(t, user.id))


async def forget_confirmed(
    callback: CallbackQuery,
    callback_data: ForgetCb,
    t: BoundTexts,
    session: AsyncSession,
    bot: Bot,
    texts: Texts,
    user: User | None = None,
):
    """/forgetme confirmed: the person is forgotten and their menu reset."""
    chat_id = await privacy.forget_me(session, user, callback_data.user_id)
    await persist_before_io(session, "the person forgotten before their menu is reset")
    await set_user_commands(bot, texts, chat_id, None, None)
    await callback.answer()
    if callback.message is None:
        return None
    return callback.message.answer(t("forget-done"))
