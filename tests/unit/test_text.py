"""Header lines, body text, file names and caps: what every sender-written string goes through."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.text import cap, clean_text, decode_bytes, one_line, safe_filename

_GONE = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


def test_one_line_drops_lone_surrogates_and_folds_breaks():
    assert one_line("Jos\ud800e\r\n  P\u2028rez\t") == "Jose P rez"


def test_one_line_ascii_controls_are_spaces_and_runs_collapse():
    assert one_line("  Re:\tprinter\r\n on\x00\x7ffire\x1f ") == "Re: printer on fire"


@pytest.mark.parametrize(("value", "expected"), [
    ("Ev\u202eil\u202c", "Evil"),  # bidi override and pop
    ("a\u2066b\u2069c\u200fd", "abcd"),  # isolates and a right-to-left mark
    ("pri\ue000vate", "private"),  # private use
    ("un\U000e0001\u0378assigned", "unassigned"),  # a tag character and an unassigned one
    ("zero\u200bwidth\ufeff", "zerowidth"),
    ("next\x85line\u2029para", "next line para"),  # NEL and the paragraph separator
])
def test_one_line_drops_invisible_characters(value, expected):
    assert one_line(value) == expected


def test_one_line_keeps_emoji_sequences_and_right_to_left_text():
    value = "\U0001F469\u200d\U0001F4BB \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"
    assert one_line(value) == value


def test_one_line_repairs_raw_header_bytes():
    # mail-parser's literal escape and the email package's surrogateescape, both of é
    assert one_line("Jos\\udce9 P\udce9rez") == "José Pérez"
    assert one_line("caf\\udcc3\\udca9") == "café"  # UTF-8 bytes stay UTF-8


def test_one_line_caps_without_leaving_a_trailing_space():
    assert one_line("abc def", 4) == "abc"
    assert one_line("ab\u00e9 def", 4) == "ab\u00e9"
    assert one_line("x" * 2000) == "x" * 998


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=50))
def test_one_line_gives_one_printable_line_and_a_second_pass_changes_nothing(value, limit):
    line = one_line(value, limit)
    assert len(line) <= limit and line == line.strip()
    assert "  " not in line
    assert all(ch == " " or not ch.isspace() for ch in line)
    assert not {unicodedata.category(ch) for ch in line} & _GONE
    assert all(ch == "\u200d" or unicodedata.category(ch) != "Cf" for ch in line)
    assert one_line(line, limit) == line


def test_clean_text_keeps_lines_and_tabs_and_drops_controls():
    value = "\r\n\nline 1\r\n\tindented\rline 3\x00\x07\x1b[31m\x7f\x85\n\n"
    assert clean_text(value) == "line 1\n\tindented\nline 3[31m"


def test_clean_text_drops_lone_surrogates_and_keeps_the_rest():
    assert clean_text("lone \ud800 high, \udce9 low") == "lone  high,  low"
    assert clean_text("\U0001F525 \u202eok") == "\U0001F525 \u202eok"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_clean_text_leaves_no_control_but_newline_and_tab(value):
    text = clean_text(value)
    assert "\r" not in text and not text.startswith("\n") and not text.endswith("\n")
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in text)
    assert clean_text(text) == text


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("/absolute/path/x.pdf", "x.pdf"),
    ("..", "attachment-3"),
    ("", "attachment-3"),
    (None, "attachment-3"),
    ("rep\r\nort\x00.txt", "rep ort .txt"),  # each control character is a separator
    ("a:b*c?.txt", "a_b_c_.txt"),
    ('<x>|"y".txt', "_x___y_.txt"),
    (" .hidden. ", "hidden"),
    ("Ev\u202eil.exe", "Evil.exe"),
    ("x" * 150 + ".tar.gz", "x" * 97 + ".gz"),
    ("x" * 150 + ".averylongextension", "x" * 100),  # not an extension: cut like the rest
])
def test_safe_filename(name, expected):
    assert safe_filename(name, 3) == expected


def test_safe_filename_fallback_may_be_a_name():
    assert safe_filename("...", "attachment") == "attachment"
    assert safe_filename("/", "unknown") == "unknown"
    assert safe_filename("", "") == ""


def test_safe_filename_has_one_spelling_of_each_name():
    assert safe_filename("informe an\u0303o.pdf", 1) == "informe a\u00f1o.pdf"


def test_safe_filename_cut_never_leaves_a_space_or_dot_before_the_extension():
    assert safe_filename("x" * 95 + " . " + "y" * 10 + ".pdf", 1) == "x" * 95 + ".pdf"
    assert safe_filename("x" * 99 + " " + "y" * 10, 1) == "x" * 99


def test_safe_filename_counts_bytes_too():
    name = safe_filename("\u6f22" * 100 + ".pdf", 1)
    assert name == "\u6f22" * 38 + ".pdf"  # 38 * 3 + 4 bytes: the most within 120
    emoji = safe_filename("\U0001F525" * 50, 1)
    assert emoji == "\U0001F525" * 30


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="ab./\\ :*\u00e9\u0301\u6f22\U0001F525\x00",
                                    max_size=300)))
def test_safe_filename_is_a_plain_bounded_name_and_a_second_pass_changes_nothing(value):
    name = safe_filename(value, 1)
    assert name and name not in (".", "..")
    assert len(name) <= 100 and len(name.encode("utf-8")) <= 120
    assert not set(name) & set('/\\<>:"|?*')
    assert name == name.strip(" .") and name == unicodedata.normalize("NFC", name)
    assert safe_filename(name, 1) == name


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("short", 10, "short"),
    ("exactly 10", 10, "exactly 10"),
    ("one two  three", 10, "one two\u2026"),  # the cut's trailing spaces go
    ("abcdefghijk", 10, "abcdefghi\u2026"),
    ("abc", 1, "\u2026"),
    ("abc", 0, ""),
])
def test_cap(text, limit, expected):
    assert cap(text, limit) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=0, max_value=40))
def test_cap_never_exceeds_the_limit_and_marks_every_cut(text, limit):
    capped = cap(text, limit)
    assert len(capped) <= limit
    assert capped == text or capped.endswith("\u2026") or limit == 0


def test_decode_bytes_prefers_the_declared_charset_and_falls_back_per_byte():
    assert decode_bytes("Gr\u00fc\u00dfe".encode("latin-1"), "iso-8859-1") == "Gr\u00fc\u00dfe"
    assert decode_bytes(b"caf\xe9", "no-such-charset") == "caf\u00e9"
    # UTF-8 and Windows-1252 in one header line, as raw 8-bit headers come
    assert decode_bytes("\u2014 ".encode() + b"Jos\xe9") == "\u2014 Jos\u00e9"
