"""The submission endpoint reads its multipart body with werkzeug's decoder but without
compiling werkzeug's two boundary expressions per request (server/openrosa.py,
``_file_parts``): it must find exactly the file parts ``request.files`` would."""

from __future__ import annotations

import random

import pytest
from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from server import openrosa


@pytest.fixture(scope="module")
def app():
    app = Flask("multipart")
    app.config.update(MAX_CONTENT_LENGTH=200_000, MAX_FORM_MEMORY_SIZE=5_000, MAX_FORM_PARTS=20)
    return app


def _werkzeug(app, body: bytes, ctype: str):
    with app.test_request_context("/", method="POST", data=body, content_type=ctype):
        try:
            return [(k, f.filename or None, f.mimetype, f.read()) for k, f in request.files.items(multi=True)]
        except RequestEntityTooLarge:
            return "413"


def _ours(app, body: bytes, ctype: str):
    with app.test_request_context("/", method="POST", data=body, content_type=ctype):
        try:
            return [(k, p.filename, p.mimetype, p.data) for k, ps in openrosa._file_parts().items() for p in ps]
        except RequestEntityTooLarge:
            return "413"


def _body(boundary: bytes, parts, lb=b"\r\n", preamble=b"", epilogue=b"", ws=b"") -> bytes:
    out = preamble
    for name, filename, ctype, data in parts:
        out += b"--" + boundary + ws + lb + b'Content-Disposition: form-data; name="%s"' % name
        if filename is not None:
            out += b'; filename="%s"' % filename
        out += lb + (b"Content-Type: " + ctype + lb if ctype else b"") + lb + data + lb
    return out + b"--" + boundary + b"--" + ws + lb + epilogue


def _cases():
    rnd = random.Random(20261124)
    xml = b'<data id="f"><photo>a.jpg</photo><meta><instanceID>uuid:1</instanceID></meta></data>'
    for i in range(40):
        boundary = ("%032x" % rnd.getrandbits(128)).encode()
        decoy = b"\r\n--" + boundary[:-1] + b"x\r\n--" + boundary[1:] + b"\n"  # boundary-like bytes in a photo
        parts = [(b"xml_submission_file", b"submission.xml", b"text/xml", xml),
                 (b"a.jpg", b"a.jpg", b"image/JPEG; q=1", bytes(rnd.randrange(256) for _ in range(300)) + decoy)]
        if i % 3 == 0:
            parts.append((b"field", None, None, b"v" * rnd.choice([10, 6_000])))  # 6000: over the form memory
        if i % 4 == 0:
            parts.append((b"xml_submission_file", b"", b"", b"again"))
        body = _body(boundary, parts, lb=[b"\r\n", b"\n", b"\r"][i % 3], preamble=[b"", b"pre\r\n"][i % 2],
                     epilogue=[b"", b"epi"][i % 2], ws=[b"", b" \t"][i % 2])
        ctype = "multipart/form-data; boundary=" + boundary.decode()
        yield body, ctype
        for _ in range(6):
            yield body[:rnd.randrange(len(body))], ctype
            broken = bytearray(body)
            broken[rnd.randrange(len(broken))] = rnd.choice(b"\r\n-")
            yield bytes(broken), ctype
        yield body, ctype[:-1]  # wrong boundary
        yield body, "multipart/form-data"
        yield body, "text/xml"
    yield _body(b"b", [(b"f%d" % i, b"a", None, b"x") for i in range(30)]), "multipart/form-data; boundary=b"
    yield _body(b"b", [(b"big", b"big.jpg", None, b"x" * 300_000)]), "multipart/form-data; boundary=b"


def test_file_parts_are_what_werkzeug_reads(app):
    found = 0
    for body, ctype in _cases():
        expected = _werkzeug(app, body, ctype)
        assert _ours(app, body, ctype) == expected, (ctype, body[:200])
        found += bool(expected) and expected != "413"
    assert found > 40  # the cases are not all refusals
