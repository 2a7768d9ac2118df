"""A document's date and its provenance (rag/ingest/dates.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.ingest.dates import inferred_date, resolve_date
from rag.text.dates import display_date

TODAY = dt.date(2026, 12, 2)


def test_the_order_of_sources():
    text = "Wien, 3. Oktober 2024 – Die Regierung hat beschlossen. Im März 2024 begann es."
    assert resolve_date(user="2024-10-05", marker="2024-10", text=text, today=TODAY) == ("2024-10-05", "user")
    assert resolve_date(marker="2024-10", metadata="2024-10-04", text=text, today=TODAY) == ("2024-10", "marker")
    assert resolve_date(metadata="2024-10-04", text=text, today=TODAY) == ("2024-10-04", "metadata")
    assert resolve_date(text=text, today=TODAY) == ("2024-10-03", "dateline")
    assert resolve_date(text="Im März 2024 begann es. Anfang Oktober 2024 gab es Streit.", today=TODAY) == (
        "2024-10", "inferred")
    assert resolve_date(text="Ein Text ohne jedes Datum.", today=TODAY) == (None, None)


@pytest.mark.parametrize("text, expected", [
    ("Die bis 2030 laufende Partnerschaft begann 2019.", "2019"),  # a bound into the future
    ("Der Vertrag soll 2027 enden. Seit 2019 arbeiten sie zusammen.", "2019"),
    ("Ab 2026 gilt die Regel, beschlossen wurde sie am 14. Juli 2015.", "2015-07-14"),
    ("Zwischen 2019 und Anfang 2023 flossen weitere Milliarden.", "2023"),
    ("Im Jahr 2031 war das so.", None),  # after today: not a past report
    ("Der Deal fiel 2024. Bereits vergangenen Juni hatte Oracle Kapazitäten zugesagt.", "2024-06"),
    ("Am 03.10.2024 kam es zum Streit, im März 2024 hatte er begonnen.", "2024-10-03"),
])  # fmt: skip
def test_inferred_is_the_latest_past_date_reported(text, expected):
    assert inferred_date(text, today=TODAY) == expected


def test_an_inferred_date_is_shown_as_a_lower_bound():
    assert display_date("2024-10", "inferred") == "≥ 2024-10"
    assert display_date("2024-10", "marker") == "2024-10"
    assert display_date(None, None) == ""
