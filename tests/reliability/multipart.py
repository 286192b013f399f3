"""A multipart/form-data body written byte for byte.

requests (urllib3) escapes quotes and line breaks in file names and always writes a
well-formed body; hostile tests need the exact bytes a broken or malicious client sends.
"""

from __future__ import annotations

import secrets


def part(name: str | bytes, data: bytes, filename: str | bytes | None = None, content_type: str | bytes = b"application/octet-stream") -> bytes:
    enc = lambda v: v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")  # noqa: E731
    head = b'Content-Disposition: form-data; name="' + enc(name) + b'"'
    if filename is not None:
        head += b'; filename="' + enc(filename) + b'"'
    return head + b"\r\nContent-Type: " + enc(content_type) + b"\r\n\r\n" + data


def body(parts: list[bytes], boundary: bytes | None = None) -> tuple[bytes, str]:
    """(body, Content-Type header) for ``parts`` made with :func:`part`."""
    boundary = boundary or secrets.token_hex(16).encode()
    out = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts) + b"--" + boundary + b"--\r\n"
    return out, f"multipart/form-data; boundary={boundary.decode()}"
