"""Answer units: what of a passage can be an answer (fast tier, made-up passages)."""

from __future__ import annotations

from indexer.models import Chunk, Hit
from search.answer_features import holds_type
from search.query import QueryInfo, QueryParser
from search.units import answer_texts, units


def _units(text: str, header: str | None = None) -> list[tuple[str, str]]:
    chunk = Chunk(
        id="d:0", doc_id="d", text=text, section=(), start=0, end=len(text), table_header=header
    )
    return [(u.kind, u.answer_text()) for u in units(Hit(chunk, 1.0, 1))]


def test_sentences_join_broken_lines_and_skip_abbreviations() -> None:
    text = (
        "Prognosen är ett överskott om ca 1,1 mnkr enl. ekonomi-\n"
        "avdelningen, bl.a. tack vare\nlägre kostnader. Det är bra för kommunen."
    )
    assert _units(text) == [
        (
            "sentence",
            "Prognosen är ett överskott om ca 1,1 mnkr enl. ekonomi- avdelningen, "
            "bl.a. tack vare lägre kostnader.",
        ),
        ("sentence", "Det är bra för kommunen."),
    ]


def test_headings_captions_and_short_lines_are_never_units() -> None:
    text = (
        "## Ekonomi\n\nFoto: Anna Svensson\n\nEkonomisk uppföljning\n\n"
        "Resultatet blev 3 mnkr bättre än budget."
    )
    assert _units(text) == [("sentence", "Resultatet blev 3 mnkr bättre än budget.")]


def test_list_items_are_units_of_their_own() -> None:
    assert _units("Vi har:\n- Nytt bibliotek\n- Fler besökare i simhallen") == [
        ("item", "- Nytt bibliotek"),
        ("item", "- Fler besökare i simhallen"),
    ]


def test_table_rows_and_cells_carry_their_headers_and_the_header_row_is_no_unit() -> None:
    text = "Mått\t2020\t2021 jan-juni\nSjukfrånvaro\t7,5 %\t6,4 %"
    assert _units(text) == [
        ("row", "Sjukfrånvaro: 2020: 7,5 %, 2021 jan-juni: 6,4 %"),
        ("cell", "Sjukfrånvaro, 2020: 7,5 %"),
        ("cell", "Sjukfrånvaro, 2021 jan-juni: 6,4 %"),
    ]


def test_a_label_and_its_value_is_a_unit_though_it_has_no_final_stop() -> None:
    text = "Nämndens ordförande: Stefan Dalin\n\nFörvaltningens uppdrag"
    assert _units(text) == [("sentence", "Nämndens ordförande: Stefan Dalin")]


def test_rows_of_a_status_table_are_data_and_a_lone_label_row_names_no_column() -> None:
    text = (
        "Uppdrag\tStatus\tKommentarer\n"
        "Förslag till lösning för läsplattor.\tKlart\tPresenterad för KF 2019-06-17.\n"
        "Övriga uppdrag\t\t\n"
        "Ny gemensam näringslivsstrategi i Köping, Arboga och Kungsör\tKlar\t"
    )
    assert [u for u in _units(text) if u[0] == "row"] == [
        (
            "row",
            "Förslag till lösning för läsplattor.: Status: Klart, "
            "Kommentarer: Presenterad för KF 2019-06-17.",
        ),
        ("row", "Ny gemensam näringslivsstrategi i Köping, Arboga och Kungsör: Status: Klar"),
    ]


def test_a_figure_with_a_note_is_data_not_a_column_label() -> None:
    text = "Mått\t2020\t2021\nPrisförändring villor, %\t12,9 % (sep-aug)\t25,5 % (sep-aug)"
    assert _units(text)[0] == (
        "row",
        "Prisförändring villor, %: 2020: 12,9 % (sep-aug), 2021: 25,5 % (sep-aug)",
    )


def test_a_later_row_group_takes_the_header_from_the_chunk() -> None:
    assert _units("Antal anställda\t410\t402", header="Mått\t2020\t2021")[0] == (
        "row",
        "Antal anställda: 2020: 410, 2021: 402",
    )


def analyse(question: str, municipalities: tuple[str, ...] = ()) -> QueryInfo:
    """The question analysis of `question` over an index of these municipalities' reports."""
    return QueryParser(municipalities).parse(question)


def test_answer_types_from_the_question_words() -> None:
    assert analyse("Hur många anställda har Ale?").answer_type == "amount"
    assert analyse("Hur hög var sjukfrånvaron 2021?").answer_type == "percentage"
    assert analyse("När startade förvaltningen?").answer_type == "date"
    assert analyse("Vem leder projektet?").answer_type == "person"
    assert analyse("Varför blev det ett underskott?").answer_type == "reason"
    assert analyse("How much did the library cost?").answer_type == "amount"
    assert analyse("Vilken kommun hade högst sjukfrånvaro?").comparison
    assert not analyse("Hur hög var sjukfrånvaron i Ale?", ("Ale",)).comparison
    # Municipalities in the plural ask about every report in scope.
    assert analyse("Hur går det ekonomiskt i de fyra kommunerna?").comparison
    assert analyse("Hur går kommunernas arbete med solceller?").comparison
    assert analyse("Vilken prognos lämnar kommunstyrelserna?").comparison
    assert not analyse("Vad gör Ale med grannkommunerna?", ("Ale",)).comparison
    assert not analyse("Vem är ordförande i kommunstyrelsen?").comparison
    assert analyse("Hur var det 2021, 2019 och 2021?").years == (2019, 2021)


def test_what_a_question_asks_is_read_from_its_corrected_words() -> None:
    # "sjukfronvaro" hides a share question; the municipality and year are read as typed.
    typed = "Hur hög var sjukfronvaron i Timrå 2021?"
    info = QueryParser(["Timrå"]).parse(typed, corrected="Hur hög var sjukfrånvaro i Timrå 2021?")
    assert (info.answer_type, info.municipalities, info.years) == (
        "percentage",
        ("Timrå",),
        (2021,),
    )
    assert QueryParser(["Timrå"]).parse(typed).answer_type == "amount"


def test_a_unit_holds_the_expected_type() -> None:
    assert holds_type("6,4 %", "percentage") == 1.0
    assert holds_type("ett överskott om 300 tkr", "amount") == 1.0
    assert holds_type("i januari", "date") == 1.0
    assert holds_type("inget belopp", "amount") == 0.0
    assert holds_type("Överskottet beror på vakanta tjänster.", "reason") == 1.0
    assert holds_type("Projektet leds av näringslivschefen.", "person") == 1.0


def test_outcome_and_party_questions_are_told_apart() -> None:
    assert analyse("Hur många nya medlemmar fick FRG?").outcome
    assert not analyse("Hur många nya medlemmar ska FRG rekrytera?").outcome
    assert analyse("Vad tycker Moderaterna om budgeten?").party
    assert not analyse("Vad säger rapporten om budgeten?").party


def test_two_rows_that_would_read_alike_are_told_apart_by_their_tables_titles() -> None:
    text = (
        "Kommunstyrelsen\tBudget 2020\tBokfört 2020\nVerksamhetsnetto\t-2 486\t-2 829\n\n"
        "Gemensam administration\tBudget 2020\tBokfört 2020\nVerksamhetsnetto\t-40 576\t-36 213"
    )
    chunk = Chunk(id="d:0", doc_id="d", text=text, section=(), start=0, end=len(text))
    rows = [u for u in units(Hit(chunk, 1.0, 1)) if u.kind == "row"]
    assert answer_texts(rows) == [
        "Kommunstyrelsen – Verksamhetsnetto: Budget 2020: -2 486, Bokfört 2020: -2 829",
        "Gemensam administration – Verksamhetsnetto: Budget 2020: -40 576, Bokfört 2020: -36 213",
    ]
    assert answer_texts(rows[1:]) == [
        "Verksamhetsnetto: Budget 2020: -40 576, Bokfört 2020: -36 213"
    ]
