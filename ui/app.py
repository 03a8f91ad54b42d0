"""Rapportsök web UI: ask the municipal reports a question, see the answer with the passages
that prove it. A flat Streamlit script that talks to the API over HTTP (RAPPORTSOK_API_URL).

Run it with `rapportsok ui` (or `make run`, which also starts the API).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

import streamlit as st

from rapportsok.settings import get_settings
from service.schemas import DocumentSummary, Filters, Passage, PassageContext
from ui import render, upload
from ui.client import ApiClient, ApiError, ApiUnavailable

EXAMPLES = [
    "Hur stor budgetavvikelse hade Timrås kommunstyrelse för januari–augusti 2021?",
    "Hur hög var sjukfrånvaron bland Timrås kommunanställda 2021?",
    "Vilket valdeltagande hade Köpings kommun i kommunvalet 2018?",
    "Hur stort överskott redovisade kommunstyrelsen i Krokom för 2020?",
]
ASK_K, SEARCH_K = 5, 10
T = TypeVar("T")

st.set_page_config(page_title="Rapportsök", page_icon="📑", layout="wide")
st.markdown(render.CSS, unsafe_allow_html=True)


@st.cache_resource
def get_client(api_url: str) -> ApiClient:
    """One HTTP client (connection pool) per API address, shared by all sessions."""
    return ApiClient(api_url, timeout=30.0, read_key=get_settings().read_key)


@st.cache_data(ttl=60, show_spinner=False)
def load_documents(api_url: str) -> list[DocumentSummary]:
    """The indexed reports; refreshed every minute so a re-index shows up."""
    return get_client(api_url).documents()


@st.cache_data(ttl=300, show_spinner=False)
def load_context(api_url: str, passage_id: str) -> PassageContext:
    return get_client(api_url).passage(passage_id, window=1)


def stop_unavailable(exc: ApiUnavailable) -> NoReturn:
    """Tell the reader, in plain Swedish, that the search service is not answering."""
    slow = "i tid" in exc.reason
    what = (
        "Sökservern svarade inte i tid." if slow else "Rapportsök får ingen kontakt med sökservern."
    )
    st.info(
        f"**{what}**\n\n"
        "Det här kan du göra:\n"
        "- Vänta en liten stund och ladda sedan om sidan.\n"
        "- Kör du Rapportsök själv: starta sökservern med `rapportsok serve` "
        "(eller `make run`, som startar både sökservern och den här sidan).\n"
        "- Hör annars av dig till den som driver tjänsten.\n\n"
        f"Sökserverns adress: `{exc.url}` (ändras med miljövariabeln `RAPPORTSOK_API_URL`).",
        icon="ℹ️",
    )
    st.stop()


def show_api_error(exc: ApiError) -> NoReturn:
    if exc.status in (400, 422):
        st.warning(f"Frågan kunde inte tas emot: {exc.detail}")
    elif exc.status == 503:
        st.info(
            "**Sökservern är igång men har inga rapporter inlästa.**\n\n"
            "Läs in rapporterna med `rapportsok index` och starta sedan om sökservern "
            "(`rapportsok serve`), eller kör `make run`.",
            icon="ℹ️",
        )
    else:
        st.error(f"Sökservern kunde inte svara (fel {exc.status}). Försök igen om en stund.")
    st.stop()


def call_api(request: Callable[[], T]) -> T:
    """The API's answer, or a Swedish message (and the page stops) when it cannot give one."""
    try:
        return request()
    except ApiUnavailable as exc:
        stop_unavailable(exc)
    except ApiError as exc:
        show_api_error(exc)


UPLOAD_VIEW = "Lägg till rapport"
api_url = get_settings().api_url
client = get_client(api_url)
no_index: ApiError | None = None  # the API runs without an index: only uploads work
try:
    client.health()
    documents = load_documents(api_url)
except ApiUnavailable as exc:
    stop_unavailable(exc)
except ApiError as exc:
    if exc.status != 503:
        show_api_error(exc)
    no_index, documents = exc, []

# --- Sidebar: view and filters ------------------------------------------------------------

with st.sidebar:
    st.title("Rapportsök")
    st.caption("Sök och fråga i kommunernas rapporter.")
    view = st.radio(
        "Visa",
        ["Fråga", "Sök", "Rapporter", UPLOAD_VIEW],
        key="view",
        captions=[
            "Få ett svar med källor",
            "Lista med träffar",
            "Rapporterna som går att söka i",
            "Ladda upp en ny rapport (kräver API-nyckel)",
        ],
    )
    st.subheader("Avgränsa")
    municipalities = sorted({d.municipality for d in documents if d.municipality})
    years = sorted({d.year for d in documents if d.year}, reverse=True)
    report_types = sorted({d.report_type for d in documents if d.report_type})
    chosen_municipalities = st.multiselect(
        "Kommun", municipalities, key="kommun", placeholder="Alla kommuner"
    )
    chosen_years = st.multiselect("År", years, key="ar", placeholder="Alla år")
    chosen_types = st.multiselect(
        "Rapporttyp", report_types, key="typ", placeholder="Alla rapporttyper"
    )
    st.caption(f"{len(documents)} rapporter i sökindexet.")

active_filters = (
    Filters(
        municipality=chosen_municipalities or None,
        year=chosen_years or None,
        report_type=chosen_types or None,
    )
    if chosen_municipalities or chosen_years or chosen_types
    else None
)


# --- Passage cards ------------------------------------------------------------------------


def passage_card(p: Passage, markers: list[int]) -> None:
    """One passage: where it stands, the verbatim text, its neighbours, link and citation."""
    doc = p.document
    with st.container(border=True):
        anchors = "".join(f'<span id="kalla-{n}"></span>' for n in markers)
        label = " ".join(f"[{n}]" for n in markers)
        place = render.section_path(p.section) or "Inledning"
        if p.page is not None:
            place += f" · s. {p.page}"
        where = " · ".join(
            x
            for x in (
                render.municipality_name(doc.municipality),
                doc.title,
                str(doc.year) if doc.year else None,
            )
            if x
        )
        title = " ".join(x for x in (label, where) if x)
        st.markdown(
            f"{anchors}<div><strong>{render.highlight(title, [])}</strong><br>"
            f'<span class="rs-meta">{render.highlight(place, [])}</span></div>',
            unsafe_allow_html=True,
        )
        spans = [(h.start, h.end) for h in p.highlights]
        st.markdown(render.passage_html(p.text, spans, p.table_header), unsafe_allow_html=True)
        with st.expander("Visa texten före och efter"):
            try:
                ctx = load_context(api_url, p.id)
            except (ApiUnavailable, ApiError):
                st.caption("Den omgivande texten kunde inte hämtas just nu.")
            else:
                parts = [render.passage_html(b.text, (), b.table_header) for b in ctx.before]
                parts.append(
                    '<div style="border-left: 3px solid #f0c419; padding-left: .6em">'
                    + render.passage_html(p.text, spans, p.table_header)
                    + "</div>"
                )
                parts += [render.passage_html(a.text, (), a.table_header) for a in ctx.after]
                st.markdown("".join(parts), unsafe_allow_html=True)
        left, right = st.columns([1, 3], vertical_alignment="center")
        with left:
            st.link_button(
                "Öppna rapporten" + (f" på s. {p.page}" if p.page else ""),
                client.file_url(doc, p.page),
            )
        with right:
            st.code(render.citation_line(doc, p.section, p.page), language=None, wrap_lines=True)


# --- Views --------------------------------------------------------------------------------


def set_query(text: str) -> None:
    st.session_state["query"] = text
    st.session_state["submitted"] = text


def submit() -> None:
    st.session_state["submitted"] = st.session_state.get("query", "")


def question_form(asking: bool) -> str:
    """The question box and example questions; returns the submitted text ('' if none)."""
    st.markdown("**Exempel:**")
    cols = st.columns(2)
    for i, example in enumerate(EXAMPLES):
        cols[i % 2].button(
            example, key=f"exempel-{i}", on_click=set_query, args=(example,), width="stretch"
        )
    with st.form("fraga", border=False):
        st.text_input(
            "Din fråga" if asking else "Sökord",
            key="query",
            placeholder="Skriv en fråga om rapporterna …"
            if asking
            else "Till exempel: sjukfrånvaro kommunledningskontoret",
        )
        st.form_submit_button("Fråga" if asking else "Sök", type="primary", on_click=submit)
    return str(st.session_state.get("submitted", "")).strip()


def ask_view(question: str) -> None:
    with st.spinner("Letar efter svaret i rapporterna …"):
        resp = call_api(lambda: client.ask(question, k=ASK_K, filters=active_filters))
    markers: dict[str, list[int]] = {}
    for c in resp.citations:
        markers.setdefault(c.passage_id, []).append(c.n)

    if resp.answered and resp.answer:
        with st.container(border=True):
            st.subheader("Svar")
            st.markdown(
                '<div class="rs-answer">'
                + render.answer_html(resp.answer, [c.n for c in resp.citations])
                + "</div>",
                unsafe_allow_html=True,
            )
            for c in resp.citations:
                line = render.citation_line(c.document, c.section, c.page)
                quote = render.highlight(render.plain_quote(c.quote), [])
                st.markdown(
                    f'<div class="rs-meta"><a class="rs-cite" href="#kalla-{c.n}">[{c.n}]</a> '
                    f"”{quote}” — {render.highlight(line, [])}</div>",
                    unsafe_allow_html=True,
                )
        st.subheader("Källor")
    else:
        st.warning(resp.message or "Rapporterna svarar inte på den här frågan.", icon="🔎")
        if not resp.passages:
            st.caption("Inga stycken hittades. Prova andra ord eller ta bort avgränsningarna.")
            return
        st.subheader("Stycken som ligger närmast frågan")
    cited = [p for p in resp.passages if p.id in markers]
    rest = [p for p in resp.passages if p.id not in markers]
    cited.sort(key=lambda p: min(markers[p.id]))
    for p in cited + rest:
        passage_card(p, markers.get(p.id, []))


def search_view(query: str) -> None:
    with st.spinner("Söker i rapporterna …"):
        resp = call_api(lambda: client.search(query, k=SEARCH_K, filters=active_filters))
    if not resp.results:
        st.warning("Inga träffar. Prova andra ord eller ta bort avgränsningarna.", icon="🔎")
        return
    st.caption(f"{len(resp.results)} träffar, bäst först.")
    for p in resp.results:
        passage_card(p, [])


def reports_view() -> None:
    st.header("Rapporter")
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
        with st.container(border=True):
            st.markdown(f"**{render.highlight(d.title, [])}**", unsafe_allow_html=True)
            facts = [
                render.municipality_name(d.municipality),
                d.organ,
                d.period,
                f"{d.chunk_count} stycken",
                f"{len(d.outline)} avsnitt",
            ]
            st.caption(" · ".join(f for f in facts if f))
            with st.expander("Innehåll"):
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
            st.link_button("Öppna rapporten", client.file_url(d))


def upload_view() -> None:
    """Upload a report with the API key; show the progress, then the result or the refusal."""
    st.header("Lägg till rapport")
    st.caption(
        "Ladda upp en rapport som PDF, text (.txt) eller Markdown (.md). Den läses in "
        "och går att söka i så fort den är klar; sökningar fungerar som vanligt under "
        "tiden."
    )
    with st.form("ladda-upp", border=True):
        key = st.text_input(
            "API-nyckel",
            type="password",
            key="api_key",
            help="Nyckeln som är satt i RAPPORTSOK_API_KEY på sökservern.",
        )
        file = st.file_uploader("Rapport", type=["pdf", "txt", "md"], key="rapportfil")
        with st.expander("Uppgifter om rapporten (valfria, annars läses de ur rapporten)"):
            meta = {"title": st.text_input("Titel", key="meta_title")}
            left, right = st.columns(2)
            meta["municipality"] = left.text_input("Kommun", key="meta_municipality")
            meta["organ"] = right.text_input("Nämnd eller styrelse", key="meta_organ")
            meta["report_type"] = left.text_input(
                "Rapporttyp", key="meta_report_type", placeholder="Delårsrapport"
            )
            meta["year"] = right.text_input("År", key="meta_year", placeholder="2024")
            meta["period"] = st.text_input(
                "Period", key="meta_period", placeholder="januari–augusti"
            )
        sent = st.form_submit_button("Lägg till", type="primary")
    if not sent:
        return
    if not key.strip():
        st.warning("Ange API-nyckeln för att ladda upp.")
        return
    if file is None:
        st.warning("Välj en fil att ladda upp.")
        return
    with st.status(f"Laddar upp {file.name} …", expanded=True) as status:
        st.write(f"Skickar filen ({file.size / 1e6:.2f} MB) och läser in den i sökindexet …")
        try:
            change = client.upload(file.name, file.getvalue(), key.strip(), meta)
        except ApiUnavailable as exc:
            status.update(label="Sökservern svarar inte", state="error")
            st.error(f"Rapporten kunde inte skickas: sökservern på `{exc.url}` svarar inte.")
            return
        except ApiError as exc:
            status.update(label="Rapporten lades inte till", state="error")
            st.error(upload.refusal_message(exc.status, exc.detail))
            st.caption(f"Sökserverns svar (fel {exc.status}): {exc.detail}")
            return
        status.update(label="Rapporten är inläst", state="complete")
    load_documents.clear()  # the sidebar and the report list show the new report
    st.success(upload.added_message(change))


if view == UPLOAD_VIEW:
    upload_view()
elif no_index is not None:
    show_api_error(no_index)
elif view == "Rapporter":
    reports_view()
else:
    asking = view == "Fråga"
    st.header("Fråga rapporterna" if asking else "Sök i rapporterna")
    text = question_form(asking)
    if text and asking:
        ask_view(text)
    elif text:
        search_view(text)
    else:
        st.caption("Svaren hämtas ordagrant ur rapporterna, med källa för varje mening.")
