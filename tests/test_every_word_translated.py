"""Every word a person reads is in their language, and no page shows a code in place of words (#21).

A small world is seeded (every role, a line with a shift week and a swap, calls at several risk levels whose
notes fire rules, a referral, an audit trail), then each role opens every page it may open, in Chinese and in
English, and sends every form and query a wrong value so the error messages are read too. The pages' text
(tags, scripts and styles stripped; tooltips and labels kept) is searched for
  - on Chinese pages, English words that are not a product, a scale, a unit or what someone typed;
  - on every page, raw codes: snake_case or dotted identifiers (`call.hand_over`) and `key=value` pairs.
What sits in <code> is shown as a code on purpose (a rule's id in the rule file, a version).
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from html.parser import HTMLParser

from fastapi.routing import APIRoute, iter_route_contexts

from factories import draft_call, finished_call
from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from hotline.calls import callers, flows
from hotline.i18n import LOCALE_COOKIE
from hotline.privacy import service as privacy
from hotline.roster import swaps
from hotline.roster.assigning import assign
from hotline.roster.lines import create_template, generate_shifts
from hotline.rulebook import service as rulebook
from hotline.screening import service as screening
from hotline.triage import default_rules, shipped_rules_file
from roster.factories import MONDAY, make_line, published
from support import csrf_token, login

# Notes that fire rules, and the words around them that change how they count (past, a dream, holding back).
NOTES = {
    "imminent": "She took an overdose of sleeping pills just now.",
    "high": "他已经买好了炭，打算今晚在家里烧炭。",
    "moderate": "She has been thinking about ways to die but has no plan.",
    "low": "最近觉得活着没意思，三年前割过手。",
}
DRAFT_NOTE = ("梦见自己跳楼。不敢跳楼，怕疼。以前吃过安眠药。刚刚吞了一整瓶药，半小时前。"
              "He says he keeps dreaming he jumps; last year he cut himself.")

COURT_ORDER = "法院调取令 2026-17 号"

# English a Chinese page may show: product and format names, the scales' and data sets' own names (SOS-1K), units.
ALLOWED_WORDS = {
    "hotline", "htmx", "csv", "ics", "ical", "xlsx", "json", "api", "openapi", "totp", "url", "id", "ip", "sse",
    "phq-9", "gad-7", "c-ssrs", "sos-1k", "k6", "phq", "gad", "who", "iso", "utc", "gmt", "pdf", "sqlite", "postgresql",
    "yyyy-mm-dd", "yyyy-mm", "hh", "mm", "min", "ms", "kb", "mb", "am", "pm", "ok", "sms", "dd", "phq-4", "toml",
    "erlang", "icalendar", "alt", "shift", "ctrl", "enter", "esc",  # a method's name, keys on the keyboard
    "smtp", "starttls", "webhook",  # protocols; DingTalk's and Feishu's own Chinese pages say "Webhook 地址"
}
FILE_ENDINGS = (".toml", ".csv", ".ics", ".json", ".xlsx", ".html", ".js", ".css", ".py", ".sqlite3")

# Addresses, e-mail, time zones (Asia/Shanghai), versions (3c152fa9) and "e.g.": not words to translate.
URL_OR_MAIL = re.compile(r"\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b|(?:https?://|/)[\w./?=&%#:+-]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
                         r"|\b(?:e\.g|i\.e)\.|\b[0-9a-f]*\d[0-9a-f]*\b")
QUOTED = re.compile(r"[“'‘](.+?)[”'’]")
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*(?:[ ,:]+[A-Za-z][A-Za-z0-9'’\-]*)*")
RAW_CODE = re.compile(
    r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"  # snake_case
    r"|\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\b"  # call.hand_over
    r"|\b[a-z_]+=[^\s;]*;?"  # from_user=1;
)
SEEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class PageText(HTMLParser):
    """What a person reads on a page: text and tooltips, without scripts, styles and codes shown as codes.
    Each chunk says whether it stands in an element marked as in another language (`lang="en"` on the
    language switch's "English")."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[tuple[str, bool]] = []
        self.hidden = 0
        self.langs: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in self.VOID:
            self.langs.append(attrs.get("lang"))
        if tag in ("script", "style", "code", "template"):
            self.hidden += 1
        for name in SEEN_ATTRIBUTES:
            if attrs.get(name):
                self.chunks.append((attrs[name], self.foreign))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.langs:
            self.langs.pop()
        if tag in ("script", "style", "code", "template") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.chunks.append((data.strip(), self.foreign))

    @property
    def foreign(self) -> bool:
        # the <html> element's own lang is the page's language; any other below it is a foreign stretch
        return any(lang for lang in self.langs[1:])


def page_text(html: str) -> list[tuple[str, bool]]:
    parser = PageText()
    parser.feed(html)
    return parser.chunks


def findings_in(text: str, locale: str, world: World, foreign: bool = False) -> list[str]:
    """The English words (on a Chinese page) and raw codes in one chunk of a page's text."""
    if text in world.names or any(text.rstrip("…") in typed for typed in world.typed):
        return []  # a badge of the rule file's words, a note's words marked where a rule fired, its opening
    for typed in world.typed:
        text = text.replace(typed, " ")
    # the note's words quoted in an explanation ("in the past: 'last year'")
    text = QUOTED.sub(lambda m: " " if any(m.group(1) in typed for typed in world.typed) else m.group(), text)
    text = URL_OR_MAIL.sub(" ", text)
    found = [f"code {m.group()!r}" for m in RAW_CODE.finditer(text) if not m.group().endswith(FILE_ENDINGS)]
    if locale.startswith("zh") and not foreign:
        for match in ENGLISH_RUN.finditer(text):
            words = [w.strip("'’-").lower() for w in re.split(r"[ ,:]+", match.group())]
            if any(len(w) > 1 and w not in ALLOWED_WORDS and not re.fullmatch(r"[a-z]?\d+[a-z]?", w)
                   for w in words):
                found.append(f"English {match.group()!r}")
    return found


@dataclass
class World:
    people: dict
    ids: dict
    typed: list[str]  # what people typed (notes, names, reasons): found inside longer text
    names: set[str]  # what is shown alone as it was written (the rule file's words, one badge each)


# --- the world -------------------------------------------------------------------------------------------

def seed(session, make_user, client):
    """Every role, a line with a published shift week and a swap asked for, calls at every level, a referral,
    a caller with screenings on two counsellors' calls, a draft handed over, and an audit trail."""
    people = {
        "counsellor": make_user(Role.counsellor, username="lina", display_name="李娜"),
        "colleague": make_user(Role.counsellor, username="wangfang", display_name="王芳"),
        "coordinator": make_user(Role.coordinator, username="chen", display_name="陈协调"),
        "supervisor": make_user(Role.supervisor, username="zhang", display_name="张督导"),
        "admin": make_user(Role.admin, username="zhao", display_name="赵管理"),
        # every role at once, for sending every form a wrong value
        "everyone": make_user(Role.counsellor, Role.coordinator, Role.supervisor, Role.admin, username="quanbu",
                              display_name="全体"),
    }
    counsellor, colleague, coordinator, supervisor, admin, _everyone = people.values()
    line = make_line(session, name="希望热线")
    for name, start, end in (("白班", 8, 16), ("晚班", 16, 0)):
        create_template(session=session, line_id=line.id, name=name, start=_hour(start), end=_hour(end),
                        weekdays=list(range(7)), seats=1)
    week = published(session, sorted(generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=7),
                                     key=lambda s: s.starts_at))
    assign(session=session, actor=coordinator, shift_id=week[0].id, user_id=counsellor.id)
    assign(session=session, actor=coordinator, shift_id=week[1].id, user_id=colleague.id)
    swaps.ask_swap(session=session, requester=counsellor, shift_id=week[0].id, colleague_id=colleague.id)

    finished = {level: finished_call(session, counsellor, note, summary="转介。")[0]
                for level, note in NOTES.items()}
    referral_call, referral = finished_call(session, counsellor, NOTES["imminent"], summary="转介。")
    # The same caller on two counsellors' calls: reading their history and screening trend is audited.
    earlier = draft_call(session, colleague, NOTES["moderate"], **_complete())
    callers.link_caller(session=session, user=colleague, call_id=earlier.id, identifier="13800138000",
                        secret="s")
    screening.add_screening(session=session, user=colleague, call_id=earlier.id, instrument_id="phq9",
                            answers=[1] * 9)
    flows.finalise_call(session=session, user=colleague, call_id=earlier.id, version=earlier.version + 0)
    draft = draft_call(session, counsellor, DRAFT_NOTE)
    callers.link_caller(session=session, user=counsellor, call_id=draft.id, identifier="13800138000", secret="s")
    screening.add_screening(session=session, user=counsellor, call_id=draft.id, instrument_id="phq9",
                            answers=[2] * 9)
    handed = draft_call(session, counsellor, NOTES["moderate"])
    flows.hand_over_call(session=session, user=supervisor, call_id=handed.id, to_username=colleague.username,
                         reason="下班了")

    # The audit trail: reads, exports, account and rule changes, a failed login, a legal hold.
    accounts.set_roles(session=session, user=colleague, roles=["counsellor", "supervisor"], by=admin)
    accounts.set_roles(session=session, user=colleague, roles=["counsellor"], by=admin)
    privacy.set_legal_hold(session=session, user=admin, target=finished["high"], hold=True, reason=COURT_ORDER)
    record = rulebook.upload_rule_set(session=session, user=admin, content=shipped_rules_file(),
                                      filename="rules.toml")
    assert login(client, "zhang", "wrong password").status_code != 303
    for who, urls in ((counsellor, [f"/calls/{draft.id}"]),
                      (supervisor, [f"/calls/{finished['low'].id}", "/reports/calls.csv",
                                    f"/referrals/{referral.id}"])):
        _switch(client, who)
        for url in urls:
            assert client.get(url).status_code == 200, url
    client.cookies.clear()

    rules = default_rules()
    typed = [*NOTES.values(), DRAFT_NOTE, "转介。", _complete()["summary"], "下班了", COURT_ORDER, "13800138000",
             "rules.toml",
             "testclient",  # the address the test client's requests come from
             *(p.username for p in people.values()), *(p.display_name for p in people.values()), "希望热线"]
    # the rule file's own words, listed when a rule is opened on the rules page
    phrases = {phrase for table in (rules.rules, rules.terms, rules.modifiers) for t in table for phrase in t.phrases}
    ids = {"call_id": draft.id, "referral_id": referral.id, "caller_id": draft.caller_id, "line_id": line.id,
           "user_id": colleague.id, "record_id": record.id, "swap_id": 1, "shift_id": week[0].id,
           "item_id": rules.modifiers[0].id}
    assert referral_call and finished
    return World(people, ids, sorted(typed, key=len, reverse=True), phrases)


def _hour(hour):
    from datetime import time

    return time(hour % 24)


def _complete():
    from factories import COMPLETE

    return COMPLETE


def _switch(client, user):
    client.cookies.clear()
    assert login(client, user).status_code == 303


# --- the pages -------------------------------------------------------------------------------------------

def page_routes(app):
    """Every GET page of the app, from its router: (path, query parameter names)."""
    for context in iter_route_contexts(app.routes):
        route = context.route
        if isinstance(route, APIRoute) and "GET" in context.methods and not context.path.startswith("/api/v1"):
            yield context.path, _query_params(route.dependant)


def _query_params(dependant):
    found = [(f.alias, f.field_info.annotation) for f in dependant.query_params]
    for sub in dependant.dependencies:
        found += _query_params(sub)
    return found


def form_routes(app):
    """Every form a page posts, with its fields."""
    for context in iter_route_contexts(app.routes):
        route = context.route
        if isinstance(route, APIRoute) and "POST" in context.methods and not context.path.startswith("/api/") \
                and context.path not in ("/logout", "/account/logout-everywhere", "/login", "/locale"):
            fields = [(f.alias, f.field_info.annotation) for f in route.dependant.body_params]
            if fields:
                yield context.path, fields


def fill(path: str, ids: dict) -> str:
    """The path with the seeded world's ids; an id the world has none of is 1 (a 404 is skipped)."""
    return re.sub(r"{(\w+)}", lambda m: str(ids.get(m.group(1), 1)), path)


def read(client, url, locale, findings, world, **kwargs) -> bool:
    """Look for findings on this page; False when it is not a page this user may read."""
    response = client.get(url, **kwargs) if "data" not in kwargs else client.post(url, **kwargs)
    if response.status_code in (401, 403, 404, 405) or "text/html" not in response.headers.get("content-type", ""):
        return False
    assert response.status_code != 500, f"{url}: {response.text[:300]}"
    for chunk, foreign in page_text(response.text):
        for finding in findings_in(chunk, locale, world, foreign):
            findings.add(f"[{locale}] {url.split('?')[0]}: {finding} in {chunk[:120]!r}")
    return True


def test_every_page_speaks_the_readers_language_in_words_not_codes(app, client, session, make_user):
    app.state.settings = app.state.settings.model_copy(update={"live_stream_seconds": 0.01})
    world = seed(session, make_user, client)
    people, ids = world.people, world.ids
    findings: set[str] = set()
    routes = sorted(page_routes(app))
    for role in ("counsellor", "coordinator", "supervisor", "admin"):
        _switch(client, people[role])
        readable = [path for path, _params in routes]
        for locale in ("zh_CN", "en"):
            client.cookies.set(LOCALE_COOKIE, locale)
            # the whole page: what HTMX swaps in is a block of the same template
            readable = [path for path in readable if read(client, fill(path, ids), locale, findings, world)]
    # Wrong values in every query and form, as a user with every role: the messages name fields in words.
    _switch(client, people["everyone"])
    token = csrf_token(client)
    for locale in ("zh_CN", "en"):
        client.cookies.set(LOCALE_COOKIE, locale)
        for path, params in routes:
            for value in ("长" * 300,):  # not a number, nor a date, nor a choice, and too long
                if params:
                    query = {name: [value] if typing.get_origin(kind) is list else value for name, kind in params}
                    read(client, fill(path, ids), locale, findings, world, params=query)
        for path, fields in sorted(form_routes(app)):
            for value in ("长" * 3000,):
                data = {name: [value] if typing.get_origin(kind) is list else value for name, kind in fields}
                read(client, fill(path, ids), locale, findings, world, data={**data, "csrftoken": token})
    assert not findings, f"{len(findings)} untranslated words or raw codes:\n" + "\n".join(sorted(findings))
