"""Which addresses the bot can write into To/Cc, and which Message-IDs it can thread on."""

from __future__ import annotations

import pytest

from rules.addresses import MESSAGE_ID, valid_message_id, writable_address


@pytest.mark.parametrize("addr", [
    "alice@acme.example",
    "o'brien+tag@mail.acme-corp.example",
    "X@Y.EXAMPLE",
    "first.last@acme.example",
    "support@localhost",
    "a!#$%&*/=?^_`{|}~-b@xn--bcher-kva.example",
])
def test_writable_addresses(addr):
    assert writable_address(addr)


@pytest.mark.parametrize("addr", [
    "jörg@acme.example",
    "jorg@acme.exämple",
    '"john doe"@acme.example',
    "bob@[192.0.2.1]",
    "a@@b",
    "a@b@c.example",
    "@b.example",
    "a@",
    "",
    "plain",
    "a b@c.example",
    "a@b..example",
    "a@b.example.",
    "a@.b.example",
    ".a@b.example",
    "a.@b.example",
    "a..b@c.example",
    "a@-b.example",
    "a@b-.example",
    "a@b_c.example",
    "a@" + "b" * 64 + ".example",
    "<a@b.example>",
    "Ann <a@b.example>",
    "a,b@c.example",
    "a;b@c.example",
    "a:b@c.example",
    "a(b)@c.example",
    "a\\b@c.example",
    "a@b.example\n",
    "a\r\nBcc: x@y.example",
])
def test_addresses_that_cannot_be_written_as_they_are(addr):
    assert not writable_address(addr)


@pytest.mark.parametrize("mid", [
    "<a@b>",
    "<CAF1x9y8z@mail.acme.example>",
    "<ack.1042.4f2a9c@vendor.example>",
    "<1234.5678$x+y=z@[192.0.2.1]>",
])
def test_valid_message_ids(mid):
    assert valid_message_id(mid)


@pytest.mark.parametrize("mid", [
    "a@b",
    "<a@b",
    "a@b>",
    "<>",
    "<ab>",
    "<@b>",
    "<a@>",
    "<a@b@c>",
    "<a b@c>",
    "<a@b c>",
    "<a\x00@b>",
    "<a\t@b>",
    "<j\u00f6rg@acme.example>",
    "<a<b@c>",
    "<a@b>c>",
    " <a@b>",
    "<a@b>\n",
    "<a@b> <c@d>",
])
def test_invalid_message_ids(mid):
    assert not valid_message_id(mid)


def test_message_id_pattern_finds_ids_in_a_header_value():
    value = "junk <root@a.example>\r\n <parent@b.example> <no-at> <x@y@z>"
    assert MESSAGE_ID.findall(value) == ["<root@a.example>", "<parent@b.example>"]


def test_an_encoded_word_is_no_address_we_write():
    # the composer's header parser would decode it, so the mail could not be built
    assert not writable_address("=?utf-8?q?x?=@acme.example")
    assert not writable_address("a=?utf-8?b?eA==?=b@acme.example")
