"""The UI's side of the API: one cached client, cached reads, and the Swedish page a reader
sees when the API is down or refuses a request (the page stops there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

import streamlit as st

from rapportsok.settings import get_settings
from service.schemas import DocumentInfo, DocumentSummary, PassageContext, UploadPolicy
from ui.client import ApiClient, ApiError, ApiUnavailable
from ui.messages import swedish_error

T = TypeVar("T")
SECTION_WINDOW = 6  # neighbours fetched on each side to rebuild a cited passage's section


def api_url() -> str:
    """The API's address (RAPPORTSOK_API_URL; `rapportsok ui` sets it from the API's port)."""
    return get_settings().api_url


@st.cache_resource
def get_client(url: str) -> ApiClient:
    """One HTTP client (connection pool) per API address, shared by all sessions."""
    return ApiClient(url, timeout=30.0, read_key=get_settings().read_key)


def client() -> ApiClient:
    """The client of the configured API."""
    return get_client(api_url())


@st.cache_data(ttl=60, show_spinner=False)
def load_documents(url: str) -> list[DocumentSummary]:
    """The indexed reports; refreshed every minute so a re-index shows up."""
    return get_client(url).documents()


@st.cache_data(ttl=300, show_spinner=False)
def load_context(url: str, passage_id: str) -> PassageContext:
    """A passage with enough neighbours to show its whole section."""
    return get_client(url).passage(passage_id, window=SECTION_WINDOW)


@st.cache_data(ttl=300, show_spinner=False, max_entries=8)
def load_file(url: str, doc_id: str, _document: DocumentInfo) -> bytes:
    """The original report file, through the API (kept a few minutes, few at a time; the
    cache key is the report's id, its metadata is not hashed)."""
    return get_client(url).file_bytes(_document)


@st.cache_data(ttl=300, show_spinner=False)
def load_file_head(url: str, doc_id: str, _document: DocumentInfo) -> tuple[str, str]:
    """(file name, media type) of a report's original file."""
    return get_client(url).file_head(_document)


@st.cache_data(ttl=60, show_spinner=False)
def load_upload_policy(url: str) -> UploadPolicy | None:
    """Whether the server takes uploads and up to what size (None: it does not say)."""
    return get_client(url).upload_policy()


@st.cache_data(ttl=60, show_spinner=False)
def index_version(url: str) -> str:
    """The loaded index's build time and size: which index an answer came from."""
    index = get_client(url).health().index
    counts = index.get("counts") or {}
    size = f"{counts.get('documents')}r/{counts.get('chunks')}s" if isinstance(counts, dict) else ""
    return " ".join(str(x) for x in (index.get("created"), size) if x)


def stop_unavailable(exc: ApiUnavailable) -> NoReturn:
    """Tell the reader, in plain Swedish, that the search service is not answering."""
    slow = "i tid" in exc.reason or "in time" in exc.reason
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
    """The API's refusal in Swedish (its own words, for whoever runs it, underneath)."""
    if exc.status == 503:
        st.info(
            "**Sökservern är igång men har inga rapporter inlästa.**\n\n"
            "Läs in rapporterna med `rapportsok index` och starta sedan om sökservern "
            "(`rapportsok serve`), eller kör `make run`. Du kan också lägga till en rapport "
            "under **Lägg till rapport**.",
            icon="ℹ️",
        )
    elif exc.status in (400, 422):
        st.warning(swedish_error(exc.status, exc.detail))
    else:
        st.error(swedish_error(exc.status, exc.detail))
    st.stop()


def call_api(request: Callable[[], T]) -> T:
    """The API's answer, or a Swedish message (and the page stops) when it cannot give one."""
    try:
        return request()
    except ApiUnavailable as exc:
        stop_unavailable(exc)
    except ApiError as exc:
        show_api_error(exc)
