"""Dump text as pages show it (generator/text.py), and the charts drawn from it."""

from __future__ import annotations

import re
from datetime import date

import lxml.etree
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.charts import month_bars, stacked_bars
from generator.models import Brief, Day
from generator.text import OPENING_MAX, SHORT_ABSTRACT, display, opening


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (r"improves accuracy by 15\% over", "improves accuracy by 15% over"),
        (r"as in prior work~mnih2007three and Fig.~3", "as in prior work mnih2007three and Fig. 3"),
        (r"we \emph{robustly} and \textbf{quickly} align", "we robustly and quickly align"),
        (r"runs in $O(n^2)$ time with $\alpha=0.5$", "runs in O(n²) time with α=0.5"),
        (r"a loss of $10^{-3}$ and $x_i \leq \epsilon$", "a loss of 10⁻³ and x_i ≤ ε"),
        (r"R\&D at 5\$ each", "R&D at 5$ each"),
        (r"keeps the {\em status quo} and {\it short-term} gains", "keeps the status quo and short-term gains"),
        (r"MC\textsuperscript{2} and H\textsubscript{2}O, not R\textsuperscript{x}", "MC² and H₂O, not R^x"),
        (r"code at \url{https://etods.net/}.", "code at https://etods.net/."),
        ("Q&amp;A on &lt;b&gt; tags, caf&#233; and caf&#xE9;", "Q&A on <b> tags, café and café"),
        ("&#92;emph{x} and &amp;amp;", "\\emph{x} and &amp;"),  # what a reference gives is shown as it is
        (
            "CAA computes ``steering vectors'' by ``information explosion,'' then",
            "CAA computes “steering vectors” by “information explosion,” then",
        ),
        (
            'a reward, ``Follow-up Likelihood as Reward" (FLR), matches',
            "a reward, “Follow-up Likelihood as Reward” (FLR), matches",
        ),
    ],
)
def test_latex_leftovers_read_as_text(raw, shown):
    assert display(raw) == shown


@pytest.mark.parametrize(
    "text",
    [
        "https://example.org/~user/page",
        "about ~3 times",
        "a ~ b",
        "plain text",
        "costs $5 and more",
        "<b>$</b>",
        "AT&T and R&D, a&paragraph, &copy without its semicolon, & alone",
        "`code` spans and a ``quote never closed",
    ],
)
def test_text_without_latex_leftovers_is_left_alone(text):
    assert display(text) == text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000))
def test_opening_and_rest_are_the_whole_abstract(abstract):
    first, rest = opening(abstract)
    whole = " ".join(display(abstract).split())
    assert first + rest == whole
    assert len(first) <= max(OPENING_MAX, SHORT_ABSTRACT)
    assert not rest or rest.startswith(" ") or " " not in whole[:OPENING_MAX]


def test_opening_is_the_first_sentence_or_two():
    first_sentence = "We study how language models represent time."  # short: the second comes along
    second = "Across twelve models and three probing methods, we find a linear representation of dates."
    rest = " ".join(["Further experiments confirm this in detail and at length."] * 8)
    first, remainder = opening(f"{first_sentence} {second} {rest}")
    assert first == f"{first_sentence} {second}"
    assert remainder == f" {rest}"
    long_first = "Word " * 90 + "end."
    first, remainder = opening(long_first + " Next sentence here. " * 5)
    assert len(first) <= OPENING_MAX and first + remainder == " ".join(
        (long_first + " Next sentence here. " * 5).split()
    )


def _brief(day: date, n: int, theme: str) -> Brief:
    return Brief(f"p{day}-{n}", "t", day, (theme,), (day,), n, "")


def _bar_xs(svg: str) -> dict[str, float]:
    """Bar x by its tooltip's date label."""
    root = lxml.etree.fromstring(svg.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    return {
        rect.findtext("s:title", namespaces=ns).split(":")[0]: float(rect.get("x"))
        for rect in root.iterfind(".//s:rect", ns)
        if rect.find("s:title", ns) is not None
    }


def test_chart_time_axis_leaves_gaps_for_missing_days():
    days = [
        Day(d, tuple(_brief(d, i, "a") for i in range(3)), ())
        for d in (date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 11))
    ]
    xs = _bar_xs(stacked_bars(days, []))
    step = xs["2 Jan"] - xs["1 Jan"]
    assert step > 0 and xs["11 Jan"] - xs["2 Jan"] == pytest.approx(9 * step, abs=0.5)  # nine days on, not one bar on


def test_month_chart_leaves_gaps_for_missing_months_and_labels_its_axes():
    months = [(date(2026, 1, 1), [1, 2]), (date(2026, 2, 1), [1]), (date(2026, 7, 1), [1, 2, 3])]
    svg = month_bars(months, "c")
    xs = _bar_xs(svg)
    assert xs["Jul 2026"] - xs["Feb 2026"] == pytest.approx(5 * (xs["Feb 2026"] - xs["Jan 2026"]), abs=0.5)
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert "Month first seen" in texts and "Papers" in texts and "0" in texts


# Okabe & Ito (2008), black aside: told apart with any common colour-vision deficiency.
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def test_stacked_chart_uses_the_colour_blind_safe_palette_and_groups_the_rest():
    themes = [f"t{i}" for i in range(10)]
    day = date(2026, 3, 1)
    days = [Day(day, tuple(_brief(day, n, t) for n, t in enumerate(themes * 2)), ())]
    svg = stacked_bars(days, [])
    fills = {f.upper() for f in re.findall(r'fill="(#[0-9A-Fa-f]{6})"', svg)}
    assert fills <= OKABE_ITO | {"#999999"} and "#999999" in fills
    assert len(fills) == 8  # seven themes in colours of their own, the other three in grey
    assert "Remaining themes" in svg
