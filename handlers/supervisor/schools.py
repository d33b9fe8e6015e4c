"""Schools and invites: /addschool, /invite, /schools, /addsupervisor.

What happens is ``services.schools`` and ``services.invites``; this module reads the command,
fetches the bot's username for links, and renders the answers.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import SchoolCb
from handlers.keyboards import schools_keyboard
from models import User
from services.i18n import BoundTexts
from services.invites import InviteLink, school_invite, supervisor_invite
from services.preview import kind_label
from services.render import esc
from services.schools import add_school_for, choose_school, schools_overview, split_name_and_kind


def create_router() -> Router:
    """The supervisor's router for schools and invite links."""
    router = Router(name=__name__)
    router.message.register(add_school_command, Command("addschool"))
    router.message.register(invite_command, Command("invite"))
    router.message.register(schools_command, Command("schools"))
    router.message.register(add_supervisor_command, Command("addsupervisor"))
    router.callback_query.register(invite_button, SchoolCb.filter(F.action == "invite"))
    return router


async def bot_username(bot: Bot) -> str:
    """The bot's @username for links (cached by aiogram after the first getMe)."""
    return (await bot.me()).username or ""


def invite_text(t: BoundTexts, invite: InviteLink) -> str:
    """The message that carries a school's new coordinator link."""
    return t("school-invite", name=esc(invite.school), link=invite.link, days=invite.days)


async def add_school_command(
    message: Message,
    command: CommandObject,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
):
    """/addschool <name> [ШНОР|ШНСУ]: add the school and give its first invite link."""
    name, kind = split_name_and_kind(command.args or "")
    if not name:
        return message.answer(t("addschool-usage"))
    added = await add_school_for(session, user, name, kind)
    text = t(
        "school-added",
        name=esc(added.name),
        kind=kind_label(t, added.kind),
        tasks=t("count-activities", n=added.activities),
    )
    if not added.kind_given:
        text += "\n" + t("school-added-no-kind")
    invite = await school_invite(session, user, added.school_id, await bot_username(bot))
    return message.answer(text + "\n\n" + invite_text(t, invite))


async def invite_command(
    message: Message,
    command: CommandObject,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
):
    """/invite [school]: a new link for the named school, or the list to choose from."""
    wanted = (command.args or "").strip()
    choice = await choose_school(session, user.municipality_id, wanted)  # type: ignore[arg-type]
    if not choice.options:
        return message.answer(t("schools-empty"))
    if choice.found is None:
        asked = t("invite-school-not-found", name=esc(wanted)) if wanted else t("invite-choose")
        return message.answer(asked, reply_markup=schools_keyboard(t, choice.options, "invite"))
    invite = await school_invite(session, user, choice.found, await bot_username(bot))
    return message.answer(invite_text(t, invite))


async def invite_button(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
):
    """A school pressed in the /invite list: its new link."""
    invite = await school_invite(session, user, callback_data.school_id, await bot_username(bot))
    await callback.answer()
    if callback.message is None:
        return None
    return callback.message.answer(invite_text(t, invite))  # sent once the invite is committed


async def schools_command(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    """/schools: every school with its coordinators and how much is accepted."""
    schools = await schools_overview(session, user)
    if not schools:
        return message.answer(t("schools-empty"))
    lines = [t("schools-header", n=len(schools))]
    for school in schools:
        coordinators = ", ".join(esc(c) for c in school.coordinators) or t("schools-no-coordinator")
        lines.append(
            t(
                "schools-line",
                name=esc(school.name),
                kind=kind_label(t, school.kind),
                coordinators=coordinators,
                accepted=school.accepted,
                assigned=school.assigned,
            )
        )
    lines.append(t("schools-hint"))
    return message.answer("\n\n".join(lines))


async def add_supervisor_command(
    message: Message, t: BoundTexts, session: AsyncSession, user: User, bot: Bot
):
    """/addsupervisor: a link for another supervisor of the municipality."""
    invite = await supervisor_invite(session, user, await bot_username(bot))
    return message.answer(t("supervisor-invite", link=invite.link, days=invite.days))
