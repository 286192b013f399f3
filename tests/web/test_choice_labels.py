"""Pages show a form answer by its label, read from the published XForm, in the page's language."""

from __future__ import annotations

from chips import formdefs
from tests.fakes.xforms import built_forms


def test_choice_labels_come_from_the_xform_in_both_languages():
    fd = formdefs.parse_xform(built_forms()["visit_request"])
    urgency = formdefs.choice_labels(fd, "urgency")
    assert urgency["emergency"] == {"id": "Gawat darurat (perlu ambulans)", "en": "Emergency (ambulance needed)"}
    assert formdefs.choice_label(urgency, "urgent", "en") == "Urgent (today)"
    assert formdefs.choice_label(urgency, "urgent", "xx") == "Segera (hari ini)"  # the form's first language
    # an answer the list no longer has (an older version) shows as sent; none stays none
    assert formdefs.choice_label(urgency, "gone", "id") == "gone"
    assert formdefs.choice_label(urgency, None, "id") is None
    assert formdefs.choice_labels(fd, "no_such_list") == {}


def test_home_and_requests_pages_show_urgency_and_channel_labels(client_for, web):
    app, _ = web
    with app.extensions["chips.engine"].begin() as conn:
        formdefs.publish(conn, [built_forms()["visit_request"]])
    client = client_for("planner1")
    home = client.get("/").get_data(as_text=True)
    assert "Segera (hari ini)" in home and ">urgent<" not in home  # the seed's requests are "urgent"
    client.get("/lang/en")
    assert "Urgent (today)" in client.get("/").get_data(as_text=True)
    # the seed's channel "whatsapp" is no choice of the form: shown as it was sent
    assert ">whatsapp<" in client.get("/requests").get_data(as_text=True)
