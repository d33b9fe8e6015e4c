"""Bad plan files: each one gets a clear ImportProblem key, and nothing else escapes parse_plan.

Every problem raised here is also checked against the catalogs: the key exists in ru and en and
its text formats with the problem's parameters. Files are built in memory; the few that could
exhaust memory or loop for minutes when the reader is wrong run in a child process with an
address-space limit and a timeout.
"""

from __future__ import annotations

import io
import random
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from babel.numbers import format_decimal

from services.i18n import Texts
from services.plan_import import readers
from services.plan_import.model import Attention, ImportProblem, ParsedPlan
from services.plan_import.parser import MAX_ACTIVITIES, parse_plan
from tests.builders import STANDARD_HEADER, PlanRows, build_docx, build_xlsx, rows_from_parsed
from tests.conftest import SEEDS, seed_bytes

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TODAY = date(2021, 9, 1)
TITLE = "План мероприятий на 2021-2022 учебный год"
GOOD_ROWS = [
    [
        "1.",
        "Провести совещание с руководителями школ",
        "Отдел образования",
        "август 2021",
        "Протокол",
    ],
    ["2.", "Провести семинар для учителей", "Отдел образования", "сентябрь 2021", "Программа"],
]

# Every key parse_plan may raise, with the parameters it is raised with (sample values where the
# test does not pin them). test_every_raised_key_is_listed keeps this in step with the code.
PROBLEM_PARAMS: dict[str, dict[str, object]] = {
    "import-empty-file": {},
    "import-too-large": {"size_mb": 30.0, "limit_mb": 20},
    "import-old-or-protected": {},
    "import-old-format": {"suffix": ".doc"},
    "import-pdf": {},
    "import-unsupported": {"suffix": ".jpg"},
    "import-binary-text": {},
    "import-no-table": {},
    "import-no-header": {},
    "import-corrupt": {},
    "import-zip-bomb": {},
    "import-no-activities": {},
    "import-too-many-rows": {"limit": MAX_ACTIVITIES},
}


# --------------------------------------------------------------------------------------------
# helpers


@cache
def texts() -> Texts:
    return Texts()


def check_message(key: str, params: dict[str, object]) -> None:
    """The key is in both catalogs and its text formats with exactly these parameters."""
    for locale in ("ru", "en"):
        assert texts().has(key, locale), f"{key!r} missing from the {locale} catalog"
        raw = texts().translations[locale].gettext(key)
        formatted = raw.format(**params)  # a placeholder without a parameter raises here
        assert "{" not in formatted, (key, locale, formatted)
        # Fractions are written as the language writes them («30,5» in Russian).
        styled = {
            name: format_decimal(value, locale=locale) if isinstance(value, float) else value
            for name, value in params.items()
        }
        assert texts().get(key, locale, **params) == raw.format(**styled)


def problem(filename: str, data: bytes, **kwargs: object) -> ImportProblem:
    """The ImportProblem parse_plan raises; any other exception fails the test as it is."""
    with pytest.raises(ImportProblem) as info:
        parse_plan(filename, data, **kwargs)  # type: ignore[arg-type]
    check_message(info.value.key, info.value.params)
    return info.value


def parse_or_problem(filename: str, data: bytes) -> ParsedPlan | ImportProblem:
    try:
        return parse_plan(filename, data, today=TODAY)
    except ImportProblem as error:
        return error


def plan(rows: list[list[str]], header: list[str] | None = None) -> PlanRows:
    return PlanRows(preamble=[TITLE], header=header or STANDARD_HEADER, rows=rows)


@cache
def good_docx() -> bytes:
    return build_docx(plan(GOOD_ROWS))


@cache
def good_xlsx() -> bytes:
    return build_xlsx(plan(GOOD_ROWS))


@cache
def seed_docx() -> bytes:
    return build_docx(rows_from_parsed(parse_plan(SEEDS["001"].name, seed_bytes("001"))))


@cache
def seed_xlsx() -> bytes:
    return build_xlsx(rows_from_parsed(parse_plan(SEEDS["001"].name, seed_bytes("001"))))


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def replace_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_of(
        {
            i.filename: (change if i.filename == name else bytes)(source.read(i))
            for i in source.infolist()
        }
    )


def patch_central_directory(data: bytes, offset: int, value: int) -> bytes:
    """Set bits in one byte of the first central-directory entry (offset 8: the flags)."""
    patched = bytearray(data)
    entry = patched.find(b"PK\x01\x02")
    patched[entry + offset] |= value
    return bytes(patched)


def docx_with_first_cell_property(xml: str) -> bytes:
    """The good plan with ``xml`` added to the first table cell's properties."""
    return replace_member(
        good_docx(),
        "word/document.xml",
        lambda b: b.replace(b"<w:tc><w:tcPr>", b"<w:tc><w:tcPr>" + xml.encode(), 1),
    )


def zeros_deflated(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of zeros, built in a few milliseconds."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * MB) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + b"\x03\x00"  # full flushes make blocks repeatable; final block


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand: (name, deflated payload, crc32, declared size) per member."""
    body, central = bytearray(), bytearray()
    for name, payload, crc, size in members:
        encoded = name.encode()
        sizes = (crc, len(payload), size, len(encoded))
        central += (
            struct.pack(
                "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, 0, 0, 0, 0, 0, len(body)
            )
            + encoded
        )
        body += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes, 0) + encoded
        body += payload
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(body), 0
    )
    return bytes(body + central + end)


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


_ISOLATED = textwrap.dedent(
    """
    import resource, sys
    limit = int(sys.argv[2]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from services.plan_import.model import ImportProblem
    from services.plan_import.parser import parse_plan
    data = sys.stdin.buffer.read()
    try:
        parse_plan(sys.argv[1], data)
        outcome = "parsed"
    except ImportProblem as problem:
        outcome = problem.key
    except BaseException as error:
        outcome = type(error).__name__
    # VmHWM, not ru_maxrss: on Linux ru_maxrss carries the parent's peak over fork and exec.
    status = open("/proc/self/status").read()
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    print(outcome, peak_kb // 1024)
    """
)
ISOLATED_LIMIT_MB = 384
ISOLATED_PEAK_MB = 256


def parse_isolated(filename: str, data: bytes, timeout: float = 15) -> tuple[str, int]:
    """(outcome, peak RSS in MB) of parse_plan in a child with a 384 MiB address-space limit."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux (/proc/self/status)")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _ISOLATED, filename, str(ISOLATED_LIMIT_MB)],
            input=data,
            capture_output=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "timeout", -1
    lines = done.stdout.decode().split()
    assert len(lines) == 2, done.stderr.decode()[-2000:]
    return lines[0], int(lines[1])


# --------------------------------------------------------------------------------------------
# size, emptiness, format by extension and signature


@pytest.mark.parametrize("filename", ["plan.txt", "plan.docx", "plan.xlsx", "plan.csv", "plan"])
def test_empty_file(filename: str):
    error = problem(filename, b"")
    assert (error.key, error.params) == ("import-empty-file", {})


@pytest.mark.parametrize("filename", ["plan.docx", "plan.txt", "plan.xlsx"])
def test_too_large(filename: str):
    error = problem(filename, b"a" * (30 * MB))
    assert error.key == "import-too-large"
    assert error.params == {"size_mb": 30.0, "limit_mb": 20}


def test_size_limit_is_inclusive():
    assert problem("plan.txt", b"a" * (readers.MAX_FILE_BYTES + 1)).key == "import-too-large"
    # Exactly at the limit the file is read (and found to hold no table).
    assert problem("plan.txt", b"a" * readers.MAX_FILE_BYTES).key == "import-no-table"


@pytest.mark.parametrize(
    "filename", ["plan.xlsx", "plan.docx", "plan.doc", "plan.xls", "plan.txt", "PLAN.XLSX", "plan"]
)
def test_ole2_signature_means_old_or_protected_whatever_the_name(filename: str):
    data = OLE2 + bytes(504) + b"EncryptedPackage"
    error = problem(filename, data)
    assert (error.key, error.params) == ("import-old-or-protected", {})


def test_zip_with_encrypted_member_is_protected():
    data = patch_central_directory(good_docx(), 8, 0x1)
    assert problem("plan.docx", data).key == "import-old-or-protected"


@pytest.mark.parametrize(
    ("filename", "suffix"),
    [
        ("plan.doc", ".doc"),
        ("plan.xls", ".xls"),
        ("plan.rtf", ".rtf"),
        ("plan.ods", ".ods"),
        ("ПЛАН.DOC", ".doc"),
    ],
)
def test_old_formats_without_ole_signature(filename: str, suffix: str):
    error = problem(filename, b"{\\rtf1\\ansi plan}")
    assert (error.key, error.params) == ("import-old-format", {"suffix": suffix})


def test_pdf():
    # A .pdf is read now (issue 11): a broken one is corrupt; a scan is answered in
    # tests/test_import_layouts.py (send the .docx, or the text as .txt).
    error = problem("plan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert (error.key, error.params) == ("import-corrupt", {})


@pytest.mark.parametrize(
    ("filename", "data", "suffix"),
    [
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", ".jpg"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", ".exe"),
        ("plan", b"just some words", "—"),
        ("plan.", b"just some words", "—"),
        ("", b"just some words", "—"),
    ],
)
def test_unsupported_formats(filename: str, data: bytes, suffix: str):
    error = problem(filename, data)
    assert (error.key, error.params) == ("import-unsupported", {"suffix": suffix})


def test_upper_case_extension_is_read():
    parsed = parse_plan("ПЛАН.DOCX", good_docx(), today=TODAY)
    assert [a.number for a in parsed.activities] == ["1", "2"]


# --------------------------------------------------------------------------------------------
# documents without a plan in them


def test_docx_with_paragraphs_and_no_table():
    import docx

    document = docx.Document()
    for line in ("Уважаемые коллеги!", "Просим принять к сведению.", "С уважением, отдел"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    assert problem("letter.docx", buffer.getvalue()).key == "import-no-table"


MEANINGLESS = ["Колонка 1", "Колонка 2", "Колонка 3"]
MEANINGLESS_ROWS = [["a", "b", "c"], ["d", "e", "f"]]


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("table.docx", lambda: build_docx(plan(MEANINGLESS_ROWS, MEANINGLESS))),
        ("table.xlsx", lambda: build_xlsx(plan(MEANINGLESS_ROWS, MEANINGLESS))),
        (
            "table-no-title.xlsx",
            lambda: build_xlsx(plan(MEANINGLESS_ROWS, MEANINGLESS), title_rows=False),
        ),
        ("table.csv", lambda: "Колонка 1;Колонка 2;Колонка 3\na;b;c\n".encode()),
    ],
)
def test_table_whose_header_means_nothing(filename: str, build: Callable[[], bytes]):
    assert problem(filename, build()).key == "import-no-header"


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("plan.txt", lambda: (TITLE + "\n\n" + "\t".join(STANDARD_HEADER) + "\n\n").encode()),
        ("plan.csv", lambda: ";".join(STANDARD_HEADER).encode()),
        ("plan.docx", lambda: build_docx(plan([]))),
        ("plan.xlsx", lambda: build_xlsx(plan([]))),
    ],
)
def test_header_without_rows(filename: str, build: Callable[[], bytes]):
    assert problem(filename, build()).key == "import-no-activities"


# --------------------------------------------------------------------------------------------
# broken and hostile archives


def _not_office_zip() -> bytes:
    return zip_of({"hello.txt": b"hello", "readme.md": b"# not a document"})


CORRUPT = [
    pytest.param("plan.docx", lambda: random.Random(0).randbytes(4096), id="random-docx"),
    pytest.param("plan.xlsx", lambda: random.Random(1).randbytes(4096), id="random-xlsx"),
    pytest.param("plan.docx", lambda: b"PK\x03\x04" + bytes(100), id="zip-signature-only"),
    pytest.param("plan.docx", _not_office_zip, id="plain-zip-as-docx"),
    pytest.param("plan.xlsx", _not_office_zip, id="plain-zip-as-xlsx"),
    pytest.param("plan.xlsx", good_docx, id="docx-named-xlsx"),
    pytest.param("plan.docx", good_xlsx, id="xlsx-named-docx"),
    pytest.param("plan.docx", lambda: good_docx()[: len(good_docx()) // 2], id="truncated-docx"),
    pytest.param("plan.xlsx", lambda: good_xlsx()[: len(good_xlsx()) // 2], id="truncated-xlsx"),
    pytest.param("plan.docx", lambda: good_docx()[:-30], id="docx-without-end-record"),
    pytest.param(
        "plan.docx",
        lambda: replace_member(good_docx(), "word/document.xml", lambda _: b"not xml at all"),
        id="docx-broken-xml",
    ),
    pytest.param(
        "plan.xlsx",
        lambda: replace_member(good_xlsx(), "xl/workbook.xml", lambda _: b"<broken"),
        id="xlsx-broken-workbook",
    ),
    pytest.param(
        "plan.docx", lambda: zip_of({"word/document.xml": b"<x/>"}), id="docx-without-package"
    ),
    pytest.param(
        "plan.xlsx", lambda: zip_of({"xl/workbook.xml": b"<x/>"}), id="xlsx-without-package"
    ),
]


@pytest.mark.parametrize(("filename", "build"), CORRUPT)
def test_corrupt_documents(filename: str, build: Callable[[], bytes]):
    assert problem(filename, build()).key == "import-corrupt"


@pytest.mark.parametrize("filename", ["plan.docx", "plan.xlsx"])
def test_zip_needing_newer_zip_version_is_corrupt(filename: str):
    source = good_docx() if filename.endswith("docx") else good_xlsx()
    data = bytearray(source)
    data[data.find(b"PK\x01\x02") + 6] = 99  # «version needed to extract»: 9.9
    assert problem(filename, bytes(data)).key == "import-corrupt"


@pytest.mark.parametrize(
    "xml",
    [
        b"<root/>",
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
    ],
    ids=["foreign-root", "no-body"],
)
def test_docx_whose_document_is_not_wordprocessingml_is_corrupt(xml: bytes):
    data = replace_member(good_docx(), "word/document.xml", lambda _: xml)
    assert problem("plan.docx", data).key == "import-corrupt"


def test_docx_with_non_numeric_grid_span_is_corrupt():
    data = docx_with_first_cell_property('<w:gridSpan w:val="abc"/>')
    assert problem("plan.docx", data).key == "import-corrupt"


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """One member of 200 MB of zeros, deflated in 1 MB chunks."""
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)
    with archive, archive.open("xl/worksheets/sheet1.xml", "w") as member:
        chunk = bytes(MB)
        for _ in range(200):
            member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize("filename", ["plan.xlsx", "plan.docx"])
def test_zip_bomb(zip_bomb: bytes, filename: str):
    assert len(zip_bomb) < MB
    assert problem(filename, zip_bomb).key == "import-zip-bomb"


@pytest.mark.parametrize("filename", ["plan.xlsx", "plan.docx"])
def test_high_compression_ratio_with_small_total(filename: str):
    data = zip_of({"xl/workbook.xml": bytes(5 * MB), "word/document.xml": bytes(5 * MB)})
    archive = zipfile.ZipFile(io.BytesIO(data))
    unpacked = sum(i.file_size for i in archive.infolist())
    packed = sum(i.compress_size for i in archive.infolist())
    assert unpacked < readers.MAX_UNPACKED_BYTES
    assert unpacked / packed > readers.MAX_COMPRESSION_RATIO
    assert problem(filename, data).key == "import-zip-bomb"


def test_isolated_harness_parses_a_good_plan():
    """The child-process harness itself works, and a normal import stays small."""
    outcome, peak_mb = parse_isolated("plan.docx", good_docx())
    assert outcome == "parsed"
    assert 0 < peak_mb < ISOLATED_PEAK_MB


def test_zip_bomb_with_understated_sizes_is_refused_without_inflating():
    source = zipfile.ZipFile(io.BytesIO(good_docx()))
    members = []
    for info in source.infolist():
        data = source.read(info)
        if info.filename == "word/document.xml":
            # 1 GB of zeros in about 1 MB, declared as 1,000 bytes: the guard sees nothing.
            members.append((info.filename, zeros_deflated(1024), 0, 1000))
        else:
            members.append((info.filename, deflate(data), zlib.crc32(data), len(data)))
    bomb = raw_zip(members)
    assert len(bomb) < readers.MAX_FILE_BYTES
    outcome, peak_mb = parse_isolated("plan.docx", bomb)
    assert outcome.startswith("import-")
    # Inflating more than MAX_UNPACKED_BYTES (100 MB) to find out is what the guard is for.
    assert peak_mb < ISOLATED_PEAK_MB


def test_docx_with_absurd_grid_span_is_handled_in_bounded_memory():
    data = docx_with_first_cell_property('<w:gridSpan w:val="1000000000"/>')
    outcome, peak_mb = parse_isolated("plan.docx", data)
    assert outcome == "parsed" or outcome.startswith("import-"), outcome
    assert peak_mb < ISOLATED_PEAK_MB


def test_truncated_documents_raise_only_import_problems():
    for filename, data in (("plan.docx", seed_docx()), ("plan.xlsx", seed_xlsx())):
        step = max(1, len(data) // 120)
        for cut in range(0, len(data), step):
            outcome = parse_or_problem(filename, data[:cut])
            assert isinstance(outcome, ImportProblem), (filename, cut)
            check_message(outcome.key, outcome.params)


def test_flipped_bytes_raise_only_import_problems():
    rng = random.Random(1)
    escaped = []
    for filename, data in (("plan.docx", seed_docx()), ("plan.xlsx", seed_xlsx())):
        for _ in range(300):
            flipped = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            try:
                parse_or_problem(filename, bytes(flipped))
            except Exception as error:
                escaped.append((filename, type(error).__name__, str(error)[:80]))
    assert escaped == []


# --------------------------------------------------------------------------------------------
# text files


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("plan.txt", "№\tМероприятие\tСроки\n".encode() + b"\x00\x01\x02binary"),
        ("plan.csv", b"\x00" * 64),
        ("plan.tsv", b"PK\x03\x04\x00\x00"),
        ("plan.txt", b"\x98" * 64),  # neither UTF-8 nor cp1251 (0x98 is unassigned there)
    ],
)
def test_binary_text(filename: str, data: bytes):
    assert problem(filename, data).key == "import-binary-text"


def _summary(parsed: ParsedPlan) -> list[tuple[str, str, str, str]]:
    return [(a.number, a.text, a.executors, a.deadline.phrase) for a in parsed.activities]


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_cp1251_text_imports_like_utf8(seed: str):
    utf8 = seed_bytes(seed)
    expected = parse_plan(SEEDS[seed].name, utf8, today=TODAY)
    cp1251 = utf8.decode("utf-8").encode("cp1251")
    assert cp1251 != utf8
    parsed = parse_plan(SEEDS[seed].name, cp1251, today=TODAY)
    assert len(parsed.activities) == len(expected.activities) > 0
    assert _summary(parsed) == _summary(expected)


def test_utf8_with_bom_imports_like_utf8():
    expected = parse_plan("plan.txt", seed_bytes("000"), today=TODAY)
    parsed = parse_plan("plan.txt", b"\xef\xbb\xbf" + seed_bytes("000"), today=TODAY)
    assert _summary(parsed) == _summary(expected)


def test_utf16_text_with_bom_imports_like_utf8():
    expected = parse_plan("plan.txt", seed_bytes("000"), today=TODAY)
    utf16 = seed_bytes("000").decode("utf-8").encode("utf-16")  # BOM + UTF-16LE
    parsed = parse_plan("plan.txt", utf16, today=TODAY)
    assert _summary(parsed) == _summary(expected)


# --------------------------------------------------------------------------------------------
# too many rows


def _numbered_rows(count: int) -> list[list[str]]:
    """Rows «1.1.» … «21.100.»: a hundred per section number."""
    return [
        [
            f"{i // 100 + 1}.{i % 100 + 1}.",
            f"Мероприятие {i}",
            "Отдел образования",
            "август 2021",
            "",
        ]
        for i in range(count)
    ]


def test_docx_with_2100_rows_is_too_many():
    error = problem("plan.docx", build_docx(plan(_numbered_rows(2_100))))
    assert (error.key, error.params) == ("import-too-many-rows", {"limit": MAX_ACTIVITIES})


def test_row_limit_is_inclusive():
    parsed = parse_plan("plan.xlsx", build_xlsx(plan(_numbered_rows(MAX_ACTIVITIES))), today=TODAY)
    assert len(parsed.activities) == MAX_ACTIVITIES
    error = problem("plan.xlsx", build_xlsx(plan(_numbered_rows(MAX_ACTIVITIES + 1))))
    assert error.key == "import-too-many-rows"


def test_2100_rows_numbered_plainly_are_too_many():
    rows = [
        [f"{i}.", f"Мероприятие {i}", "Отдел образования", "август 2021", ""]
        for i in range(1, 2_101)
    ]
    assert problem("plan.xlsx", build_xlsx(plan(rows))).key == "import-too-many-rows"


# --------------------------------------------------------------------------------------------
# rows that import but need a person's attention

ATTENTION_ROWS = [
    [
        "1.",
        "Провести совещание с руководителями школ",
        "Отдел образования",
        "когда получится",
        "Протокол",
    ],
    ["2.", "Провести мониторинг сайтов школ", "Отдел образования", "", "Справка"],
    ["3.", "Подготовить отчёт о работе", "Петров П.П.", "август 2021", "Отчёт"],
    ["4.", "Провести семинар для учителей", "Отдел образования", "сентябрь 2021", "Программа"],
]


def _attention_txt() -> bytes:
    lines = [TITLE, "", "\t".join(STANDARD_HEADER), *("\t".join(r) for r in ATTENTION_ROWS)]
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("plan.docx", lambda: build_docx(plan(ATTENTION_ROWS))),
        ("plan.xlsx", lambda: build_xlsx(plan(ATTENTION_ROWS))),
        ("plan.txt", _attention_txt),
    ],
)
def test_rows_needing_attention(filename: str, build: Callable[[], bytes]):
    parsed = parse_plan(filename, build(), today=TODAY)
    assert [(a.number, a.attention) for a in parsed.activities] == [
        ("1", [Attention.UNKNOWN_DEADLINE]),
        ("2", [Attention.NO_DEADLINE]),
        ("3", [Attention.UNKNOWN_EXECUTORS]),
        ("4", []),
    ]
    assert [a.number for a in parsed.needing_attention] == ["1", "2", "3"]
    assert parsed.activities[0].deadline.phrase == "когда получится"
    assert not parsed.activities[0].deadline.understood
    assert parsed.activities[2].unknown_executors  # «Петров П.П.» is named as not recognised
    assert "Петров" in parsed.activities[2].unknown_executors[0]


# --------------------------------------------------------------------------------------------
# the messages behind the keys


@pytest.mark.parametrize(("key", "params"), sorted(PROBLEM_PARAMS.items()))
def test_problem_message_exists_and_formats(key: str, params: dict[str, object]):
    check_message(key, params)


def test_every_raised_key_is_listed():
    """Each ImportProblem key in services/plan_import is listed (and so tested) above."""
    raised: set[str] = set()
    for path in (ROOT / "services" / "plan_import").glob("*.py"):
        raised |= set(re.findall(r'ImportProblem\(\s*"([^"]+)"', path.read_text("utf-8")))
    assert raised == set(PROBLEM_PARAMS)
