"""Reading a consent answer: only an unambiguous yes is consent (RODO art. 7).

``read_consent`` returns one of ``given``, ``refused``, ``unclear``, ``missing``:

- the comparison ignores case, diacritics, spaces (NBSP included), invisible
  characters and punctuation around words;
- the answer is cut into parts at commas, dashes, slashes, semicolons and
  sentence ends (``TAK – wyrażam zgodę`` = ``tak`` + ``wyrazam zgode``);
- **given**: every part is a yes (``tak``, ``wyrażam zgodę``, ``zgadzam się``,
  a checked checkbox: ``TRUE``, ``1``, ``✓``, ``x``) or a yes-sentence with no
  negation word (``Wyrażam zgodę na przetwarzanie ...``), or the whole answer is
  one of the form's own option texts configured in the project YAML;
- **refused**: every part is a refusal (``nie``, ``nie wyrażam zgody``,
  ``odmawiam``, ``brak zgody``, ``No``, ``0``, ``false``) or a polite filler
  (``nie, dziękuję``);
- **unclear**: anything else — ``-``, ``?``, ``może``, ``tak/nie``, any answer
  with a question mark, and a yes that also contains a negation
  (``Tak, ale nie wyrażam zgody``): contradictory, so it is *not* consent and
  staff must ask again;
- **missing**: nothing but spaces or invisible characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from synergia.validation.text import fold, visible

ConsentAnswer = Literal["given", "refused", "unclear", "missing"]

YES = {
    "tak",
    "t",
    "yes",
    "y",
    "true",
    "1",
    "x",
    "v",
    "✓",
    "✔",
    "☑",
    "✅",
    "wyrazam zgode",
    "tak wyrazam zgode",
    "zgadzam sie",
    "tak zgadzam sie",
    "zgoda",
    "wyrazam",
    "akceptuje",
    "potwierdzam",
    "oczywiscie",
    "tak oczywiscie",
    "udzielam zgody",
    "zaznaczone",
    "checked",
}
#: A yes-sentence: the form's option text usually starts like this ("Wyrażam zgodę na przetwarzanie...").
YES_SENTENCE = re.compile(r"^(tak )?(wyrazam zgode|zgadzam sie|udzielam zgody|akceptuje|potwierdzam)\b")
NO = {
    "nie",
    "n",
    "no",
    "false",
    "0",
    "brak",
    "brak zgody",
    "nie wyrazam zgody",
    "nie wyrazam",
    "nie zgadzam sie",
    "nie zgoda",
    "odmawiam",
    "odmawiam zgody",
    "odmowa",
    "nie akceptuje",
    "nie udzielam zgody",
    "nie chce",
    "nie dziekuje",
    "no thanks",
    "no thank you",
    "sprzeciw",
    "sprzeciwiam sie",
    "wycofuje zgode",
    "cofam zgode",
    "nie wyrazam zgody na przetwarzanie",
    "✗",
    "✘",
    "☐",
    "❌",
    "nie zaznaczone",
    "unchecked",
}
REFUSAL_SENTENCE = re.compile(r"^(nie )?(nie wyrazam zgody|nie zgadzam sie|nie udzielam zgody|odmawiam|sprzeciwiam sie|wycofuje zgode)\b")
FILLER = {"dziekuje", "dziekuje bardzo", "dzieki", "thanks", "thank you", "pozdrawiam"}
NEGATION_WORDS = {
    "nie",
    "no",
    "not",
    "brak",
    "bez",
    "odmawiam",
    "odmowa",
    "sprzeciw",
    "sprzeciwiam",
    "wycofuje",
    "cofam",
    "false",
    "nigdy",
    "never",
}

_PARTS = re.compile(r"[,;/|\\–—―‒\-:!()\[\]{}\"'„”“«»]+|\.+|…")
_WORD = re.compile(r"[^\W_]+|[✓✔☑✅✗✘☐❌]")


def answer_key(text: str | None) -> str:
    """The folded words of an answer, for comparing with configured option texts."""
    return " ".join(_WORD.findall(fold(text)))


def read_consent(text: str | None, accept: Iterable[str] = ()) -> ConsentAnswer:
    """``given`` / ``refused`` / ``unclear`` / ``missing`` (see the module). ``accept``: the form's own
    yes-texts. Answers repeat on every row (a form has a few options): each is read once."""
    return _read_consent(text or "", tuple(accept))


@lru_cache(maxsize=20_000)
def _read_consent(text: str, accept: tuple[str, ...]) -> ConsentAnswer:
    if not visible(text):
        return "missing"
    key = answer_key(text)
    if key and key in {answer_key(a) for a in accept}:
        return "given"
    folded = fold(text)
    if "?" in folded or "¿" in folded:
        return "unclear"
    parts = [" ".join(_WORD.findall(p)) for p in _PARTS.split(folded)]
    parts = [p for p in parts if p]
    if not parts:
        return "unclear"  # only punctuation: "-", "...", "*"
    words = set(key.split())
    has_negation = bool(words & NEGATION_WORDS)
    kinds = set()
    for part in parts:
        if part in YES or (YES_SENTENCE.match(part) and not has_negation):
            kinds.add("yes")
        elif part in NO or REFUSAL_SENTENCE.match(part):
            kinds.add("no")
        elif part in FILLER:
            continue
        else:
            kinds.add("other")
    if kinds == {"yes"} and not has_negation:
        return "given"
    if kinds == {"no"}:
        return "refused"
    return "unclear"
