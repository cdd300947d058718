"""Severity from the coverage page's definitions: what a mail says is affected, for whom,
and what still works.

One pass over the tokens finds the vocabulary's phrases (rules/triage_words.py);
clauses then become statements ("nobody can open a document": opening documents
fails, for everyone; "login and search work": the service is up) and the level follows
from them: the service unavailable is a blocker unless the writer says it is up or it
comes and goes; getting in, creating, signing or reading documents failing is critical
unless it is one user, part of them, or another way works (the web when the mobile app
fails); any other fault, a slow page or drops are major; no fault at all (questions,
thanks, suggestions, an old outage asked about, "false alarm") is trivial. What a
question only asks about ("Down?") gives way where the mail says all is fine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rules.plans import Severity
from rules.triage_scan import Clause, clauses

B, C, M, T = Severity.BLOCKER, Severity.CRITICAL, Severity.MAJOR, Severity.TRIVIAL
_RANK = {B: 0, C: 1, M: 2, T: 3}  # Severity.rank, without its list lookup per call

_NAMED = frozenset({"SVC", "PAGE", "LOGINPAGE", "ACCESS", "DOC", "BROWSE", "ROUTE", "CREATE",
                    "READ", "OPEN"})
# what a mail is (a question, thanks...) counts from every clause, fact or not
_SPEECH = frozenset({"PAST", "HOWTO", "REQUEST", "SUGGEST", "THANKS", "FORGOT", "NOFAULT",
                     "LOWIMPACT", "RECOVER", "RETRACT"})
_IN_APP = frozenset({"SVC", "PAGE", "LOGINPAGE", "ACCESS", "DOC", "BROWSE", "REST", "CREATE",
                     "READ", "OPEN", "ROUTE"})
_IN_APP_ELSE = _IN_APP - {"REST"}  # "everything else works": not said of what


@dataclass(frozen=True)
class Finding:
    level: Severity
    affected: str       # service | access | create | sign | read | a feature's name | slow
    scope: str = ""     # all | some | one | part | ""
    route: bool = False
    asked: bool = False  # said in a question ("Down?"): the writer is not sure of it


@dataclass(frozen=True)
class Reading:
    """What a mail says, by the definitions. `severity` None: nothing to go on."""
    severity: Severity | None
    affected: str = ""
    scope: str = ""
    mitigation: str = ""   # rest | up | others | part | another | between | ""
    kind: str = ""         # outage, fault, slow, drops, cosmetic, question, thanks, ...
    clear: bool = False


def _scope_of(c: Clause) -> str:
    """For whom a clause that says something is broken (or nothing) says it is: "my
    colleagues" there are affected too; where something works, they are the others
    (see _works)."""
    if "ONE" in c.tags:
        return "one"
    if "SOME" in c.tags:
        return "some"
    if "ALL" in c.tags or "OTHERS" in c.tags:
        return "all"
    if {"EVERYWHERE", "TOTAL"} <= c.tags and "ME" not in c.tags:
        return "all"  # "timeouts from all networks": not one machine's or office's fault
    return ""


def _gone(c: Clause, bad: set[str], first: str) -> bool:
    """Does the clause say the service itself cannot be reached or used?"""
    tags = c.tags
    if "NET" in tags and not (c.feature or first == "ROUTE" or tags & _DOC_WORK):
        return True  # a browser's connection error: the site, whatever page was asked for
    if first not in ("SVC", "LOGINPAGE", "PAGE"):
        # nothing named at all: "nothing loads", "we cannot connect", "502 Bad Gateway"
        return not (tags & _NAMED or c.feature) and bool(bad & {"DOWN", "NOLOAD", "REACH"})
    return bool(
        bad & {"DOWN", "NOLOAD", "REACH", "HANG"}
        # "the platform is not available / doesn't work / doesn't open"
        or (bad & {"UNAVAIL", "NOTWORK", "OPEN"} and "SVC" in tags)
        # "every page gives an error", "an error whatever you click" (not "every page of
        # the reports tab")
        or (first == "PAGE" and "TOTAL" in tags and bad & {"FAIL", "NOTWORK"}
            and not c.feature)
        # "every request to the site returns HTTP 500", "the web app and the API all time
        # out": an error of every address, or a timeout, of the service with nothing in it
        # named
        or (first == "SVC" and tags & {"TOTAL", "TIMEOUT"} and bad & {"FAIL", "NOTWORK"}
            and tags.isdisjoint(_IN_SERVICE) and not c.feature)
        # "the login page never appears"
        or (first == "LOGINPAGE" and bad & {"NOTWORK", "OPEN"})
        # "an error as soon as they open the app", nothing more specific named
        or ("FAIL" in bad and tags & {"OPEN", "REACH"} and "SVC" in tags
            and not tags & {"DOC", "ACCESS", "ROUTE"} and not c.feature))


def _faults(c: Clause) -> list[Finding]:
    """What a clause says is broken: the service (blocker), getting in, creating or
    reading documents (critical), or a non-critical feature, latency, drops (major)."""
    bad, tags, scope = set(c.bad), c.tags, _scope_of(c)
    if "PARTIAL" in tags:
        scope = "part"
    # the first thing named is what the clause is about: "documents ... in the platform"
    # are documents, "the platform, the API and the app are unreachable" is the service
    order = c.order
    first = order[0] if order and order[0] != "EVERYTHING" else next(
        (t for t in order if t != "EVERYTHING"), "")
    out: list[Finding] = []
    if _gone(c, bad, first):
        # if the writer says elsewhere that the service is up, "nobody can get into it"
        # means signing in fails
        return [Finding(B, "service", scope)] + (
            [Finding(C, "access", scope)] if bad & {"REACH", "ACCESS"} else [])
    route = "ROUTE" in tags
    doc_named = "DOC" in tags or route
    broken = bad & {"FAIL", "DOWN", "UNAVAIL", "NOLOAD", "NOTWORK", "HANG"}
    if c.feature in _CHANNELS and (broken or bad & _CRITICAL_ACTIONS):
        # "nobody can log in on the mobile app": the app fails, the web is another way in
        return [Finding(M, c.feature, scope)]
    if "CREATE" in bad or ("CREATE" in tags and broken and not c.feature):
        out.append(Finding(C, "sign" if "SIGNING" in tags else "create", scope, route))
    if "READ" in bad or (bad & {"OPEN", "SEE", "FIND", "REACH"} and doc_named) or (
            "OPEN" in bad and not c.feature and not tags & {"SVC", "PAGE", "LOGINPAGE"}) or (
            (doc_named or "READ" in tags) and broken and not c.feature
            and "CREATE" not in tags):
        out.append(Finding(C, "read", scope, route))
    if c.feature and (broken or bad & {"EXAGG", "OPEN", "READ"} or (
            "FIND" in bad and c.feature == "search")):
        out.append(Finding(M, c.feature, scope))
    if "ACCESS" in bad or ("ACCESS" in tags and (broken or "REACH" in bad) and not out):
        out.append(Finding(C, "access", scope))
    if route and not out and broken:
        out.append(Finding(M, "an integration", scope))
    if "LAG" in bad or ("SLOW" in bad or {"TAKES", "TIME"} <= tags) and (
            tags & _NAMED or c.feature or "PAGE" in tags):
        name = c.feature or ("signing in" if "ACCESS" in tags else
                             "a page" if tags & {"BROWSE", "PAGE"} else "")
        out.append(Finding(M, "slow:" + name, scope))
    if tags & {"INTERMIT", "OFTEN"}:
        out.append(Finding(M, "drops", scope))
    if not out and (bad - {"SEE", "FIND", "SLOW"}):
        out.append(Finding(M, "fault", scope))
    return out


@dataclass
class _Mail:
    findings: list[Finding] = field(default_factory=list)
    marks: set[str] = field(default_factory=set)      # tags of the current clauses
    works: set[str] = field(default_factory=set)      # up, rest, create, read, others, part
    scopes: set[str] = field(default_factory=set)
    placed: bool = False  # a fault is said of a place: "nobody in our Leeds office"
    drops: bool = False   # the service itself comes and goes


_ASKING = frozenset({"HOWTO", "REQUEST", "SUGGEST"})
_CHANNELS = frozenset({"the mobile app"})  # features that are another way to the service
_DOC_ACTIONS = frozenset({"CREATE", "READ", "OPEN", "SIGNING"})
_CRITICAL_ACTIONS = frozenset({"CREATE", "READ", "OPEN", "ACCESS", "REACH"})
_NOT_NOW = frozenset({"EXTERNAL", "HYPO"})
_DOC_WORK = frozenset({"CREATE", "READ"})  # what a connection error during work is about
# what in the service a clause can name as what fails
_IN_SERVICE = frozenset({"DOC", "ACCESS", "CREATE", "READ", "FIND", "SEE", "BROWSE",
                         "PARTIAL"})
_OTHER_THAN_DOCS = frozenset({"BROWSE", "SVC", "PAGE", "LOGINPAGE"})
# what words in parentheses share with the clause around them: "On 3 June the site was
# unreachable (503 on every page)" is as old as the rest
_WHEN_SAID = frozenset({"PAST", "SINCE", "HYPO", "EXTERNAL"})
_WHOLE = frozenset({"SVC", "PAGE", "LOGINPAGE", "ALL", "TOTAL"})  # the service, for all
# a recovery asked for or awaited, not said: "we need it back", "call me when it's back"
_WISHED = frozenset({"WISH", "REQUEST", "HYPO", "WHEN"})


def _gather(mail: _Mail, text: str) -> list[str]:
    found, questions, toks = clauses(text)
    if questions:
        mail.marks.add("HOWTO")  # a question mark: asking, if nothing else is said
    asking: set[int] = set()  # questions that ask how to, or for something: not reports
    for c in found:
        if c.sentence in questions and not _ASKING.isdisjoint(c.tags):
            asking.add(c.sentence)
    retracted = -1  # the sentence that says "false alarm" explains the mistake
    before: tuple[int, set[str]] = (-1, set())  # the last clause's sentence and actions
    for c in found:
        tags = c.tags
        if c.sentence == before[0] and c.bad and "DOC" in tags and not c.feature \
                and tags.isdisjoint(_DOC_ACTIONS):
            # "anyone uploads a document, but after a refresh the document is gone": the
            # action of the sentence is what fails
            tags |= before[1]
        before = (c.sentence, tags & _DOC_ACTIONS)
        if "RECOVER" in tags and (c.sentence in questions or not _WISHED.isdisjoint(tags)):
            # "when can we expect to work again?", "we really need it back", "tell us when
            # it is back": not back yet
            tags = tags - {"RECOVER"}
        if not _SPEECH.isdisjoint(tags):
            mail.marks |= tags & _SPEECH
            if "RETRACT" in tags:  # "false alarm", "sorry for the noise": what came before
                mail.findings.clear()
                retracted = c.sentence
        # said of now and as a fact: not an old incident, a what-if, someone else's
        # system, or a question about how to do something
        when = tags if c.host is None else tags | (c.host.tags & _WHEN_SAID)
        if c.sentence in asking or not _NOT_NOW.isdisjoint(when) or (
                "PAST" in when and "SINCE" not in when) or c.sentence == retracted:
            continue
        mail.marks |= tags
        if "OFTEN" in tags:
            # "it happens several times a day": the fault said comes and goes; said of
            # nothing broken ("a veces cuesta distinguirlas") it is no fault by itself
            mail.marks.add("INTERMIT")
        if {"MAINT", "STILL"} <= tags and not c.bad and not tags.isdisjoint(_WHOLE):
            c.bad.append("DOWN")  # "every link still shows the maintenance notice"
        if c.bad or "INTERMIT" in tags or ("TAKES" in tags and "TIME" in tags):
            found = _faults(c)
            if c.sentence in questions:
                found = [Finding(f.level, f.affected, f.scope, f.route, True) for f in found]
            mail.findings.extend(found)
            mail.placed = mail.placed or "LOC" in tags
            scope = _scope_of(c)
            if scope:
                mail.scopes.add(scope)
        elif c.good and "WHEN" not in tags:  # "when we go in, ...": not that it works
            _works(mail.works, c)
        else:
            scope = _scope_of(c)
            if scope:
                mail.scopes.add(scope)

    return toks

def _works(works: set[str], c: Clause) -> None:
    good, tags = set(c.good), c.tags
    if good == {"SHOWS"} and not tags & {"LOGINPAGE", "PAGE", "BROWSE"}:
        return  # "appears" says a page is up, not what else appears
    if "BETWEEN" in tags:
        works.add("between")  # "in between the service is usable": not that it is up
        return
    if tags & (_IN_APP_ELSE if "ELSE" in tags else _IN_APP) or c.feature:
        # not "everything else works", which does not say of what: where the service
        # itself is said gone, it is everything but the service
        works.add("up")
    if "REST" in tags:
        works.add("rest")
    if "OTHERS" in tags:
        works.add("others")
    if "PARTIAL" in tags:
        works.add("part")
    if "LOC" in tags:
        works.add("elsewhere")  # "our London office and home users have no problem"
    if "ACCESS" in tags and good & {"WORKS", "ACCESS"} and "ALL" in tags:
        works.add("access")  # "on the web everyone logs in as usual"
    if "CREATE" in good or ("CREATE" in tags and good & {"WORKS", "LOAD"}):
        works.add("create")
    if (good & {"READ", "OPEN"} or (tags & {"READ", "OPEN"} and good & {"WORKS", "LOAD"})) \
            and ("DOC" in tags or tags.isdisjoint(_OTHER_THAN_DOCS)):
        works.add("read")  # not "viewing the metadata works", "we can open the app"


def _level(f: Finding, mail: _Mail, scope: str) -> tuple[Severity | None, str]:
    """The level a finding reaches given the rest of the mail, and the mitigation said."""
    works, marks = mail.works, mail.marks
    few = scope in ("one", "some")
    if f.affected == "service":
        if "up" in works:
            return None, "up"
        if few:
            return M, "others" if "others" in works else ""
        if marks & {"INTERMIT", "RECOVER"} or "between" in works:
            return M, "between"
        return B, ""
    if f.affected == "access":
        if "FORGOT" in marks and scope != "all":
            return None, ""
        if few:
            return M, "others" if "others" in works else ""
        if "access" in works:
            return M, "others" if "others" in works else "another"
        if "STANDSTILL" in marks and "up" not in works:
            return B, ""
        return C, "rest" if "rest" in works else "up" if "up" in works else ""
    if f.affected in ("create", "sign", "read"):
        if mail.drops and scope != "all":
            return M, "between"  # "uploads in progress fail" when the service drops
        same = f.affected in works or (f.route and works & {"create", "read"})
        partly = scope == "part" or same or "part" in works
        if few or partly:
            return M, "others" if "others" in works else "part" if partly else ""
        return C, "rest" if "rest" in works else "up" if "up" in works else ""
    if f.affected == "drops":
        return M, "between"
    return M, "rest" if "rest" in works else "up" if "up" in works else ""


_SCOPE_RANK = {"all": 0, "part": 1, "one": 1, "some": 1, "": 2}


def read(subject: str, body: str, *, reply: bool = False) -> Reading:
    """What `body` (the sender's own text) and `subject` say, by the definitions. A reply's
    subject names the earlier message and is not read."""
    return read_with_tokens(subject, body, reply=reply)[0]


def read_with_tokens(subject: str, body: str, *, reply: bool = False
                     ) -> tuple[Reading, list[str]]:
    """`read`, and the tokens it read (rules/triage_text.tokens), for the learned model."""
    mail = _Mail()
    toks = _gather(mail, f"{subject}.\n\n{body}" if subject and not reply else body)
    return _decide(mail), toks


def _decide(mail: _Mail) -> Reading:
    marks = mail.marks
    # a clause that says for whom decides for itself; else what the mail says elsewhere:
    # "everyone" over one colleague, and the writer alone ("I can't") last
    scopes = mail.scopes | ({"one"} if "others" in mail.works else set())
    if "ME" in marks:
        scopes.add("me")
    default_scope = ("all" if "all" in scopes else "one" if "one" in scopes
                     else "some" if "some" in scopes else "me" if "me" in scopes else "")
    if "others" in mail.works:
        default_scope = "one"
    if default_scope == "me":
        default_scope = "one"
    best: tuple | None = None
    # what a question asks about ("Down?") gives way where the mail says nothing is wrong
    doubted = bool(marks & {"NOFAULT", "RECOVER"})
    mail.drops = bool(marks & {"INTERMIT"} or "between" in mail.works) and any(
        f.affected == "service" for f in mail.findings)
    # where it fails is one place and it works in another: those users, not everyone
    elsewhere = mail.placed and "elsewhere" in mail.works
    for f in mail.findings:
        if f.asked and doubted:
            continue
        scope = f.scope or default_scope
        if elsewhere and scope in ("all", ""):
            scope = "some"
        level, mitigation = _level(f, mail, scope)
        if level is None:
            continue
        if elsewhere and not mitigation:
            mitigation = "others"
        if f.affected == "service" and level is M and not elsewhere:
            # it comes and goes, or one user cannot get in
            f = Finding(M, "drops" if mitigation == "between" else "access", scope)
        key = (_RANK[level], _SCOPE_RANK[scope])
        if best is None or key < best[0]:
            best = (key, level, f, scope, mitigation)
    if best is not None:
        _, level, f, scope, mitigation = best
        if f.affected == "fault" and not mitigation and "EVERYWHERE" in marks \
                and scope == "all":
            # a fault nothing in the service is named for, for everyone, on any browser,
            # device or network: the service itself
            return Reading(B, "service", scope, "", "outage", True)
        if level is M and "LOWIMPACT" in marks:
            return Reading(T, f.affected, scope, "", "cosmetic", True)
        kind = "outage" if level is B else "slow" if f.affected.startswith("slow") else "fault"
        return Reading(level, f.affected, scope, mitigation, kind, bool(scope) or level is B)
    for mark, kind in (("LOWIMPACT", "cosmetic"), ("NOFAULT", "no fault"), ("RETRACT", "no fault"),
                       ("RECOVER", "resolved"), ("PAST", "resolved"),
                       ("SUGGEST", "suggestion"), ("FORGOT", "question"),
                       ("HOWTO", "question"), ("REQUEST", "request"), ("THANKS", "thanks")):
        if mark in marks:
            return Reading(T, "", "", "", kind, mark in ("LOWIMPACT", "NOFAULT"))
    return Reading(None)
