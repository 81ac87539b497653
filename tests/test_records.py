"""The build cache's records: decoded as the model's own constructors make them."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from statusgen import records
from statusgen.model import Incident, Maintenance, Update
from statusgen.records import InvalidRecord, decode_notice, encode_notice

AT = datetime(2026, 11, 20, 14, 2, tzinfo=timezone.utc)
UPDATES = (Update(AT, "investigating", "Errors on *login*.", (("api", "partial_outage"),)),
           Update(AT.replace(hour=15), "resolved", "Fixed.", (), True))


def test_the_written_out_update_decoder_has_the_fields_of_update():
    assert records._UPDATE_FIELDS == {field.name for field in dataclasses.fields(Update)}
    for update in UPDATES:
        data = records._encode_record(update)
        decoded = records._update(data)
        assert decoded == update == records._decode_record(Update, data)
        assert vars(decoded) == vars(update) and hash(decoded) == hash(update)


@pytest.mark.parametrize("change", [
    {"at": "2026-11-20T14:02:00"}, {"status": 5}, {"message": None}, {"components": [["api"]]},
    {"automatic": 1}, {"extra": 1}])
def test_a_wrong_update_is_refused_as_the_generic_decoder_refuses_it(change):
    data = {**records._encode_record(UPDATES[0]), **change}
    with pytest.raises(InvalidRecord):
        records._update(data)
    with pytest.raises(InvalidRecord):
        records._decode_record(Update, data)


def test_notices_round_trip_equal_to_what_their_constructors_make():
    incident = Incident("api-errors", "incidents/a.md", "API errors", (("api", "partial_outage"),), UPDATES,
                        "Body", AT, AT.replace(hour=15), None)
    window = Maintenance("db", "incidents/b.md", "Database", (("db", "under_maintenance"),), UPDATES[:1], "",
                         AT, AT.replace(hour=16), None, False, notify=False)
    for notice in (incident, window):
        decoded, remembered = decode_notice(encode_notice(notice, ["k"]))
        assert decoded == notice and type(decoded) is type(notice) and remembered == ("k",)
        assert vars(decoded) == vars(notice) and hash(decoded) == hash(notice)
