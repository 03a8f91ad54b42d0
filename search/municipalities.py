"""Sweden's 290 municipalities, to notice a question about one the index has no report from.

"Hur hög var sjukfrånvaron i Östersund 2022?" cannot be answered from reports of Timrå and
Krokom, however similar their passages read; /ask says so instead of quoting a neighbour.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapportsok.places import MUNICIPALITIES

__all__ = ["MUNICIPALITIES", "named_municipalities"]


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    # Case-sensitive and capitalised, with an optional genitive -s: "Vara" the town, not
    # "vara" the verb; "Östersunds kommun" as well as "Östersund".
    names = sorted(MUNICIPALITIES, key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<![\w-])({alternatives})(?:s|'s|’s)?(?![\w-])")


def named_municipalities(text: str) -> list[str]:
    """Swedish municipalities that `text` names (capitalised; not as its very first word)."""
    found: list[str] = []
    for m in _pattern().finditer(text):
        if not text[: m.start()].strip():
            continue  # "Mark ..." or "Vara ..." opening a question is more likely a word
        if m.group(1) not in found:
            found.append(m.group(1))
    return found
