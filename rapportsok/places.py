"""Sweden's 290 municipalities and the names their organisations go by ("Göteborgs Stad",
"Borlänge kommun", "Simrishamns kommun"): what report metadata, query understanding and
the UI's names of publishers all read, defined once."""

from __future__ import annotations

import unicodedata

_BY_COUNTY = """
Botkyrka Danderyd Ekerö Haninge Huddinge Järfälla Lidingö Nacka Norrtälje Nykvarn Nynäshamn
Salem Sigtuna Sollentuna Solna Stockholm Sundbyberg Södertälje Tyresö Täby Upplands_Väsby
Upplands-Bro Vallentuna Vaxholm Värmdö Österåker
Enköping Heby Håbo Knivsta Tierp Uppsala Älvkarleby Östhammar
Eskilstuna Flen Gnesta Katrineholm Nyköping Oxelösund Strängnäs Trosa Vingåker
Boxholm Finspång Kinda Linköping Mjölby Motala Norrköping Söderköping Vadstena Valdemarsvik
Ydre Åtvidaberg Ödeshög
Aneby Eksjö Gislaved Gnosjö Habo Jönköping Mullsjö Nässjö Sävsjö Tranås Vaggeryd Vetlanda
Värnamo
Alvesta Lessebo Ljungby Markaryd Tingsryd Uppvidinge Växjö Älmhult
Borgholm Emmaboda Hultsfred Högsby Kalmar Mönsterås Mörbylånga Nybro Oskarshamn Torsås
Vimmerby Västervik
Gotland
Karlshamn Karlskrona Olofström Ronneby Sölvesborg
Bjuv Bromölla Burlöv Båstad Eslöv Helsingborg Hässleholm Höganäs Hörby Höör Klippan
Kristianstad Kävlinge Landskrona Lomma Lund Malmö Osby Perstorp Simrishamn Sjöbo Skurup
Staffanstorp Svalöv Svedala Tomelilla Trelleborg Vellinge Ystad Åstorp Ängelholm Örkelljunga
Östra_Göinge
Falkenberg Halmstad Hylte Kungsbacka Laholm Varberg
Ale Alingsås Bengtsfors Bollebygd Borås Dals-Ed Essunga Falköping Färgelanda Grästorp
Gullspång Göteborg Götene Herrljunga Hjo Härryda Karlsborg Kungälv Lerum Lidköping
Lilla_Edet Lysekil Mariestad Mark Mellerud Munkedal Mölndal Orust Partille Skara Skövde
Sotenäs Stenungsund Strömstad Svenljunga Tanum Tibro Tidaholm Tjörn Tranemo Trollhättan
Töreboda Uddevalla Ulricehamn Vara Vårgårda Vänersborg Åmål Öckerö
Arvika Eda Filipstad Forshaga Grums Hagfors Hammarö Karlstad Kil Kristinehamn Munkfors
Storfors Sunne Säffle Torsby Årjäng
Askersund Degerfors Hallsberg Hällefors Karlskoga Kumla Laxå Lekeberg Lindesberg
Ljusnarsberg Nora Örebro
Arboga Fagersta Hallstahammar Kungsör Köping Norberg Sala Skinnskatteberg Surahammar Västerås
Avesta Borlänge Falun Gagnef Hedemora Leksand Ludvika Malung-Sälen Mora Orsa Rättvik
Smedjebacken Säter Vansbro Älvdalen
Bollnäs Gävle Hofors Hudiksvall Ljusdal Nordanstig Ockelbo Ovanåker Sandviken Söderhamn
Härnösand Kramfors Sollefteå Sundsvall Timrå Ånge Örnsköldsvik
Berg Bräcke Härjedalen Krokom Ragunda Strömsund Åre Östersund
Bjurholm Dorotea Lycksele Malå Nordmaling Norsjö Robertsfors Skellefteå Sorsele Storuman Umeå
Vilhelmina Vindeln Vännäs Åsele
Arjeplog Arvidsjaur Boden Gällivare Haparanda Jokkmokk Kalix Kiruna Luleå Pajala Piteå
Älvsbyn Överkalix Övertorneå
"""

MUNICIPALITIES: tuple[str, ...] = tuple(n.replace("_", " ") for n in _BY_COUNTY.split())

# Municipalities whose organisation is a "stad", by its own spelling (Göteborg writes Stad).
_CITIES = {
    "Borås": "Borås Stad",
    "Göteborg": "Göteborgs Stad",
    "Haparanda": "Haparanda stad",
    "Helsingborg": "Helsingborgs stad",
    "Landskrona": "Landskrona stad",
    "Lidingö": "Lidingö stad",
    "Malmö": "Malmö stad",
    "Mölndal": "Mölndals stad",
    "Solna": "Solna stad",
    "Stockholm": "Stockholms stad",
    "Sundbyberg": "Sundbybergs stad",
    "Trollhättan": "Trollhättans stad",
    "Vaxholm": "Vaxholms stad",
    "Västerås": "Västerås stad",
}
# Names whose "X kommun" is no plain genitive.
_KOMMUN = {"Falun": "Falu kommun", "Gotland": "Region Gotland", "Mark": "Marks kommun"}


def fold_name(text: str) -> str:
    """Lower case without accents: "Göteborg" and "goteborg" (a file name) fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _key(text: str) -> str:
    return fold_name(text).replace(" ", "").replace("-", "")


_BY_KEY = {_key(n): n for n in MUNICIPALITIES}


def municipality_named(word: str) -> str | None:
    """The municipality `word` names, with or without its genitive -s and accents
    ("Göteborgs", "goteborg", "Borlänge"), or None."""
    key = _key(word)
    return _BY_KEY.get(key) or (_BY_KEY.get(key[:-1]) if key.endswith("s") else None)


def organisation_of(municipality: str) -> str:
    """The name a municipality's organisation usually goes by: "Göteborgs Stad",
    "Borlänge kommun" (no -s after a vowel or an s), "Simrishamns kommun"."""
    if municipality in _CITIES:
        return _CITIES[municipality]
    if municipality in _KOMMUN:
        return _KOMMUN[municipality]
    if municipality[-1].lower() in "aeiouyåäösxz":
        return f"{municipality} kommun"
    return f"{municipality}s kommun"
