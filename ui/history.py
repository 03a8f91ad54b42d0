"""The last questions, in the sidebar and in a cookie of the reader's own browser.

Nothing is stored on the server: the list lives in this session and in the cookie, which
the browser sends when the page is opened again (Streamlit reads it as `st.context.cookies`).
The cookie is written by a small script in the page whenever the list changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from ui.state import (
    HISTORY_COOKIE,
    HistoryItem,
    PageState,
    add_to_history,
    decode_history,
    encode_history,
    history_item,
)

_KEY = "historik"
_YEAR = 365 * 24 * 3600


def items() -> list[HistoryItem]:
    """This browser's earlier questions, newest first (read from the cookie once)."""
    if _KEY not in st.session_state:
        value = st.context.cookies.get(HISTORY_COOKIE)
        # Outside a browser (AppTest) there are no cookies to read.
        st.session_state[_KEY] = decode_history(value if isinstance(value, str) else None)
    return list(st.session_state[_KEY])


def remember(state: PageState) -> None:
    """Put the question of `state` first in the history and write the cookie."""
    if not state.question:
        return
    before = items()
    after = add_to_history(before, history_item(state))
    if after == before:
        return
    st.session_state[_KEY] = after
    _write_cookie(encode_history(after))


def forget() -> None:
    """Empty the history, here and in the browser."""
    st.session_state[_KEY] = []
    _write_cookie("")


def _write_cookie(value: str) -> None:
    # The value is URL-encoded JSON (no quotes, semicolons or '<'), so it is safe in the
    # script; the script runs in the page itself (st.html is not put in an iframe).
    age = _YEAR if value else 0
    cookie = json.dumps(f"{HISTORY_COOKIE}={value}; path=/; max-age={age}; SameSite=Lax")
    st.html(f"<script>document.cookie = {cookie};</script>", unsafe_allow_javascript=True)


def sidebar(go: Callable[[PageState], None]) -> None:
    """The history as buttons in the sidebar; a click calls `go` with that page."""
    history = items()
    st.subheader("Senaste frågorna")
    if not history:
        st.caption("Frågor du ställer sparas här, i din egen webbläsare.")
        return
    for i, item in enumerate(history):
        label = item.question if len(item.question) <= 80 else item.question[:77] + " …"
        if item.view != "Fråga":
            label = f"{item.view}: {label}"
        st.button(
            label,
            key=f"historik-{i}",
            on_click=go,
            args=(item.state(),),
            type="tertiary",
            help=item.question,
        )
    st.button("Rensa historiken", key="rensa-historik", on_click=forget, icon=":material/delete:")
