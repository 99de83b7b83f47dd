"""A lean HTTP/1.1 client for the load benches: one keep-alive connection, one request at a time.

The load runs on the same 2 cores as the server it measures, so what the client spends is taken from the
server. httpx spent 5.4 ms of CPU on each multipart autosave on this project's machine, more than the bare
floor server spent answering it: at 200 saves a second the client alone wanted more than a core. This
client writes the request bytes itself and reads only the status line, the headers it needs and the
body, which costs a small fraction of that. It speaks exactly what bench/load.py sends and nothing more:
no redirects, no compression, no proxies; loopback only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

BOUNDARY = "leanbenchboundary7d1f3a"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """The body a browser's FormData sends for plain text fields, and its content type."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields.items()]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode(), f"multipart/form-data; boundary={BOUNDARY}"


@dataclass
class LeanClient:
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> Answer:
        """Send one request and read its answer. A connection the server closed while it was idle
        (keep-alive timeout) is opened again once, as browsers do; any other failure is raised."""
        reused = self._writer is not None
        try:
            return await asyncio.wait_for(self._exchange(method, path, headers or {}, body), self.timeout)
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            await self.close()
            if not (reused and _nothing_read(error)):
                raise
        return await asyncio.wait_for(self._exchange(method, path, headers or {}, body), self.timeout)

    async def _exchange(self, method, path, headers, body) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        answer_headers: dict[str, str] = {}
        for line in header_lines:
            name, _sep, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                self._keep_cookie(value)
            answer_headers[name] = value
        if "content-length" in answer_headers:
            content = await self._reader.readexactly(int(answer_headers["content-length"]))
        elif answer_headers.get("transfer-encoding") == "chunked":
            content = await self._chunked()
        else:
            raise ConnectionError("an answer with neither a length nor chunks")
        if answer_headers.get("connection") == "close":
            await self.close()
        return Answer(int(status_line.split(" ", 2)[1]), answer_headers, content)

    async def _chunked(self) -> bytes:
        pieces = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return b"".join(pieces)
            pieces.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    def _keep_cookie(self, value: str) -> None:
        pair, _sep, attributes = value.partition(";")
        name, _sep, content = pair.partition("=")
        expired = "max-age=0" in attributes.lower().replace(" ", "") or content in ("", '""', "null")
        if expired:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = content.strip()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except ConnectionError:
                pass
        self._reader = self._writer = None


def _nothing_read(error: Exception) -> bool:
    # The server closed the idle connection before our request reached it: nothing of an answer came back.
    return not isinstance(error, asyncio.IncompleteReadError) or not error.partial
