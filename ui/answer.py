"""The answer view of "Fråga": the answer (plain, uncertain, a comparison table, or plainly
no answer), its sources once, export, feedback, then the passage cards.

Each quote is shown once: in the answer itself, or in the comparison table. The source list
under it gives only where each quote stands, and the card of each source shows the passage
with the report around it.
"""

from __future__ import annotations

import html
import json
from datetime import datetime

import streamlit as st

from rapportsok.settings import get_settings
from service.schemas import AskResponse, Citation
from ui import confidence, export, feedback, render
from ui.api import api_url, index_version
from ui.cards import passage_card

UNCERTAIN = "Osäkert svar – kontrollera källan"


def _sources(resp: AskResponse) -> str:
    """'[1] Timrå kommun, Delårsrapport 2021, Nyckeltal' per citation, each a link to its
    card (the quote itself is in the answer above, not repeated)."""
    lines = []
    for c in resp.citations:
        line = html.escape(render.citation_line(c.document, c.section, c.page))
        lines.append(
            f'<div class="rs-meta"><a class="rs-cite" href="#kalla-{c.n}">[{c.n}]</a> {line}</div>'
        )
    return '<div class="rs-sources">' + "".join(lines) + "</div>"


def comparison_table(resp: AskResponse) -> str:
    """The comparison as a small HTML table: kommun, rapport, svar, källa."""
    head = "".join(f"<th>{h}</th>" for h in ("Kommun", "Rapport", "Svar", "Källa"))
    rows = []
    for (kommun, rapport, svar, _), e in zip(
        export.comparison_rows(resp), resp.comparison or [], strict=True
    ):
        missing = e.answer is None
        answer = f"<em>{html.escape(svar)}</em>" if missing else html.escape(svar)
        cite = (
            f'<a class="rs-cite" href="#kalla-{e.citation}">[{e.citation}]</a>'
            if e.citation is not None
            else ""
        )
        rows.append(
            f"<tr><td>{html.escape(kommun)}</td><td>{html.escape(rapport)}</td>"
            f"<td>{answer}</td><td>{cite}</td></tr>"
        )
    return (
        # In a box of its own that scrolls sideways: a phone shows the table's start and
        # the reader swipes to the sources instead of the last column being cut off.
        f'<div class="rs-scroll"><table class="rs-table rs-comparison"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def public_url() -> str:
    """The UI's own address as readers reach it: RAPPORTSOK_PUBLIC_URL, else the address
    this page was opened at (never the API's, which readers outside the server cannot
    reach)."""
    configured = get_settings().public_url
    if configured:
        return configured
    page = st.context.url
    return export.page_base(page) if isinstance(page, str) else ""  # none in AppTest


def _file_link(c: Citation) -> str:
    return export.report_link(public_url(), c)


def copy_button(markdown: str) -> None:
    """'Kopiera svar med källor': the Markdown to the clipboard, in the reader's browser.
    Browsers allow the clipboard API only on https or localhost; elsewhere the older
    copy command is used."""
    text = json.dumps(markdown).replace("</", "<\\/")
    st.html(
        '<button class="rs-copy" type="button" id="rs-copy">Kopiera svar med källor</button>'
        '<span class="rs-meta" id="rs-copied" aria-live="polite"></span>'
        f"<script>(function() {{ const text = {text};"
        "const b = document.getElementById('rs-copy'), s = document.getElementById('rs-copied');"
        "const done = () => { s.textContent = ' Kopierat.'; };"
        "b.onclick = () => { if (navigator.clipboard && window.isSecureContext) {"
        "navigator.clipboard.writeText(text).then(done); } else {"
        "const t = document.createElement('textarea'); t.value = text; document.body.append(t);"
        "t.select(); document.execCommand('copy'); t.remove(); done(); } };"
        "})();</script>",
        unsafe_allow_javascript=True,
    )


def export_buttons(resp: AskResponse, asked: datetime, share: str) -> None:
    """Copy as Markdown, download as Word (both end with the link to this answer)."""
    left, right = st.columns([1, 1], vertical_alignment="center")
    with left:
        copy_button(export.answer_markdown(resp, asked, _file_link, share))
    with right:
        st.download_button(
            "Ladda ner (Word)",
            data=export.answer_docx(resp, asked, _file_link, share),
            file_name=export.export_name(resp.question, asked),
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            on_click="ignore",
            icon=":material/download:",
            key="ladda-ner-svar",
        )


def feedback_form(resp: AskResponse) -> None:
    """👍/👎 and an optional comment, stored in the data folder's feedback database; on an
    abstention too (a wrong "Inget svar" is the commonest failure to report)."""
    key = f"omdome-{abs(hash((resp.question, resp.answer, resp.answered)))}"
    st.caption(
        "Var svaret till hjälp?"
        if resp.answered
        else "Stämmer det att rapporterna inte svarar på frågan?"
    )
    rating = st.feedback("thumbs", key=key)
    if rating is None:
        return
    if st.session_state.get(f"{key}-sparat"):
        st.caption("Tack! Ditt omdöme är sparat.")
        return
    with st.form(f"{key}-form", border=False):
        comment = st.text_area(
            "Kommentar (valfri)",
            key=f"{key}-kommentar",
            placeholder="Vad var fel eller saknades? Vilket svar hade du väntat dig?"
            if resp.answered
            else "Var står svaret? Vilken rapport, vilket avsnitt?",
            max_chars=2000,
        )
        sent = st.form_submit_button("Skicka omdöme")
    if not sent:
        return
    path = feedback.feedback_path(get_settings().index_dir)
    vote = feedback.Vote(
        rating="up" if rating == 1 else "down",
        question=resp.question,
        answer=resp.answer,
        answered=resp.answered,
        passage_ids=tuple(c.passage_id for c in resp.citations)
        or tuple(p.id for p in resp.passages),
        doc_ids=tuple(c.document.id for c in resp.citations),
        quotes=tuple(c.quote for c in resp.citations),
        index_version=index_version(api_url()),
        comment=comment,
        answer_type=resp.answer_type,
        comparison=bool(resp.comparison),
    )
    try:
        feedback.save(path, vote)
    except OSError:
        st.error("Omdömet kunde inte sparas (datamappen går inte att skriva till).")
        return
    st.session_state[f"{key}-sparat"] = True
    st.success("Tack! Ditt omdöme är sparat.")


def show_answer(resp: AskResponse, asked: datetime, share: str) -> None:
    """The answer box, or the plain statement that the reports give none."""
    if not (resp.answered and resp.answer):
        st.warning(
            "**Inget svar i rapporterna.** "
            + (resp.message or "Rapporterna verkar inte besvara frågan."),
            icon="🔎",
        )
        feedback_form(resp)
        return
    style = "rs-answer-box rs-uncertain" if resp.uncertain else "rs-answer-box"
    with st.container(border=True):
        st.subheader(UNCERTAIN if resp.uncertain else "Svar")
        st.markdown(confidence.confidence_html(resp.confidence), unsafe_allow_html=True)
        if resp.uncertain:
            # Uncertain is the reader's verdict on the quote (its probability below the
            # model's `uncertain`), not on whether the reports answer (the confidence above).
            st.caption(
                "Rapporterna verkar säga detta, men läsaren är inte säker på att citatet "
                "svarar på frågan. Läs citatet i rapporten innan du använder det."
            )
        if resp.comparison:
            st.markdown(
                f'<div class="{style}">{comparison_table(resp)}</div>', unsafe_allow_html=True
            )
        else:
            body = render.answer_html(resp.answer, [c.n for c in resp.citations])
            st.markdown(
                f'<div class="{style}"><div class="rs-answer">{body}</div></div>',
                unsafe_allow_html=True,
            )
        st.markdown(_sources(resp), unsafe_allow_html=True)
        export_buttons(resp, asked, share)
        feedback_form(resp)


def card_quotes(citations: list[Citation]) -> dict[str, str]:
    """Per cited passage, all its quotes ([1] and [2] alike) for "Visa i rapporten" to
    mark: one per line, as a quote is found again line by line."""
    quotes: dict[str, list[str]] = {}
    for c in citations:
        if c.quote not in quotes.setdefault(c.passage_id, []):
            quotes[c.passage_id].append(c.quote)
    return {pid: "\n".join(qs) for pid, qs in quotes.items()}


def ask_view(resp: AskResponse, asked: datetime, share: str) -> None:
    """The whole answer page: corrected query, answer, then the passages."""
    corrected = getattr(resp, "corrected_query", None)  # added to /ask by the typo work
    if corrected and corrected.strip() and corrected.strip() != resp.question.strip():
        st.caption(f"Sökte på: **{corrected.strip()}**")
    show_answer(resp, asked, share)
    if not resp.answered:
        if not resp.passages:
            st.caption("Inga stycken hittades. Prova andra ord eller ta bort avgränsningarna.")
            return
        st.subheader("Stycken som ligger närmast frågan")
    else:
        st.subheader("Källor")
    markers: dict[str, list[int]] = {}
    for c in resp.citations:
        markers.setdefault(c.passage_id, []).append(c.n)
    quotes = card_quotes(resp.citations)
    cited = sorted((p for p in resp.passages if p.id in markers), key=lambda p: markers[p.id][0])
    rest = [p for p in resp.passages if p.id not in markers]
    for p in cited + rest:
        passage_card(p, markers.get(p.id, []), quotes.get(p.id))
