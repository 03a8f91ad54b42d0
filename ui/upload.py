"""Swedish texts of the upload page: what happened to an uploaded report, or why it was
refused (the API's reasons are English and technical; they are shown underneath)."""

from __future__ import annotations

from service.schemas import DocumentChange


def added_message(change: DocumentChange) -> str:
    """'Rapporten … lades till: 12 stycken …'."""
    return (
        f"Rapporten **{change.document_id}** lades till och går att söka i nu: "
        f"{change.chunks} stycken indexerades på {change.seconds:.1f} s. "
        f"Sökindexet har {change.documents} rapporter."
    )


def refusal_message(status: int, detail: str) -> str:
    """Why the API refused an upload, in plain Swedish."""
    if status == 401:
        return "Fel API-nyckel. Kontrollera nyckeln och försök igen."
    if status == 403:
        return (
            "Uppladdning är avstängd på sökservern. Den som driver tjänsten slår på den "
            "genom att sätta miljövariabeln `RAPPORTSOK_API_KEY`."
        )
    if status == 409 and detail.startswith("duplicate of "):
        other = detail.removeprefix("duplicate of ").split(":", 1)[0]
        return (
            f"Rapporten finns redan i sökindexet (samma innehåll som **{other}**), så den "
            "lades inte till en gång till."
        )
    if status == 409 and "another build" in detail:
        return "Sökindexet uppdateras just nu. Försök igen om en liten stund."
    if status == 409:
        return (
            "Det finns redan en rapport med samma filnamn. Ta bort den först eller byt "
            "namn på filen."
        )
    if status == 413:
        return "Filen är för stor för att laddas upp."
    if status == 415:
        return (
            "Filen kan inte läggas till: bara PDF-, text- (.txt) och Markdown-filer (.md) "
            "går att ladda upp, och innehållet måste stämma med filtypen."
        )
    if status in (400, 422):
        return "Rapporten kunde inte läsas in, så den lades inte till."
    return f"Sökservern kunde inte ta emot rapporten (fel {status}). Försök igen om en stund."
