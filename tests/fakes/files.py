"""Files: what users send can be downloaded (getFile + /file/bot<token>/<path>), what the bot
uploads is kept."""

from __future__ import annotations

import copy
import mimetypes
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.records import StoredFile
from tests.fakes.wire import JSON, ApiError, Request

if TYPE_CHECKING:
    from tests.fakes.state import ApiState as _Base
else:
    _Base = object

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files (cloud Bot API)
MAX_UPLOAD_SIZE = 50 * 1024 * 1024


class Files(_Base):
    """Stored files by id and path; photos as several sizes."""

    def register_file(
        self,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        folder: str = "documents",
    ) -> StoredFile:
        """Make ``content`` downloadable; returns its metadata (file_id etc.)."""
        number = next(self._ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif folder == "photos":
            suffix = ".jpg"
        stored = StoredFile(
            file_id=f"FAKE{folder[:3].upper()}{number}_{secrets.token_urlsafe(12)}",
            file_unique_id=f"U{number}{secrets.token_hex(4)}",
            content=content,
            file_size=len(content) if file_size is None else file_size,
            file_path=f"{folder}/file_{number}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _register_photo(self, content: bytes, file_size: int) -> list[JSON]:
        sizes: list[JSON] = []
        for (width, height), divisor in (((90, 68), 30), ((320, 240), 6), ((1280, 960), 1)):
            stored = self.register_file(
                content, file_size=max(1, file_size // divisor), folder="photos"
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.file_size,
                    "width": width,
                    "height": height,
                }
            )
        for size in sizes:
            self._photo_sizes[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def _input_file(
        self, request: Request, value: Any, field_name: str, *, folder: str
    ) -> StoredFile:
        """Resolve an InputFile: ``attach://name`` upload, direct upload, file_id or URL."""
        upload: tuple[str, bytes] | None = None
        if value is None and field_name in request.files:
            upload = request.files[field_name]
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = request.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: file {value!r} not found in the request")
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self.register_file(b"", file_name=name, folder=folder)
        elif isinstance(value, str) and value:
            stored = self.files.get(value)
            if stored is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return stored
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        filename, content = upload
        if len(content) > MAX_UPLOAD_SIZE:
            raise ApiError(413, "Request Entity Too Large")
        mime_type = mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
        return self.register_file(content, file_name=filename, mime_type=mime_type, folder=folder)

    def _get_file(self, request: Request) -> JSON:
        stored = self.files.get(str(request.params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return stored.as_file()

    async def _handle_file(self, http_request: web.Request) -> web.StreamResponse:
        file_path = http_request.match_info["file_path"]
        request = self._record(
            Request(
                method="downloadFile",
                params={"file_path": file_path},
                files={},
                chat_id=None,
                at=self.clock(),
                token=http_request.match_info["token"],
                http_method=http_request.method,
            )
        )
        if self._down is not None:
            return self._down_response(http_request, request)
        if self._download_failures_left(file_path):
            body = ApiError(502, "Bad Gateway").payload()
            self._finish(request, 502, body)
            return self._json(body, 502)
        stored = self._files_by_path.get(file_path)
        if stored is None:
            body = ApiError(404, "Not Found").payload()
            self._finish(request, 404, body)
            return self._json(body, 404)
        self._finish(request, 200, None)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    # ----------------------------------------------------------------------------------------
    # Fault injection for file downloads (getFile itself fails through ``fail_next``).

    _download_failures: dict[str | None, int | None]

    def fail_downloads(self, times: int | None = 1, file_path: str | None = None) -> None:
        """The next ``times`` downloads of ``file_path`` (``None``: any file) answer 502;
        ``times=None`` fails them until :meth:`serve_downloads`."""
        if not hasattr(self, "_download_failures"):
            self._download_failures = {}
        self._download_failures[file_path] = times

    def serve_downloads(self) -> None:
        """Downloads work again."""
        self._download_failures = {}

    def _download_failures_left(self, file_path: str) -> bool:
        failures = getattr(self, "_download_failures", {})
        for key in (file_path, None):
            if key in failures:
                left = failures[key]
                if left is None:
                    return True
                if left > 0:
                    failures[key] = left - 1
                    return True
        return False
