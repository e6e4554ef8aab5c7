"""Dump text as pages show it: common LaTeX leftovers made readable, and an abstract's opening.

Pure string functions. The archive (`papers.json`) keeps the raw text; pages and feeds show
it through these. Nothing here produces markup: the result is escaped like any other dump text.
"""

from __future__ import annotations

import functools
import html
import re

# Escaped characters: "15\%" -> "15%".
_ESCAPED = re.compile(r"\\([%&_#$])")
# Text-style commands whose argument is plain text: "\emph{robust}" -> "robust".
_TEXT_COMMAND = re.compile(
    r"\\(?:emph|textbf|textit|texttt|textsc|textrm|textsf|underline|text|url|math(?:rm|bf|it|cal|bb))\{([^{}\\]*)\}"
)
# An old-style font switch inside braces: "{\em status quo}" -> "status quo".
_FONT_SWITCH = re.compile(r"\{\\(?:em|it|bf|sl|sc|tt|rm|sf)\s+([^{}\\]*)\}")
# Raised or lowered text: "MC\textsuperscript{2}" -> "MC²" (letters without a form: "MC^x").
_SCRIPT_COMMAND = re.compile(r"\\text(super|sub)script\{([^{}\\]{1,12})\}")
# A character reference left from a web page: "&amp;", "&#233;", "&#xE9;" (with its ";" only, so
# "AT&T" and "a&paragraph" stay as they are).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A tie between words, or a tie left from a citation: "Fig.~3", "models~mnih2007three" -> a space.
_TIE = re.compile(r"(?<=[A-Za-z0-9.,;:)\]])~(?=[A-Za-z0-9(\[\\])")
# TeX quotation marks: "``steering vectors''" -> "“steering vectors”" (paired only; a straight
# double quote closes them too, as some abstracts write it).
_TEX_QUOTES = re.compile(r"``([^`\"]{1,300}?)(?:''|\")")
# Inline maths: "$O(n^2)$". Short, on one stretch, not an escaped dollar.
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]{1,120}?)(?<!\\)\$(?!\$)")
_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "times": "×", "cdot": "·", "pm": "±", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "approx": "≈", "sim": "~", "infty": "∞", "to": "→",
    "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "in": "∈", "sum": "∑",
    "ell": "ℓ", "partial": "∂", "nabla": "∇", "log": "log", "exp": "exp", "%": "%",
    "sqrt": "√", "ldots": "…", "dots": "…", "cdots": "⋯", "mid": "|",
}  # fmt: skip
_COMMAND = re.compile(r"\\([A-Za-z]+|%)")
_SUPERSCRIPT = str.maketrans("0123456789+-()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿ")
_SUBSCRIPT = str.maketrans("0123456789+-()", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]{1,12})\}|([0-9A-Za-z+\-]))")


def _script(match: re.Match[str]) -> str:
    body = match.group(2) if match.group(2) is not None else match.group(3)
    return _scripted(match.group(1), body)


def _script_command(match: re.Match[str]) -> str:
    return _scripted("^" if match.group(1) == "super" else "_", match.group(2))


def _scripted(mark: str, body: str) -> str:
    """Raised (mark "^") or lowered ("_") text in Unicode when every character has a form."""
    table = _SUPERSCRIPT if mark == "^" else _SUBSCRIPT
    if all(ord(c) in table for c in body):
        return body.translate(table)
    return mark + body  # letters without a Unicode form: "x_{i}" -> "x_i"


def _command(match: re.Match[str]) -> str:
    name = match.group(1)
    return _SYMBOLS.get(name, name)


def _maths(match: re.Match[str]) -> str:
    """Inline maths as plain text: "$O(n^2)$" -> "O(n²)", "$\\alpha=0.5$" -> "α=0.5"."""
    body = _TEXT_COMMAND.sub(r"\1", match.group(1))
    body = _COMMAND.sub(_command, body)
    body = _SCRIPT.sub(_script, body)
    return body.replace("{", "").replace("}", "").replace("\\", "")


@functools.lru_cache(maxsize=4096)
def display(text: str) -> str:
    """Text as a reader expects it: "15\\%" -> "15%", "Fig.~3" -> "Fig. 3", "\\emph{x}" -> "x",
    "$O(n^2)$" -> "O(n²)", "&amp;" -> "&", "``x''" -> "“x”". Text without a backslash, tilde,
    dollar, ampersand or two backquotes comes back as it is. Character references are read last,
    so that what they give ("&#92;" is a backslash) is shown as it is."""
    if "\\" not in text and "~" not in text and "$" not in text and "&" not in text and "``" not in text:
        return text
    text = _TEX_QUOTES.sub("\u201c\\1\u201d", text)
    text = _INLINE_MATH.sub(_maths, text)
    text = _SCRIPT_COMMAND.sub(_script_command, text)
    text = _FONT_SWITCH.sub(r"\1", text)
    text = _TEXT_COMMAND.sub(r"\1", text)
    text = _ESCAPED.sub(r"\1", text)
    text = _TIE.sub(" ", text)
    return _ENTITY.sub(lambda match: html.unescape(match.group()), text)


# Where a sentence ends: ". " before a capital letter, a digit or an opening quote or bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[“])")
OPENING_MIN = 120  # a first sentence shorter than this takes the second along
OPENING_MAX = 280  # an opening longer than this is cut at a word
SHORT_ABSTRACT = 360  # an abstract up to this long is shown whole


def opening(abstract: str) -> tuple[str, str]:
    """(opening, rest) of an abstract as pages show it (`display`, whitespace runs made one
    space): the first sentence or two, at most OPENING_MAX characters (cut at a word), and what
    follows, from the space that follows it; `opening + rest` is the whole text. A short
    abstract is all opening."""
    text = " ".join(display(abstract).split())
    if len(text) <= SHORT_ABSTRACT:
        return text, ""
    cut = 0
    for match in _SENTENCE_END.finditer(text, 0, OPENING_MAX + 1):
        if match.start() > OPENING_MAX:
            break
        cut = match.start()
        if cut >= OPENING_MIN:
            break
    if cut == 0:
        cut = text.rfind(" ", 0, OPENING_MAX)
        if cut <= 0:
            cut = OPENING_MAX  # one unbroken word: cut inside it
    return text[:cut], text[cut:]
