"""The plan import as use cases: one preview (the file read once), one apply of that very result,
the parsed plan kept as plain JSON between the two, for the bot and the CLI alike."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from models import Activity, ActivityKind, Invite, Plan, School, SchoolKind
from services.plan_import import use_cases
from services.plan_import.model import ImportProblem
from services.plan_import.parser import parse_plan
from services.plan_import.pending import PendingImports
from services.plan_import.serial import plan_from_data, plan_to_data
from services.plans import get_or_create_municipality
from services.schools import add_school
from tests.conftest import SEEDS, seed_bytes
from tests.harness import SUPERVISOR_ID, containing, running_bot, wait_message
from tests.harness import with_button as has_button
from tests.journeys import supervisor

TODAY = date(2021, 9, 1)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_a_parsed_plan_survives_json_unchanged(seed: str):
    parsed = parse_plan(SEEDS[seed].name, seed_bytes(seed), today=TODAY)
    data = json.loads(json.dumps(plan_to_data(parsed)))
    assert plan_from_data(data) == parsed


def test_data_of_another_shape_is_refused():
    with pytest.raises(ValueError):
        plan_from_data({"version": 1, "title": "x"})
    parsed = parse_plan(SEEDS["000"].name, seed_bytes("000"), today=TODAY)
    with pytest.raises(ValueError):
        plan_from_data({**plan_to_data(parsed), "version": 99})


def test_pending_imports_keep_load_and_discard(tmp_path):
    store = PendingImports(tmp_path / "imports")
    parsed = parse_plan(SEEDS["001"].name, seed_bytes("001"), today=TODAY)
    sha = "ab" * 32
    assert store.load(sha) is None
    store.keep(sha, parsed)
    assert [p.name for p in (tmp_path / "imports").iterdir()] == [f"{sha}.json"]
    assert store.load(sha) == parsed
    store.discard(sha)
    store.discard(sha)
    assert list((tmp_path / "imports").iterdir()) == []
    with pytest.raises(ValueError):
        store.keep("../../etc/passwd", parsed)
    assert store.load("../x") is None
    (tmp_path / "imports" / f"{sha}.json").write_text("{broken", encoding="utf-8")
    assert store.load(sha) is None


def test_uploads_are_checked_before_the_download():
    use_cases.check_upload("plan.docx", 1000, 20 * 1024 * 1024)
    use_cases.check_upload("plan.doc", 1000, 20 * 1024 * 1024)  # the reader explains .doc
    with pytest.raises(ImportProblem) as refused:
        use_cases.check_upload("photo.jpg", 1000, 20 * 1024 * 1024)
    assert (refused.value.key, refused.value.params) == ("import-unsupported", {"suffix": ".jpg"})
    with pytest.raises(ImportProblem) as refused:
        use_cases.check_upload("plan.docx", 30 * 1024 * 1024, 20 * 1024 * 1024)
    assert refused.value.key == "import-too-large"
    assert refused.value.params == {"size_mb": 30.0, "limit_mb": 20}


async def count(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_preview_then_apply_with_the_new_schools(sessions):
    data = seed_bytes("003")
    async with sessions() as session:
        municipality = await get_or_create_municipality(session, "Каларский МО", "Asia/Chita", "—")
        await add_school(session, municipality.id, "ЧСОШ № 1", SchoolKind.SHNOR)
        preview = await use_cases.preview_import(
            session, municipality, "003.txt", data, today=TODAY
        )
        assert [s.name for s in preview.new_schools] == ["КСОШИ № 4"]
        assert preview.problems == preview.parsed.needing_attention
        assert not preview.changes.is_update and len(preview.changes.added) == 20
        assert await count(session, Plan) == 0  # a preview writes nothing
        applied = await use_cases.apply_import(
            session,
            municipality,
            preview.parsed,
            sha256=preview.sha256,
            add_schools=True,
            invite_coordinators=True,
        )
        await session.commit()
        assert applied.created and applied.activities == 20
        assert [(s.name, s.kind) for s in applied.added_schools] == [
            ("КСОШИ № 4", SchoolKind.SHNSU)
        ]
        assert applied.added_schools[0].invite_token
        assert await count(session, School) == 2
        assert await count(session, Invite) == 1
        assert await count(session, Activity, Activity.kind == ActivityKind.PLAN) == 20

        again = await use_cases.preview_import(session, municipality, "003.txt", data, today=TODAY)
        assert again.new_schools == [] and again.changes.is_update


async def test_the_confirmed_import_saves_the_preview_without_reading_the_file_again(
    tmp_path, monkeypatch
):
    async with running_bot(tmp_path) as running:
        api = running.api
        olga = supervisor(running)
        olga.send_document(file_name="plan.txt", content=seed_bytes("001"), mime_type="text/plain")
        preview = await wait_message(api, SUPERVISOR_ID, has_button("✅ Импортировать"))

        def no_second_reading(*_args, **_kwargs):
            raise AssertionError("the file was parsed a second time")

        monkeypatch.setattr(use_cases, "parse_plan", no_second_reading)
        mark = api.mark()
        olga.press(preview, button_text="✅ Импортировать")
        saved = await wait_message(api, SUPERVISOR_ID, containing("План сохранён"), since=mark)
        assert "15 мероприятий" in saved.plain_text
        async with running.sessions() as session:
            assert await count(session, Activity, Activity.kind == ActivityKind.PLAN) == 15
        assert list((running.settings.DATA_DIR / "imports").iterdir()) == []
