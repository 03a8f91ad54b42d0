"""URL state and the browser history: what a shared link and the cookie hold."""

from __future__ import annotations

from urllib.parse import quote

from ui.state import (
    COOKIE_BYTES,
    HISTORY_COOKIE,
    HISTORY_MAX,
    HistoryItem,
    PageState,
    add_to_history,
    decode_history,
    encode_history,
    from_params,
    history_item,
)


def test_a_fresh_page_has_no_query_string() -> None:
    assert PageState().params() == {}
    assert from_params({}) == PageState()


def test_question_view_and_filters_round_trip_through_the_url() -> None:
    state = PageState("Sök", "sjukfrånvaro", ("Timrå", "Köping"), (2021,), ("Delårsrapport",))
    assert state.params() == {
        "vy": "sok",
        "fraga": "sjukfrånvaro",
        "kommun": ["Timrå", "Köping"],
        "ar": ["2021"],
        "typ": ["Delårsrapport"],
    }
    params = {k: v if isinstance(v, list) else [v] for k, v in state.params().items()}
    assert from_params(params) == state


def test_a_hand_edited_url_keeps_what_it_can() -> None:
    state = from_params({"vy": ["okand"], "fraga": ["  Hur?  "], "ar": ["2021", "tjugo", ""]})
    assert state == PageState("Fråga", "Hur?", (), (2021,), ())


def test_history_puts_the_newest_first_and_never_twice() -> None:
    a, b = HistoryItem("A"), HistoryItem("B")
    assert add_to_history([a, b], HistoryItem("B")) == [b, a]
    assert add_to_history([a], HistoryItem("A", "Sök")) == [HistoryItem("A", "Sök"), a]
    many = [HistoryItem(str(i)) for i in range(HISTORY_MAX)]
    assert len(add_to_history(many, HistoryItem("ny"))) == HISTORY_MAX == 20


def test_history_item_returns_to_the_same_page() -> None:
    state = PageState("Sök", "sjukfrånvaro", ("Timrå",), (2021,), ())
    item = history_item(state)
    assert item == HistoryItem("sjukfrånvaro", "Sök", {"kommun": ["Timrå"], "ar": ["2021"]})
    assert item.state() == state


def test_cookie_round_trip_and_damaged_cookies() -> None:
    items = [HistoryItem("Hur hög var sjukfrånvaron?"), HistoryItem("valdeltagande", "Sök")]
    value = encode_history(items)
    assert ";" not in value and " " not in value and '"' not in value
    assert decode_history(value) == items
    assert decode_history(None) == decode_history("") == decode_history("%7Bx") == []
    assert decode_history(quote('{"q": "x"}')) == []
    assert decode_history(quote('[{"q": ""}, 3, {"q": "ok", "v": "??"}]')) == [HistoryItem("ok")]


def test_cookie_drops_the_oldest_questions_to_stay_under_4_kb() -> None:
    long = [HistoryItem(f"{i:02d} " + "å" * 300) for i in range(20)]
    value = encode_history(long)
    assert len(value) + len(HISTORY_COOKIE) + 1 <= COOKIE_BYTES
    kept = decode_history(value)
    # Each question is 303 characters, 1 800+ bytes URL-encoded: two fit, the newest.
    assert [k.question[:2] for k in kept] == ["00", "01"]


def test_a_report_link_opens_that_report_in_rapporter() -> None:
    state = from_params({"vy": ["rapporter"], "rapport": ["timra"]})
    assert state == PageState("Rapporter", report="timra")
    assert state.params() == {"vy": "rapporter", "rapport": "timra"}
