"""A refused acknowledgement never undoes the work (issue 12, item 2).

A button pressed while the bot was restarting is handled later, when Telegram refuses to close
its spinner: answerCallbackQuery answers 400 «query is too old» or «query ID is invalid». The
work, the receipt and the notices must not depend on that answer — in Russian and in English,
for a coordinator's «Отправить» and a supervisor's «Принять», and for answers returned to the
update runner.
"""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import select

from models import Assignment, AssignmentStatus, Submission, SubmissionState
from tests.harness import SUPERVISOR_ID, containing, running_bot, wait_message, with_button
from tests.journeys import IN_THE_SCHOOL_YEAR, import_seed, join, supervisor
from tests.test_conversation_supervisor import has_send_button, submission_of, submit

TRAVEL = time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)
ANNA = 2001

TEXTS = {
    "ru": {
        "send": "📤",
        "receipt": "✅ Отправлено на проверку:",
        "apology": "Извините, что-то пошло не так",
        "accept": "✅ Принять",
        "accepted": "✅ Принято:",
        "told": "✅ Куратор принял отчёт:",
        "lang": "English",
    },
    "en": {
        "send": "📤",
        "receipt": "✅ Sent for review:",
        "apology": "Sorry, something went wrong",
        "accept": "✅ Accept",
        "accepted": "✅ Accepted:",
        "told": "✅ The supervisor accepted your report:",
        "lang": "English",
    },
}


async def _switch_language(api, person, locale: str) -> None:  # type: ignore[no-untyped-def]
    if locale == "ru":
        return
    mark = api.mark()
    person.send_text("/lang")
    (choose,) = await api.wait_sent(person.id, since=mark)
    mark = api.mark()
    person.press(choose, button_text="English")
    await api.wait_sent(person.id, since=mark)


@TRAVEL
@pytest.mark.parametrize("invalid", [False, True], ids=["too-old", "id-invalid"])
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_send_saves_and_the_receipt_arrives_when_the_button_answer_is_refused(
    tmp_path, locale, invalid
):
    words = TEXTS[locale]
    async with running_bot(tmp_path) as running:
        api = running.api
        await import_seed(running)
        anna = await join(running, ANNA, "ЧСОШ № 1", language_code=locale)
        await _switch_language(api, anna, locale)
        mark = api.mark()
        anna.send_text("выполнено 3")
        anna.send_photo()
        draft = await wait_message(api, ANNA, has_send_button, since=mark)
        await api.wait_for(lambda a: a.files and a.calls("getFile"), 10, what="file fetched")

        api.refuse_callback_answers(invalid=invalid)
        mark = api.mark()
        anna.press(draft, callback_data=draft.find_button(words["send"]))
        receipt = await wait_message(api, ANNA, containing(words["receipt"]), since=mark)
        assert "3. " in receipt.plain_text
        await running.runner.idle()
        said = [m.plain_text or "" for m in api.sent_messages(ANNA, since=mark)]
        assert not any(words["apology"] in text for text in said), said
        refused = [r for r in api.calls("answerCallbackQuery") if r.index >= mark]
        assert refused and all(r.status == 400 for r in refused)
        async with running.sessions() as session:
            states = (await session.scalars(select(Submission.state))).all()
        assert states == [SubmissionState.SUBMITTED]


@TRAVEL
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_accept_is_kept_and_the_school_told_when_the_button_answer_is_refused(
    tmp_path, locale
):
    words = TEXTS[locale]
    async with running_bot(tmp_path) as running:
        api = running.api
        olga = supervisor(running)
        await import_seed(running)
        await _switch_language(api, olga, locale)
        anna = await join(running, ANNA, "ЧСОШ № 1", language_code=locale)
        await _switch_language(api, anna, locale)
        await submit(running, anna, "3")
        mark = api.mark()
        olga.send_text("/review")
        card = await wait_message(api, SUPERVISOR_ID, with_button(words["accept"]), since=mark)

        api.refuse_callback_answers()
        mark = api.mark()
        olga.press(card, button_text=words["accept"])
        told = await wait_message(api, ANNA, containing(words["told"]), since=mark)
        assert "3. " in told.plain_text
        await wait_message(api, SUPERVISOR_ID, containing(words["accepted"]), since=mark)
        await running.runner.idle()
        said = [m.plain_text or "" for m in api.sent_messages(SUPERVISOR_ID, since=mark)]
        assert not any(words["apology"] in text for text in said), said
        submission = await submission_of(running, "ЧСОШ № 1", "3")
        assert submission.state is SubmissionState.ACCEPTED
        async with running.sessions() as session:
            status = await session.scalar(
                select(Assignment.status).where(Assignment.id == submission.assignment_id)
            )
        assert status is AssignmentStatus.ACCEPTED
