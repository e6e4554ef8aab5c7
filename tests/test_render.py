"""Render helpers: escaping that the pages rely on."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from generator.render import _escape, md_text


@given(st.text())
def test_fast_escape_is_byte_identical_to_markupsafe(text):
    assert _escape(text) == str(escape(text))


@given(st.text())
def test_markdown_text_has_no_markdown_or_html_syntax_left(text):
    out = re.sub(r"&#\d+;", "", str(md_text(text)))  # the references it writes are fine
    assert not set(out) & set("\\`*_{}[]()<>|!#&")
