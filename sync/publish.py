"""Publish the forms built from ``forms/`` to a Central or Kobo source, so ``forms/`` stays
the single source of truth.

Central (API docs, docs.getodk.org/central-api "Forms" and "Draft Form"): a new form is
created as a draft (``POST …/forms?publish=false``), an existing one gets a new draft
(``POST …/forms/<id>/draft``); a draft's CSV attachment named after an entity list
(``households.csv``) is linked to that dataset (``PATCH …/draft/attachments/households.csv
{"dataset": true}``), then the draft is published with its version. Forms that create
entities go first, so the dataset exists when its readers are linked to it.

Kobo (kpi/views/v2/import_task.py, deployment; tests/fakes/kobo-from-source.md): the .xlsx is imported
(``POST /api/v2/imports/``, into the existing asset when the source's ``assets`` maps one to
this form), the import is polled until complete, then deployed (``POST …/deployment/``) or
redeployed (``PATCH`` with the asset's current ``version_id``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from sync.central import CentralClient
from sync.kobo import KoboClient
from sync.retry import SourceError
from sync.sources import Source, load_sources


def _built(out: Path, only: list[str] | None):
    from forms.build import build_all

    forms = build_all(out)
    if only:
        missing = set(only) - {f.form_id for f in forms}
        if missing:
            raise SourceError(f"no form {', '.join(sorted(missing))} in forms/xlsform")
        forms = [f for f in forms if f.form_id in only]
    return publish_order(forms)


def _creates_reads(xml: bytes) -> tuple[set[str], set[str]]:
    from lxml import etree

    doc = etree.fromstring(xml)
    creates = {e.get("dataset") for e in doc.iter("{http://www.w3.org/2002/xforms}entity") if e.get("dataset")}
    reads = {i.get("src").rsplit("/", 1)[-1][:-4] for i in doc.iter("{http://www.w3.org/2002/xforms}instance")
             if (i.get("src") or "").startswith("jr://file-csv/") and i.get("src").endswith(".csv")}
    return creates, reads


def publish_order(forms: list) -> list:
    """Forms that make an entity list before the forms that read it (a topological order;
    a form may read the list it makes itself: Central links that one when it publishes)."""
    info = {f.form_id: _creates_reads(f.xml_path.read_bytes()) for f in forms}
    made_by_some = set().union(*(c for c, _ in info.values())) if info else set()
    done: set[str] = set()
    order = []
    left = sorted(forms, key=lambda f: f.form_id)
    while left:
        for f in left:
            creates, reads = info[f.form_id]
            if all(r in done or r in creates or r not in made_by_some for r in reads):
                break
        else:
            f = left[0]   # a cycle between forms: publish anyway, Central reports what fails
        left.remove(f)
        order.append(f)
        done |= info[f.form_id][0]
    return order


def publish_central(client: CentralClient, forms: list) -> Iterator[str]:
    datasets: set[str] = {d["name"] for d in client.datasets()}
    for f in forms:
        xml = f.xml_path.read_bytes()
        current = client.get_form(f.form_id)
        if current is not None and current.get("version") == f.version and current.get("publishedAt"):
            yield f"{f.form_id}: version {f.version} already published"
            continue
        if current is None:
            client.create_form(xml)
        else:
            client.create_draft(f.form_id, xml)
        creates, _ = _creates_reads(xml)
        linked = []
        for att in client.draft_attachments(f.form_id):
            name = att["name"]
            # a list this very form makes for the first time does not exist yet; Central
            # links it on publish (central-backend lib/model/query/forms.js, autoLinkWithDataset)
            if name.endswith(".csv") and name[:-4] in datasets and not att.get("datasetExists"):
                client.link_dataset(f.form_id, name)
                linked.append(name[:-4])
        datasets |= creates
        client.publish_draft(f.form_id, f.version)
        what = "created" if current is None else f"new version (was {current.get('version')})"
        yield (f"{f.form_id}: {what} {f.version} published"
               + (f", entity list {', '.join(linked)} linked" if linked else ""))


def publish_kobo(client: KoboClient, source: Source, forms: list, poll: float = 1.0,
                 patience: float = 300) -> Iterator[str]:
    by_form = {form_id: uid for uid, form_id in source.assets.items()}
    for f in forms:
        if f.xlsx_path is None:
            raise SourceError(f"{f.form_id}: no .xlsx was built")
        existing = by_form.get(f.form_id)
        job = client.import_xlsform(f"{f.form_id}.xlsx", f.xlsx_path.read_bytes(), destination=existing)
        deadline = time.monotonic() + patience
        while True:
            state = client.import_status(job)
            if state.get("status") == "complete":
                break
            if state.get("status") == "error" or time.monotonic() > deadline:
                raise SourceError(f"source {source.name}, form {f.form_id}: import {job} ended as "
                                  f"{state.get('status')}: {state.get('messages')}")
            time.sleep(poll)
        messages = state.get("messages") or {}
        made = (messages.get("created") or messages.get("updated") or [{}])[0].get("uid") or existing
        if not made:
            raise SourceError(f"source {source.name}, form {f.form_id}: the import named no asset")
        asset = client.asset(made)
        client.deploy(made, asset.get("version_id"), redeploy=bool(asset.get("has_deployment")))
        if existing:
            yield f"{f.form_id}: asset {made} redeployed with version {f.version}"
        else:
            yield (f"{f.form_id}: asset {made} created and deployed; add it to the source's "
                   f"settings: assets = {{ {made} = \"{f.form_id}\" }}")


def publish(settings: Any, source_name: str, only: list[str] | None = None, session=None,
            environ=None, poll: float = 1.0) -> Iterator[str]:
    sources = load_sources(settings, environ)
    if source_name not in sources:
        raise SourceError(f"no source named {source_name} in the settings "
                          f"(known: {', '.join(sorted(sources)) or 'none'})")
    source = sources[source_name]
    with tempfile.TemporaryDirectory(prefix="chips-publish-") as tmp:
        forms = _built(Path(tmp), only)
        if source.type == "central":
            yield from publish_central(CentralClient(source, session=session), forms)
        else:
            yield from publish_kobo(KoboClient(source, session=session), source, forms, poll=poll)
