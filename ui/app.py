"""Rapportsök web UI: ask the municipal reports a question, see the answer with the passages
that prove it. A flat Streamlit script that talks to the API over HTTP (RAPPORTSOK_API_URL).

What the page shows (view, question, filters) is kept in the URL, so a link reproduces an
answer and the back button walks through earlier questions; the last questions are kept in
the reader's browser (`ui.history`). Run it with `rapportsok ui` or `make run`.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import streamlit as st

from service.schemas import MAX_K, MAX_QUERY_CHARS, AskResponse, DocumentSummary, Filters
from ui import confidence, history, render
from ui.answer import ask_view, public_url
from ui.api import api_url, call_api, client, load_documents, show_api_error, stop_unavailable
from ui.cards import download_original, passage_card
from ui.client import ApiError, ApiUnavailable
from ui.state import VIEWS, PageState, from_params
from ui.upload_page import upload_view

EXAMPLES = [
    "Hur stor budgetavvikelse hade Timrås kommunstyrelse för januari–augusti 2021?",
    "Hur hög var sjukfrånvaron bland Timrås kommunanställda 2021?",
    "Vilket valdeltagande hade Köpings kommun i kommunvalet 2018?",
    "Hur stort överskott redovisade kommunstyrelsen i Krokom för 2020?",
]
ASK_K, SEARCH_K, SEARCH_MORE = 5, 10, 10  # passages asked for; "Visa fler" adds SEARCH_MORE

st.set_page_config(page_title="Rapportsök", page_icon="📑", layout="wide")
st.markdown(render.CSS + f"<style>{confidence.CSS}</style>", unsafe_allow_html=True)

url = api_url()
no_index: ApiError | None = None  # the API runs without an index: only uploads work
documents: list[DocumentSummary] = []
try:
    client().health()
    documents = load_documents(url)
except ApiUnavailable as exc:
    stop_unavailable(exc)
except ApiError as exc:
    if exc.status != 503:
        show_api_error(exc)
    no_index = exc

municipalities = sorted({d.municipality for d in documents if d.municipality})
years = sorted({d.year for d in documents if d.year}, reverse=True)
report_types = sorted({d.report_type for d in documents if d.report_type})


# --- The URL and the widgets ----------------------------------------------------------------


def apply(state: PageState) -> None:
    """Show `state`: set the widgets (filter values no report has are dropped)."""
    st.session_state["view"] = state.view
    st.session_state["query"] = state.question
    st.session_state["submitted"] = state.question
    st.session_state["kommun"] = [m for m in state.municipalities if m in municipalities]
    st.session_state["ar"] = [y for y in state.years if y in years]
    st.session_state["typ"] = [t for t in state.report_types if t in report_types]
    st.session_state["antal"] = SEARCH_K
    st.session_state["rapport"] = state.report


def current() -> PageState:
    """What the page shows now."""
    view = st.session_state.get("view", "Fråga")
    asking = view in ("Fråga", "Sök")
    return PageState(
        view=view,
        question=str(st.session_state.get("submitted", "")).strip() if asking else "",
        municipalities=tuple(st.session_state.get("kommun", [])) if asking else (),
        years=tuple(st.session_state.get("ar", [])) if asking else (),
        report_types=tuple(st.session_state.get("typ", [])) if asking else (),
        report=str(st.session_state.get("rapport", "")) if view == "Rapporter" else "",
    )


def share_link(state: PageState) -> str:
    """The address that reproduces `state`, at the UI's public address."""
    base = public_url()
    query = urlencode(state.params(), doseq=True)
    return f"{base}/?{query}" if query and base else base


def publish(state: PageState) -> None:
    """Write `state` into the URL (Streamlit pushes a browser history entry when it changes)."""
    if from_params(_url_params()) != state:
        st.query_params.from_dict(state.params())
    st.session_state["_shown"] = state


def _url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


# A URL this session has not shown yet (a shared link, a reload, the back button) wins over
# the widgets' values.
from_url = from_params(_url_params())
if st.session_state.get("_shown") != from_url:
    apply(from_url)


def set_query(text: str) -> None:
    st.session_state["query"] = text
    st.session_state["submitted"] = text
    st.session_state["antal"] = SEARCH_K


def submit() -> None:
    st.session_state["submitted"] = st.session_state.get("query", "")
    st.session_state["antal"] = SEARCH_K


def go(state: PageState) -> None:
    """Return to an earlier question (from the history)."""
    apply(state)


# --- Navigation (in the page, so phones reach it without opening the sidebar) --------------


def _new_view() -> None:
    st.session_state["rapport"] = ""  # a report opened by a link is left with its view


view = st.radio(
    "Visa",
    VIEWS,
    key="view",
    horizontal=True,
    label_visibility="collapsed",
    width="stretch",
    on_change=_new_view,
)
asking_views = view in ("Fråga", "Sök")
if asking_views:
    # Known before the page is drawn (a link, a click on Fråga, an example), so the history
    # in the sidebar already lists the question being answered.
    history.remember(current())
with st.sidebar:
    st.title("Rapportsök")
    st.caption("Sök och fråga i kommunernas rapporter.")
    if asking_views:
        st.subheader("Avgränsa")
        st.multiselect("Kommun", municipalities, key="kommun", placeholder="Alla kommuner")
        st.multiselect("År", years, key="ar", placeholder="Alla år")
        st.multiselect("Rapporttyp", report_types, key="typ", placeholder="Alla rapporttyper")
        st.caption(f"{len(documents)} rapporter i sökindexet.")
    history.sidebar(go)


def active_filters() -> Filters | None:
    chosen = [st.session_state.get(k) or [] for k in ("kommun", "ar", "typ")]
    if not any(chosen):
        return None
    return Filters(
        municipality=chosen[0] or None, year=chosen[1] or None, report_type=chosen[2] or None
    )


# --- Views ------------------------------------------------------------------------------------


def question_form(asking: bool) -> str:
    """The question box first, then (for questions) the examples; the submitted text."""
    with st.form("fraga", border=False):
        st.text_input(
            "Din fråga" if asking else "Sökord",
            key="query",
            max_chars=MAX_QUERY_CHARS,  # the API's limit, said before sending
            placeholder="Skriv en fråga om rapporterna …"
            if asking
            else "Till exempel: sjukfrånvaro kommunledningskontoret",
        )
        st.form_submit_button("Fråga" if asking else "Sök", type="primary", on_click=submit)
    submitted = str(st.session_state.get("submitted", "")).strip()
    if asking:
        # Once a question is asked the examples fold away, so the answer stands directly
        # under the question (on a phone the four buttons fill the first screen).
        with st.container(key="exempel"):
            label = "Fler exempel på frågor" if submitted else "Exempel på frågor"
            with st.expander(label, expanded=not submitted):
                cols = st.columns(2)
                for i, example in enumerate(EXAMPLES):
                    cols[i % 2].button(
                        example,
                        key=f"exempel-{i}",
                        on_click=set_query,
                        args=(example,),
                        width="stretch",
                        wrap=True,
                    )
    return submitted


def answer_for(question: str, filters: Filters | None) -> tuple[AskResponse, datetime]:
    """The API's answer, asked once per question and filters in this session (a click on
    👍 or an expander reruns the page; it must not ask again)."""
    key = (question, filters.model_dump_json() if filters else "")
    saved = st.session_state.get("_svar")
    if saved and saved[0] == key:
        return saved[1], saved[2]
    with st.spinner("Letar efter svaret i rapporterna …"):
        resp = call_api(lambda: client().ask(question, k=ASK_K, filters=filters))
    asked = datetime.now()
    st.session_state["_svar"] = (key, resp, asked)
    return resp, asked


def more() -> None:
    st.session_state["antal"] = min(MAX_K, st.session_state.get("antal", SEARCH_K) + SEARCH_MORE)


def search_view(query: str, filters: Filters | None) -> None:
    k = int(st.session_state.get("antal", SEARCH_K))
    with st.spinner("Söker i rapporterna …"):
        resp = call_api(lambda: client().search(query, k=k, filters=filters))
    if not resp.results:
        st.warning("Inga träffar. Prova andra ord eller ta bort avgränsningarna.", icon="🔎")
        return
    st.caption(f"{len(resp.results)} träffar, bäst först.")
    for p in resp.results:
        passage_card(p, [])
    if len(resp.results) == k and k < MAX_K:
        st.button("Visa fler", key="visa-fler", on_click=more)


def all_reports() -> None:
    st.session_state["rapport"] = ""


def reports_view() -> None:
    st.header("Rapporter")
    chosen = [d for d in documents if d.id == st.session_state.get("rapport")]
    if chosen:  # a citation's link (the Word export, a copied answer) opens its report
        report_card(chosen[0], expanded=True)
        st.button("Visa alla rapporter", key="alla-rapporter", on_click=all_reports)
        return
    st.caption("Rapporterna som går att söka i, med innehåll och antal stycken.")
    st.dataframe(
        [
            {
                "Kommun": d.municipality or "",
                "Rapport": d.title,
                "Typ": d.report_type or "",
                "År": d.year,
                "Period": d.period or "",
                "Stycken": d.chunk_count,
            }
            for d in documents
        ],
        hide_index=True,
        width="stretch",
    )
    for d in sorted(documents, key=lambda d: (d.municipality or "", -(d.year or 0))):
        report_card(d)


def report_card(d: DocumentSummary, expanded: bool = False) -> None:
    """One report: title, publisher, contents and its original file."""
    with st.container(border=True):
        st.markdown(f"**{render.highlight(d.title, [])}**", unsafe_allow_html=True)
        facts = [
            render.publisher_name(d),
            d.organ,
            d.period,
            f"{d.chunk_count} stycken",
            f"{len(d.outline)} avsnitt",
        ]
        st.caption(" · ".join(f for f in facts if f))
        with st.expander("Innehåll", expanded=expanded):
            items = "".join(
                f'<li style="margin-left:{(len(path) - 1) * 1.2}em">'
                f"{render.highlight(path[-1], [])}</li>"
                for path in d.outline
                if path
            )
            st.markdown(
                f'<ul style="list-style: none; padding-left: 0">{items}</ul>',
                unsafe_allow_html=True,
            )
        download_original(d, key=f"rapport-{d.id}")


if view == "Lägg till rapport":
    publish(current())
    upload_view()
elif no_index is not None:
    publish(current())
    show_api_error(no_index)
elif view == "Rapporter":
    publish(current())
    reports_view()
else:
    asking = view == "Fråga"
    st.header("Fråga rapporterna" if asking else "Sök i rapporterna")
    text = question_form(asking)
    state = current()
    publish(state)
    filters = active_filters()
    if text and asking:
        resp, asked = answer_for(text, filters)
        ask_view(resp, asked, share_link(state))
    elif text:
        search_view(text, filters)
    else:
        st.caption("Svaren hämtas ordagrant ur rapporterna, med källa för varje mening.")
