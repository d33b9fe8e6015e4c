"""/export: the Excel report (everything, one school, one half-year) and the evidence archive.

The handler only translates: it offers the choices, turns a pressed button into the export's
options (:func:`services.export.export_options`, whose refusals the error handler answers) and
hands the job to a child process (:mod:`services.export_job`), then sends what came back.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Protocol

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardButton, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ExportCb
from handlers.context import municipality_of, supervisor_today
from models import Municipality, User
from services.archive import part_limit_for
from services.background import Background
from services.evidence import EvidenceStore
from services.export import (
    export_file_name,
    export_options,
    periods_to_choose,
    schools_to_choose,
    ymd,
)
from services.export_job import ExportJob, run_in_child
from services.i18n import BoundTexts
from services.messenger import TELEGRAM
from services.render import short

log = logging.getLogger(__name__)
SCHOOLS_LISTED = 50
BUTTON_CHARS = 50


class DatabaseSettings(Protocol):
    """What the export needs of the bot's settings: where the child process reads from."""

    DATABASE_URL: str


def create_router() -> Router:
    """The supervisor's /export router."""
    router = Router(name=__name__)
    router.message.register(export_command, Command("export"))
    router.callback_query.register(on_export_button, ExportCb.filter())
    return router


async def export_command(message: Message, t: BoundTexts):
    """Offer what to export."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn-export-all"), callback_data=ExportCb(action="all"))
    builder.button(text=t("btn-export-school"), callback_data=ExportCb(action="schools"))
    builder.button(text=t("btn-export-period"), callback_data=ExportCb(action="periods"))
    builder.button(text=t("btn-export-archive"), callback_data=ExportCb(action="archive"))
    builder.adjust(2, 2)
    return message.answer(t("export-choose"), reply_markup=builder.as_markup())


def period_label(t: BoundTexts, first: date, last: date) -> str:
    """«1-е полугодие 2021/2022 (01.09.2021–31.12.2021)» for a half-year's button."""
    school_year = first.year if first.month >= 9 else first.year - 1
    return t(
        "export-period-label",
        half=t("export-half-1" if first.month >= 9 else "export-half-2"),
        first=school_year,
        second=school_year + 1,
        start=t.date(first),
        end=t.date(last),
    )


async def _offer(
    callback: CallbackQuery, bot: Bot, chat_id: int, text: str, buttons: list[tuple[str, ExportCb]]
) -> None:
    builder = InlineKeyboardBuilder()
    for label, data in buttons:
        builder.row(InlineKeyboardButton(text=label, callback_data=data.pack()))
    await callback.answer()
    await bot.send_message(chat_id, text, reply_markup=builder.as_markup())


async def on_export_button(
    callback: CallbackQuery,
    callback_data: ExportCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    background: Background,
    settings: DatabaseSettings,
    evidence_store: EvidenceStore,
):
    """A choice pressed: list schools or half-years, or start the export in the background."""
    municipality = await municipality_of(session, user)
    chat_id = callback.message.chat.id if callback.message else user.chat_id
    action = callback_data.action
    if action == "schools":
        schools = (await schools_to_choose(session, municipality.id))[:SCHOOLS_LISTED]
        buttons = [
            (short(name, BUTTON_CHARS), ExportCb(action="school", value=school_id))
            for school_id, name in schools
        ]
        return await _offer(callback, bot, chat_id, t("export-choose-school"), buttons)
    if action == "periods":
        buttons = [
            (period_label(t, first, last), ExportCb(action="period", value=ymd(first)))
            for first, last in await periods_to_choose(session, municipality.id)
        ]
        return await _offer(callback, bot, chat_id, t("export-choose-period"), buttons)
    options = await export_options(session, municipality.id, action, callback_data.value)
    today = await supervisor_today(session, user)
    job = ExportJob(
        database_url=settings.DATABASE_URL,
        locale=t.locale,
        municipality_id=municipality.id,
        today=today,
        workdir=Path(tempfile.mkdtemp(prefix="roadmap-export-")),
        file_name=_file_name(t, municipality, today),
        evidence_dir=evidence_store.root,
        archive=action == "archive",
        options=options,
        part_limit=part_limit_for(TELEGRAM),
    )
    await callback.answer()
    background.spawn(_deliver(bot, chat_id, t, job), name=f"export:{job.municipality_id}:{action}")
    return None


def _file_name(t: BoundTexts, municipality: Municipality, today: date) -> str:
    return Path(export_file_name(t, municipality.name, today)).name


async def _deliver(bot: Bot, chat_id: int, t: BoundTexts, job: ExportJob) -> None:
    """Run the job in a child process and send its files; say so if it fails."""
    try:
        await bot.send_message(
            chat_id, t("export-archive-working" if job.archive else "export-working")
        )
        result = await run_in_child(job)
        if job.archive:
            if not result.files:
                await bot.send_message(chat_id, t("export-archive-empty"))
            for part in result.files:
                await bot.send_document(chat_id, FSInputFile(part))
            if len(result.files) > 1:
                await bot.send_message(chat_id, t("export-archive-parts", n=len(result.files)))
            return
        caption = t("export-ready", rows=result.rows, reports=result.reports)
        await bot.send_document(chat_id, FSInputFile(result.files[0]), caption=caption)
    except Exception:
        log.exception(
            "export failed: municipality_id=%s archive=%s", job.municipality_id, job.archive
        )
        await bot.send_message(chat_id, t("export-failed"))
    finally:
        shutil.rmtree(job.workdir, ignore_errors=True)
