"""The "Lägg till rapport" page: says up front whether the server takes uploads and up to
what size, uploads with the API key, and shows why a file was refused in plain Swedish."""

from __future__ import annotations

import math

import streamlit as st

from rapportsok.settings import MB, get_settings
from ui import upload
from ui.api import api_url, client, load_documents, load_upload_policy
from ui.client import ApiError, ApiUnavailable

SUFFIXES = ["pdf", "txt", "md"]


def megabytes(size: int) -> str:
    """`size` bytes in the MB the server counts (1024 × 1024 bytes), to one decimal and
    rounded up, so that a file over the limit never reads as the limit: "50", "50.1"."""
    return f"{math.ceil(size / MB * 10) / 10:.1f}".removesuffix(".0")


def too_large(size: int, max_bytes: int) -> str | None:
    """Why a file of `size` bytes is not sent to a server that takes at most `max_bytes`
    (`GET /uploads`), or None when it is not too large."""
    if size <= max_bytes:
        return None
    return (
        f"Filen är {megabytes(size)} MB; sökservern tar emot högst {megabytes(max_bytes)} MB. "
        "Dela upp rapporten eller be den som driver tjänsten höja gränsen "
        "(`RAPPORTSOK_MAX_UPLOAD_MB`)."
    )


_BROWSE = '[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"]'


def _uploader_css(max_mb: str) -> str:
    """Streamlit's file picker speaks English ("Upload", "200MB per file"); its texts are
    replaced by Swedish ones with the server's real limit."""
    return (
        "<style>"
        '[data-testid="stFileUploaderDropzoneInstructions"] > div > span, '
        '[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }'
        '[data-testid="stFileUploaderDropzoneInstructions"] > div::after {'
        f' content: "Dra hit en fil eller välj en · högst {max_mb} MB · PDF, TXT, MD";'
        " font-size: .9em; color: #555; }"
        # Only the picker's own button says "Välj fil": the chip's remove icon and the
        # "+" (add another file) are icon buttons and keep their icons.
        f"{_BROWSE} {{ font-size: 0; white-space: nowrap; }}"
        f'{_BROWSE}::after {{ content: "Välj fil"; font-size: 1rem; }}'
        '[data-testid="stFileChipDeleteBtn"] button { font-size: inherit; }'
        ".st-key-ladda-upp-knapp button { white-space: nowrap; }"
        "</style>"
    )


def upload_view() -> None:
    """Upload a report with the API key; show the progress, then the result or the refusal."""
    st.header("Lägg till rapport")
    try:
        policy = load_upload_policy(api_url())
    except (ApiUnavailable, ApiError):
        policy = None
    enabled = policy.enabled if policy else None
    max_bytes = policy.max_bytes if policy else get_settings().max_upload_bytes
    max_mb = megabytes(max_bytes)
    if enabled is False:
        st.info(
            "**Uppladdning är avstängd på sökservern.** Rapporterna som redan finns går att "
            "söka i som vanligt. Den som driver tjänsten slår på uppladdning genom att sätta "
            "miljövariabeln `RAPPORTSOK_API_KEY` och starta om sökservern.",
            icon="🔒",
        )
        return
    st.markdown(
        f"Ladda upp en rapport som PDF, text (.txt) eller Markdown (.md), **högst {max_mb} MB**. "
        "Den läses in och går att söka i så fort den är klar; sökningar fungerar som vanligt "
        "under tiden. Du behöver API-nyckeln, den som är satt i `RAPPORTSOK_API_KEY` på "
        "sökservern."
    )
    st.html(_uploader_css(max_mb))
    with st.form("ladda-upp", border=True):
        key = st.text_input("API-nyckel", type="password", key="api_key")
        file = st.file_uploader(f"Rapport (högst {max_mb} MB)", type=SUFFIXES, key="rapportfil")
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
        sent = st.form_submit_button("Lägg till", type="primary", key="ladda-upp-knapp")
    if not sent:
        return
    if not key.strip():
        st.warning("Ange API-nyckeln för att ladda upp.")
        return
    if file is None:
        st.warning("Välj en fil att ladda upp.")
        return
    refused = too_large(file.size, max_bytes)
    if refused:
        st.error(refused)
        return
    refusal: tuple[str, str] | None = None
    with st.status(f"Laddar upp {file.name} …", expanded=True) as status:
        st.write(f"Skickar filen ({file.size / MB:.2f} MB) och läser in den i sökindexet …")
        try:
            change = client().upload(file.name, file.getvalue(), key.strip(), meta)
        except ApiUnavailable as exc:
            status.update(label="Sökservern svarar inte", state="error")
            refusal = (f"Rapporten kunde inte skickas: sökservern på `{exc.url}` svarar inte.", "")
        except ApiError as exc:
            status.update(label="Rapporten lades inte till", state="error")
            refusal = (
                upload.refusal_message(exc.status, exc.detail),
                f"Sökserverns svar (fel {exc.status}): {exc.detail}",
            )
        else:
            status.update(label="Rapporten är inläst", state="complete")
    # The reason stands outside the status box, which folds up when it ends.
    if refusal is not None:
        st.error(refusal[0])
        if refusal[1]:
            st.caption(refusal[1])
        return
    load_documents.clear()  # the filters and the report list show the new report
    st.success(upload.added_message(change))
