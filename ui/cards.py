"""A passage card: where the passage stands, its verbatim text, "Visa i rapporten" (the
section or printed page with the quote marked) and the original file, served from the UI's
own host so readers never need to reach the API."""

from __future__ import annotations

import streamlit as st

from service.schemas import DocumentInfo, Passage
from ui import render, source
from ui.api import api_url, load_context, load_file, load_file_head
from ui.client import ApiError, ApiUnavailable

OCR_NOTE = "Text tolkad från bild"
CITATION_CLASS = "rs-citation"


def download_original(doc: DocumentInfo, key: str) -> None:
    """A button that hands the original report on from the UI's own host. Only the file's
    name and type are asked for up front; the file itself is fetched when it is clicked."""
    url = api_url()
    try:
        name, media = load_file_head(url, doc.id, doc)
    except (ApiUnavailable, ApiError):
        st.caption("Rapportfilen kan inte hämtas just nu.")
        return

    def fetch() -> bytes:
        return load_file(url, doc.id, doc)

    st.download_button(
        "Ladda ner hela rapporten",
        data=fetch,
        file_name=name,
        mime=media,
        on_click="ignore",
        key=key,
    )


def show_in_report(p: Passage, quote: str | None) -> None:
    """The cited passage in its section with the quote marked; for a PDF also the printed
    page with the quote's words boxed."""
    url = api_url()
    try:
        ctx = load_context(url, p.id)
    except (ApiUnavailable, ApiError):
        st.caption("Avsnittet kunde inte hämtas just nu. Försök igen om en stund.")
        return
    place = render.section_path(p.section) or "Inledning"
    st.caption(f"Avsnittet {place}" + (f", s. {p.page}" if p.page else "") + ":")
    if p.page is not None:  # the API gives page numbers only for passages of PDFs
        try:
            png, found = source.pdf_page_png(
                load_file(url, p.document.id, p.document), p.page, quote or p.text
            )
        except (ApiUnavailable, ApiError, ValueError):
            st.caption("Sidan kunde inte visas som bild; avsnittets text står nedan.")
        else:
            caption = (
                f"Sidan {p.page} i rapporten, citatet markerat med gult."
                if found
                else f"Sidan {p.page} i rapporten (citatet kunde inte pekas ut på sidan)."
            )
            st.image(png, caption=caption)
    html = source.section_html(source.section_passages(ctx), p.id, quote)
    st.markdown(html, unsafe_allow_html=True)


def passage_card(p: Passage, markers: list[int], quote: str | None = None) -> None:
    """One passage: where it stands, the verbatim text, the report around it, citation."""
    doc = p.document
    with st.container(border=True):
        anchors = "".join(f'<span id="kalla-{n}"></span>' for n in markers)
        label = " ".join(f"[{n}]" for n in markers)
        place = render.section_path(p.section) or "Inledning"
        if p.page is not None:
            place += f" · s. {p.page}"
        if p.ocr:  # read from a scanned page: a word may be misread
            place += f" · {OCR_NOTE}"
        where = " · ".join(
            x
            for x in (
                render.publisher_name(doc),
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
        label_in = "Visa i rapporten" + (f" (s. {p.page})" if p.page else "")
        with st.expander(label_in, expanded=False):
            show_in_report(p, quote)
        # Ready to copy, in the page's own type: a grey monospace box reads as code.
        cite = render.highlight(render.citation_line(doc, p.section, p.page), [])
        st.markdown(
            f'<div class="{CITATION_CLASS}"><span class="rs-meta">Källa:</span> {cite}</div>',
            unsafe_allow_html=True,
        )
        download_original(doc, key=f"fil-{p.id}-{p.rank}")
