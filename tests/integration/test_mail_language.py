"""What customers and the desk read, at a real SMTP sink: the customer's language (their
contact's setting, else the language of the mail that opened the ticket, else the
desk's), times in their zone, and the wording of the mails around a refusal."""

from __future__ import annotations

from tests.notifier_helpers import (
    ALICE,
    ANN,
    BOB,
    BOSS,
    CAROL,
    agent_mail,
    at,
    customer_mail,
    ingest,
    make_app,
    open_ticket,
    raw_mail,
    seed,
    set_contact,
    sink_mails,
    text_of,
)

OPENED = at(2026, 3, 2, 11, 0)  # Monday, inside plus's window (10:00-17:00 Madrid)
SPANISH = ("Hola:\n\nEl portal no carga desde esta mañana y no podemos trabajar con los "
           "documentos. ¿Pueden revisarlo, por favor?\n\nGracias,\nAlicia\n")
ENGLISH = "Hello,\n\nthe portal does not load since this morning and we cannot work.\n"
QUESTION = "Hello,\n\nhow do I add a colleague as a contact?\n"


def flat(text: str) -> str:
    return " ".join(text.split())


def delivered(app, sink):
    app.deliver()
    mails = sink_mails(sink)
    sink.clear()
    return mails


def to(mails, address):
    return [m for m in mails if address in [a.addr_spec for a in m["To"].addresses]]


def test_a_spanish_mail_gets_a_spanish_acknowledgement_in_the_contacts_zone(tmp_path,
                                                                           smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    set_contact(app, ALICE, timezone="America/Bogota")
    number = open_ticket(app, ALICE, "[Bloqueante] El portal no carga", SPANISH)
    [ack] = to(delivered(app, smtp_sink), ALICE)

    assert ack["Content-Language"] == "es"
    assert ack["Subject"] == f"Re: [Bloqueante] El portal no carga [#{number}]"
    text = flat(text_of(ack))
    assert text.startswith("Hola, Alice Ruiz: Gracias por ponerse en contacto con Vendor "
                           f"Support. Hemos abierto el ticket #{number} para su solicitud:")
    assert "GRAVEDAD: BLOQUEANTE" in text
    # a plus blocker: 6 business hours from Mon 11:00 Madrid is Mon 17:00 Madrid, 11:00 in
    # Bogotá; 10 hours is Tue 14:00 Madrid, 08:00 in Bogotá
    assert "Primera respuesta, como máximo: lunes 2 de marzo de 2026, 11:00 -05 " \
           "(America/Bogota) es decir, 6 horas hábiles después de recibir su mensaje" in text
    assert "Resolución, como máximo: martes 3 de marzo de 2026, 08:00 -05 " \
           "(America/Bogota)" in text
    assert "de lunes a viernes, de 04:00 a 11:00 en su hora local (de 10:00 a 17:00 en " \
           "Madrid), salvo festivos de España." in text
    assert "Europe/Madrid" not in text and "CET" not in text
    assert "«Gravedad: bloqueante»" in text and "Atentamente," in text
    app.close()


def test_the_agents_notice_of_a_spanish_ticket_stays_in_the_desks_language(tmp_path,
                                                                           smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    open_ticket(app, ALICE, "[Bloqueante] El portal no carga", SPANISH)
    [notice] = to(delivered(app, smtp_sink), ANN)
    assert notice["Content-Language"] == "en"
    assert notice["Subject"].startswith("New blocker ticket, acme:")
    app.close()


def test_the_relayed_answer_resolution_follow_the_ticket_and_a_contacts_setting_wins(
        tmp_path, smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    number = open_ticket(app, ALICE, "Consulta sobre informes", SPANISH)
    delivered(app, smtp_sink)

    agent_mail(app, ANN, number, "Buenos días, ya lo estamos revisando.\n")
    [answer] = to(delivered(app, smtp_sink), ALICE)
    assert answer["Content-Language"] == "es"
    assert "Ann vía Vendor Support" in str(answer["From"])
    assert f"Ticket #{number}: responda a este correo y mantenga «[#{number}]» en el " \
           "asunto." in flat(text_of(answer))

    # Alice asks for English: her setting beats the language her ticket was opened in
    set_contact(app, ALICE, language="en")
    customer_mail(app, ALICE, number, "Thanks. Any news?\n")
    delivered(app, smtp_sink)
    agent_mail(app, ANN, number, "Fixed now.\n#resolve\n")
    mails = to(delivered(app, smtp_sink), ALICE)
    assert sorted(m["X-Intakebot-Kind"] for m in mails) == ["agent_reply", "resolved"]
    assert all(m["Content-Language"] == "en" for m in mails)
    [resolved] = [m for m in mails if m["X-Intakebot-Kind"] == "resolved"]
    text = flat(text_of(resolved))
    assert f"Ticket #{number} was resolved by Ann on Mon 2 Mar 2026, 11:00 CET " \
           "(Europe/Madrid)." in text
    # one pair of brackets for the zone, then the window in words
    assert "reply to this email by Mon 9 Mar 2026, 11:00 CET (Europe/Madrid), that is " \
           "within 7 days, and we will reopen the ticket." in text
    app.close()


def test_a_mail_whose_language_is_unclear_gets_the_desks_language(tmp_path, smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port, support={"language": "es"})
    seed(app, OPENED)
    number = open_ticket(app, CAROL, "Error 500", "Error 500\n")
    mails = delivered(app, smtp_sink)
    [ack] = to(mails, CAROL)
    assert ack["Content-Language"] == "es"
    assert "Hola, Carol Diaz:" in text_of(ack)
    # a Spanish desk writes to its agents in Spanish too
    [notice] = to(mails, ANN)
    assert notice["Content-Language"] == "es"
    assert notice["Subject"].startswith("Nuevo ticket de gravedad ")
    assert notice["Subject"].endswith(f", acme: Error 500 [#{number}]")
    # ... and an English mail is answered in English
    open_ticket(app, ALICE, "Portal question", ENGLISH)
    [ack] = to(delivered(app, smtp_sink), ALICE)
    assert ack["Content-Language"] == "en"
    assert text_of(ack).startswith("Hello Alice Ruiz,")
    app.close()


def test_a_stranger_is_refused_in_the_language_they_wrote_in(tmp_path, smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    ingest(app, raw_mail("Pedro <pedro@acme.example>", "No funciona el portal", SPANISH))
    ingest(app, raw_mail("zed@other.example", "Portal down", ENGLISH))
    mails = delivered(app, smtp_sink)
    [spanish] = to(mails, "pedro@acme.example")
    assert spanish["Content-Language"] == "es"
    assert spanish["Subject"] == "Re: No funciona el portal (no se ha abierto ningún ticket)"
    text = flat(text_of(spanish))
    assert text.startswith("Hola, Pedro: Gracias por su mensaje a Vendor Support.")
    assert "Los contactos autorizados de acme son: - Alice Ruiz - Carol Diaz" in text
    [english] = to(mails, "zed@other.example")
    assert english["Content-Language"] == "en"
    # no display name: a neutral greeting, not "Hello there," or the address
    assert text_of(english).startswith("Hello,\r\n")
    app.close()


def test_a_quota_refusal_tells_the_customer_plainly_and_the_desk_once_a_day(tmp_path,
                                                                           smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port, plans={"plus": {"tickets_per_year": 1}})
    seed(app, OPENED)
    open_ticket(app, ALICE, "Portal question", ENGLISH)
    delivered(app, smtp_sink)

    # a question, so the refusal does not hang on an outage (a blocker is accepted); a
    # "[Trivial]" tag would only be a request
    handled = ingest(app, raw_mail(CAROL, "[Trivial] Another question", QUESTION))
    assert handled.outcome == "refused_quota"
    mails = delivered(app, smtp_sink)
    [refusal] = to(mails, CAROL)
    text = flat(text_of(refusal))
    assert "acme has used the only ticket of its plus plan for this contract year. The " \
           "contract year renews on 1 Jan 2027." in text
    assert "1 used" not in text and "all 1 tickets" not in text
    [told] = [m for m in mails if m["X-Intakebot-Kind"] == "quota_exhausted"]
    assert sorted(a.addr_spec for a in told["To"].addresses) == sorted([ANN, BOB, BOSS])
    assert told["Subject"] == "No tickets left: acme (plus plan) was refused a ticket"
    assert "intakebot account add-tickets acme N" in flat(text_of(told))

    # the same day, another refusal: the customer hears again, the desk does not
    ingest(app, raw_mail(ALICE, "[Trivial] And another", QUESTION))
    assert [m["X-Intakebot-Kind"] for m in delivered(app, smtp_sink)] == ["refused_quota"]
    app.close()


def test_the_accounts_own_managers_hear_of_its_quota_instead_of_every_manager(tmp_path,
                                                                             smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port, plans={"plus": {"tickets_per_year": 1}})
    seed(app, OPENED)
    with app.store.unit_of_work() as uow:
        account = uow.accounts.get("acme")
        account.managers = ["sales@vendor.example"]
        uow.accounts.update(account)
        uow.commit()
    open_ticket(app, ALICE, "Portal question", ENGLISH)
    ingest(app, raw_mail(CAROL, "[Trivial] Another question", QUESTION))
    [told] = [m for m in delivered(app, smtp_sink) if m["X-Intakebot-Kind"] == "quota_exhausted"]
    assert sorted(a.addr_spec for a in told["To"].addresses) == \
        sorted([ANN, BOB, "sales@vendor.example"])
    app.close()


def test_a_ticket_an_agent_opened_is_acknowledged_as_opened_for_the_customer(tmp_path,
                                                                            smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    handled = ingest(app, raw_mail(ANN, "Printer queue stuck",
                                   f"#open {ALICE}\nAlice called: the printer queue is stuck.\n"))
    assert handled.ticket is not None, handled.reason
    [ack] = to(delivered(app, smtp_sink), ALICE)
    number = handled.ticket
    assert ack["Subject"] == f"Ticket opened for you: Printer queue stuck [#{number}]"
    assert ack["In-Reply-To"] is None
    assert ack["Auto-Submitted"] == "auto-generated"
    text = flat(text_of(ack))
    assert f"Ann of Vendor Support has opened ticket #{number} for you:" in text
    assert "Thank you for contacting" not in text and "after we received your message" not in text
    assert "after the ticket was opened" in text
    app.close()


def test_the_notice_of_a_customers_reply_is_not_titled_as_a_reply_to_another_notice(
        tmp_path, smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    number = open_ticket(app, ALICE, "Portal question", ENGLISH)
    delivered(app, smtp_sink)
    agent_mail(app, ANN, number, "#severity critical\n")
    customer_mail(app, ALICE, number, "Any news?\n")
    [notice] = [m for m in delivered(app, smtp_sink) if m["X-Intakebot-Kind"] == "customer_reply"]
    assert notice["Subject"] == f"Customer replied, acme: Portal question [#{number}]"
    app.close()


# -- a customer's severity tag is a request: the ticket opens at the assessed level --------


def _opened_with_a_tag(app, smtp_sink, subject, body):
    number = open_ticket(app, ALICE, subject, body)
    with app.store.unit_of_work() as uow:
        ticket = uow.tickets.get(number)
        notes = [e.data for e in uow.events.for_ticket(number) if e.kind == "note"]
    mails = delivered(app, smtp_sink)
    [notice] = to(mails, ANN)
    [ack] = to(mails, ALICE)
    return ticket, notes, notice, ack


def test_an_english_tag_is_a_request_the_new_ticket_notice_shows_beside_the_reading(
        tmp_path, smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    ticket, notes, notice, ack = _opened_with_a_tag(
        app, smtp_sink, "[Blocker] Search is broken",
        "Hello,\n\nsearch returns nothing for anyone since 9:00. Everything else works as "
        "usual.\n\nAlice\n")

    assert ticket.severity == "major"  # the definitions' reading, not the tag
    assert ticket.severity_reason == ("major: search fails for every user; the rest of the "
                                      "service works")
    assert [n["severity_requested"] for n in notes] == ["blocker"]
    assert notice["Subject"].startswith("New major ticket, acme:")
    text = flat(text_of(notice))
    assert "Severity: major (major: search fails for every user; the rest of the service " \
           "works)" in text
    assert 'The customer asks for severity BLOCKER (now major). To accept, reply with the ' \
           'line "#severity blocker".' in text
    assert "SEVERITY: MAJOR" in flat(text_of(ack))
    app.close()


def test_a_spanish_severity_line_is_a_request_the_new_ticket_notice_shows(tmp_path,
                                                                          smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    ticket, notes, notice, ack = _opened_with_a_tag(
        app, smtp_sink, "Avisos por correo",
        "Hola:\n\nSeveridad: bloqueante\n\nNo le llega ningún aviso por correo a nadie desde "
        "ayer. Por lo demás la plataforma va bien.\n\nAlicia\n")

    assert ticket.severity == "major"
    assert ticket.severity_reason == ("major: notifications fail for every user; the rest of "
                                      "the service works")
    assert [n["severity_requested"] for n in notes] == ["blocker"]
    text = flat(text_of(notice))  # the desk's language
    assert "The customer asks for severity BLOCKER (now major)" in text
    assert "GRAVEDAD: MAYOR" in flat(text_of(ack))
    app.close()


def test_a_tag_that_agrees_with_the_reading_asks_nothing_more(tmp_path, smtp_sink):
    app = make_app(tmp_path, OPENED, smtp_sink.port)
    seed(app, OPENED)
    ticket, notes, notice, _ = _opened_with_a_tag(
        app, smtp_sink, "[Bloqueante] El portal no carga", SPANISH)

    assert (ticket.severity, notes) == ("blocker", [])
    assert "asks for severity" not in flat(text_of(notice))
    app.close()
