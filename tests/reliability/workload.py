"""Submissions of the real built forms for the load and crash tests: varied forms, fresh
instanceIDs, households that later forms refer to, and small photo attachments whose
bytes differ per submission (so a stored file's sha256 proves it is that submission's)."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field

from tests.support import answers as a
from tests.support.submissions import household_answers, instance_xml

# share of each form in the mix (registration first: later forms refer to its households)
MIX = (("household_registration", 5), ("house_condition", 2), ("visit_request", 2), ("anc_visit", 1))


@dataclass(frozen=True)
class Item:
    form_id: str
    instance_id: str
    xml: bytes
    files: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)

    def parts(self) -> list:
        """The multipart body as ODK Collect sends it."""
        return [("xml_submission_file", ("submission.xml", self.xml, "text/xml")),
                *[(name, (name, data, "image/jpeg")) for name, data in self.files]]

    def sha256s(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.files}


def _photo(rng: random.Random) -> bytes:
    # JPEG magic then random bytes: small, distinct, binary
    return b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randint(200, 3000))


def make_items(forms: dict[str, bytes], count: int, *, seed: int = 1, photo_every: int = 4) -> list[Item]:
    rng = random.Random(seed)
    names = [name for name, weight in MIX for _ in range(weight)]
    households: list[str] = []
    items: list[Item] = []
    for i in range(count):
        form_id = names[i % len(names)] if households else "household_registration"
        iid = f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        photo = (i % photo_every == 0)
        files: tuple = ()
        if form_id == "household_registration":
            hh = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            households.append(hh)
            name = f"sticker-{i}.jpg"
            answers = household_answers(
                household={"head_name": f"Kepala {i}", "phone": f"08{rng.randint(10**9, 10**10 - 1)}", "poverty": "dtks"})
            answers["sticker"] = {**answers["sticker"], "sticker_photo": name, "sticker_serial": f"CHIPS-{i:05d}"}
            if not photo:
                answers["sticker"] = {"sticker_installed": "no"}
            xml = instance_xml(forms[form_id], answers, instance_id=iid, entity_id=hh, entity_label=f"Kepala {i}")
            files = ((name, _photo(rng)),) if photo else ()
        elif form_id == "house_condition":
            name = f"house-{i}.jpg"
            xml = instance_xml(forms[form_id], a.house_condition(rng.choice(households), photo=name if photo else ""),
                               instance_id=iid)
            files = ((name, _photo(rng)),) if photo else ()
        elif form_id == "visit_request":
            xml = instance_xml(forms[form_id], a.visit_request(rng.choice(households), request_id=f"CH-{i:06d}"),
                               instance_id=iid, entity_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        else:
            xml = instance_xml(forms[form_id], a.anc_first_visit(rng.choice(households)), instance_id=iid,
                               entity_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        items.append(Item(form_id, iid, xml, files))
    return items
