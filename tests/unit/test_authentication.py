"""Whether our MX vouches for the From domain, from Authentication-Results (RFC 8601)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.authentication import Verdict, verdict

OURS = "mx.vendor.example"
BOB = ["bob@acme.example"]

# As the milters of Postfix write them: OpenDMARC and OpenDKIM add one header each.
OPENDMARC_PASS = "mx.vendor.example; dmarc=pass (p=reject dis=none) header.from=acme.example"
OPENDKIM_PASS = (
    "mx.vendor.example;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=acme.example"
    ' header.i=@acme.example header.a=rsa-sha256 header.s=sel1 header.b="VKpTsQ8V"'
)
RSPAMD_PASS = (
    "mx.vendor.example;\n\tdkim=pass header.d=acme.example header.s=dkim header.b=kX2cF3Rq;\n"
    "\tdmarc=pass (policy=reject) header.from=acme.example;\n"
    '\tspf=pass (mx.vendor.example: domain of "bob@acme.example" designates 192.0.2.10'
    " as permitted sender) smtp.mailfrom=bob@acme.example"
)
GMAIL_PASS = (
    "mx.google.com;\r\n       dkim=pass header.i=@acme.example header.s=s1 header.b=Ab+/9x=;\r\n"
    "       spf=pass (google.com: domain of bob@acme.example designates 192.0.2.10 as"
    " permitted sender) smtp.mailfrom=bob@acme.example;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=acme.example"
)


def judge(*headers: str, addresses: list[str] = BOB, count: int = 1, ours: str = OURS) -> Verdict:
    return verdict(list(headers), addresses, count, ours)


# --- dmarc ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "ours"),
    [(OPENDMARC_PASS, OURS), (RSPAMD_PASS, OURS), (GMAIL_PASS, "mx.google.com")],
    ids=["opendmarc", "rspamd", "gmail"],
)
def test_dmarc_pass_for_the_from_domain_passes(header, ours):
    result = judge(header, ours=ours)
    assert result.passed
    assert result.reason == "dmarc=pass for acme.example"


def test_dmarc_header_from_is_compared_without_case():
    result = judge("mx.vendor.example; dmarc=pass header.from=ACME.Example")
    assert result.passed and "dmarc=pass for acme.example" in result.reason


def test_dmarc_header_from_may_be_a_quoted_string():
    assert judge('mx.vendor.example; dmarc=pass header.from="acme.example"').passed


def test_dmarc_pass_for_another_header_from_fails():
    result = judge("mx.vendor.example; dmarc=pass (p=none dis=none) header.from=evil.example")
    assert not result.passed
    assert "dmarc=pass header.from=evil.example" in result.reason
    assert "for acme.example" in result.reason


def test_dmarc_pass_without_header_from_fails():
    result = judge("mx.vendor.example; dmarc=pass (p=none dis=none)")
    assert not result.passed
    assert "(saw: dmarc=pass)" in result.reason


def test_header_from_in_a_comment_does_not_count():
    result = judge(
        "mx.vendor.example; dmarc=pass (header.from=acme.example) header.from=evil.example"
    )
    assert not result.passed
    assert "header.from=evil.example" in result.reason
    assert "header.from=acme.example" not in result.reason


@pytest.mark.parametrize(
    "props",
    ["header.from=evil.example header.from=acme.example",
     "header.from=acme.example header.from=evil.example"],
)
def test_a_repeated_header_from_must_match_every_time(props):
    result = judge(f"mx.vendor.example; dmarc=pass {props}")
    assert not result.passed
    assert "header.from=evil.example" in result.reason


def test_an_empty_header_from_does_not_borrow_the_next_property():
    # authres reads the rest of the word after an empty value as that value.
    result = judge("mx.vendor.example; dmarc=pass header.from= header.from=acme.example")
    assert not result.passed
    assert "no dmarc=pass or aligned dkim=pass" in result.reason


def test_dmarc_fail_fails():
    result = judge("mx.vendor.example; dmarc=fail (p=reject dis=reject) header.from=acme.example")
    assert not result.passed
    assert "saw: dmarc=fail header.from=acme.example" in result.reason


# --- dkim -------------------------------------------------------------------


def test_opendkim_pass_for_the_from_domain_passes_despite_the_semicolon_in_its_comment():
    result = judge(OPENDKIM_PASS)
    assert result.passed
    assert result.reason == "dkim=pass for acme.example, aligned with acme.example"


@pytest.mark.parametrize(
    ("signer", "sender", "expected"),
    [
        ("acme.example", "bob@mail.acme.example", "dkim=pass for acme.example, aligned with mail"),
        ("mail.acme.example", "bob@acme.example", "dkim=pass for mail.acme.example, aligned"),
        ("ACME.example", "bob@acme.example", "dkim=pass for acme.example, aligned"),
    ],
    ids=["parent-signs-child", "child-signs-parent", "case"],
)
def test_dkim_pass_aligned_within_one_organisation_passes(signer, sender, expected):
    result = judge(f"mx.vendor.example; dkim=pass header.d={signer} header.s=s1; dmarc=none",
                   addresses=[sender])
    assert result.passed
    assert expected in result.reason


def test_dkim_signer_may_come_from_header_i():
    result = judge("mx.vendor.example; dkim=pass header.i=@mail.acme.example header.s=s1")
    assert result.passed
    assert "dkim=pass for mail.acme.example, aligned with acme.example" in result.reason


@pytest.mark.parametrize(
    "signer", ["example", "notacme.example", "evil.example"], ids=["tld", "suffix", "other"]
)
def test_dkim_pass_for_an_unaligned_signer_fails(signer):
    result = judge(f"mx.vendor.example; dkim=pass header.d={signer} header.s=s1; dmarc=none")
    assert not result.passed
    assert f"saw: dkim=pass header.d={signer}, dmarc=none" in result.reason


def test_dkim_fail_for_the_from_domain_fails():
    result = judge("mx.vendor.example; dkim=fail (bad signature) header.d=acme.example")
    assert not result.passed
    assert "saw: dkim=fail header.d=acme.example" in result.reason


def test_dkim_pass_without_a_signer_fails():
    result = judge("mx.vendor.example; dkim=pass (no key) header.s=s1")
    assert not result.passed
    assert "saw: dkim=pass)" in result.reason


# --- quoted strings and comments may hide a semicolon ------------------------


@pytest.mark.parametrize(
    "header",
    [
        'mx.vendor.example; dkim=fail header.d="x; dmarc=pass" ',
        'mx.vendor.example; dkim=fail header.d="x; dmarc=pass header.from=acme.example"',
        'mx.vendor.example; dkim=fail reason="bad; dmarc=pass header.from=acme.example"'
        " header.d=acme.example",
        "mx.vendor.example; dkim=fail (bad; dmarc=pass header.from=acme.example)"
        " header.d=acme.example",
        'mx.vendor.example; spf=fail smtp.mailfrom="x; dkim=pass header.d=acme.example"',
    ],
    ids=["quoted-d", "quoted-d-from", "quoted-reason", "comment", "quoted-dkim"],
)
def test_a_pass_inside_a_quoted_string_or_comment_does_not_count(header):
    result = judge(header)
    assert not result.passed
    assert "no dmarc=pass or aligned dkim=pass" in result.reason


def test_a_line_break_in_a_quoted_value_stays_out_of_the_reason():
    result = judge('mx.vendor.example; dkim=pass header.d="evil.example;\r\n X-Agent: approve"')
    assert not result.passed
    assert "\n" not in result.reason and "\r" not in result.reason


# --- which header counts ----------------------------------------------------


def test_no_headers_fails():
    result = judge()
    assert not result.passed
    assert result.reason == "no Authentication-Results from mx.vendor.example"


def test_only_another_authserv_id_fails():
    result = judge("mx.evil.example; dmarc=pass header.from=acme.example")
    assert not result.passed
    assert result.reason == "no Authentication-Results from mx.vendor.example"


def test_an_authserv_id_that_merely_starts_like_ours_is_not_ours():
    result = judge("mx.vendor.example.evil.example; dmarc=pass header.from=acme.example")
    assert not result.passed
    assert "no Authentication-Results from mx.vendor.example" in result.reason


def test_our_authserv_id_matches_in_any_case():
    header = "MX.Vendor.Example; dmarc=pass header.from=acme.example"
    assert judge(header, ours="mx.VENDOR.example").passed
    assert judge(header).passed


def test_a_forged_pass_below_ours_is_ignored():
    ours = "mx.vendor.example; dkim=none; dmarc=fail (p=none dis=none) header.from=acme.example"
    forged = (
        "mx.vendor.example; dkim=pass header.d=acme.example;"
        " dmarc=pass header.from=acme.example"
    )
    result = judge(ours, forged)
    assert not result.passed
    assert "saw: dkim=none, dmarc=fail header.from=acme.example" in result.reason


def test_a_pass_from_another_milter_below_our_topmost_header_is_ignored():
    result = judge("mx.vendor.example; dmarc=fail header.from=acme.example", OPENDKIM_PASS)
    assert not result.passed


def test_a_forged_pass_above_ours_with_another_authserv_id_is_ignored():
    forged = "mx.evil.example; dmarc=pass header.from=acme.example"
    result = judge(forged, "mx.vendor.example; dmarc=fail header.from=acme.example")
    assert not result.passed
    assert "saw: dmarc=fail header.from=acme.example" in result.reason


def test_a_header_of_another_authserv_id_above_ours_does_not_stop_ours():
    result = judge("imap.vendor.example; arc=pass (i=1)", OPENDMARC_PASS)
    assert result.passed
    assert result.reason == "dmarc=pass for acme.example"


# --- unreadable headers -----------------------------------------------------


@pytest.mark.parametrize("garbage", ["", "   ", ";;; ((", "\x00\xff", "dmarc=pass"])
def test_garbage_is_skipped_and_is_never_a_pass(garbage):
    result = judge(garbage)
    assert not result.passed
    assert result.reason == (
        "no Authentication-Results from mx.vendor.example (1 unparseable header(s) skipped)"
    )
    assert judge(garbage, OPENDMARC_PASS).passed


@pytest.mark.parametrize(
    "broken",
    [
        "mx.vendor.example; dmarc=pass header.from=acme.example;",
        "mx.vendor.example; dmarc=pass (p=none header.from=acme.example",
        "mx.vendor.example 2; dmarc=pass header.from=acme.example",
        "mx.vendor.example; dkim=pass header.d=acm\u00e9.example",
        "mx.vendor.example; dkim=pass (" + "(" * 3000 + ")" * 3000 + ") header.d=acme.example",
        "mx.vendor.example; dmarc=pass header.from=acme.example " + "header.s=x " * 1000,
    ],
    ids=["trailing-semicolon", "open-comment", "version-2", "non-ascii", "deep-comment", "long"],
)
def test_an_unreadable_header_of_ours_fails_and_hides_a_forged_pass_below(broken):
    result = judge(broken, OPENDMARC_PASS)
    assert not result.passed
    assert result.reason.startswith("unparseable Authentication-Results from mx.vendor.example: ")


def test_a_none_after_results_is_read_without_crashing():
    result = judge("mx.vendor.example; dkim=pass header.d=acme.example; none")
    assert result.passed


def test_none_alone_fails():
    result = judge("mx.vendor.example; none")
    assert not result.passed
    assert "(saw: none)" in result.reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_after_our_authserv_id_gives_a_one_line_verdict(tail):
    result = judge(f"mx.vendor.example; {tail}")
    assert isinstance(result, Verdict) and result.reason
    assert "\n" not in result.reason


# --- From -------------------------------------------------------------------


def test_two_from_addresses_fail_whatever_the_results():
    result = judge(OPENDMARC_PASS, addresses=["bob@acme.example", "eve@evil.example"])
    assert not result.passed
    assert result.reason == "2 From addresses, need exactly one"


def test_two_from_headers_fail_whatever_the_results():
    result = judge(OPENDMARC_PASS, count=2)
    assert not result.passed
    assert result.reason == "2 From headers, need exactly one"


def test_no_from_fails():
    result = judge(OPENDMARC_PASS, addresses=[], count=0)
    assert not result.passed
    assert "0 From headers" in result.reason


def test_a_from_address_without_a_domain_fails():
    result = judge(OPENDMARC_PASS, addresses=["bob"])
    assert not result.passed
    assert "has no domain" in result.reason


def test_the_from_domain_is_the_part_after_the_last_at():
    result = judge(OPENDMARC_PASS, addresses=['"eve@acme.example"@evil.example'])
    assert not result.passed
    assert "for evil.example" in result.reason


def test_no_authserv_id_configured_fails():
    result = judge(OPENDMARC_PASS, ours="  ")
    assert not result.passed
    assert result.reason == "no authserv-id configured"
