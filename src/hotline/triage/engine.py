"""The triage engine: note text + structured answers -> Assessment.

Steps, each readable on its own:
1. normalise the note (normalise.py) and find every phrase of the rule set in one pass of
   the Aho-Corasick automaton;
2. drop matches inside longer ones (没人 is not a negation, 不想活了 is one risk phrase);
3. for each risk or term match decide, within its clause, whether it is negated, history,
   recent, inside an intensifier idiom, and whether it is about a third party;
4. fire combination patterns over the counted matches;
5. add evidence from the answers, combine (highest level wins), apply protective factors
   where allowed, pick the actions for the level.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from typing import Any, NamedTuple

from .models import Answers, Assessment, Discount, Domain, Evidence, RiskLevel, Subject
from .normalise import SENTENCE_ENDS, WHOLE_UP_TO, Normalised, normalise, sentences
from .rules import Pattern, Rule, RuleSet, load_rules, parse_rules

_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Clause breaks: sentence and clause punctuation after normalisation (NFKC folds ，！？；).
# The enumeration comma 、 is deliberately not a break: 否认自杀、自伤念头 negates both.
_HARD_BREAK = re.compile(r"[,.!?;。\n\r…]")
# Chinese written without punctuation uses spaces as commas ("不敢 我想死"): whitespace between
# two non-ASCII characters breaks a clause, unless a denial sits right before it ("否认 自杀念头").
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
# Sentence breaks, for patterns whose parts may span a comma ("囤了药，打算今晚吃").
# An ellipsis ("血…止不住…我割下去了") is a caller trailing off mid-thought, not the end of a sentence.
_SENTENCE_BREAK = re.compile(r"[!?;。\n\r]|(?<!\.)\.(?!\.)|\s{2,}")
_FIRST_PERSON_EN = re.compile(r"\b(i|i'm|i've|me|myself)\b")
# A relation word right after these is an object, not the subject (被老公打, 和男朋友分手).
_OBJECT_PARTICLES = frozenset("和跟被与给对为把让同")
_OBJECT_PREFIX_EN = ("with ", "by ", "to ", "for ", "from ", "about ", "at ")
_FORM_DENIAL_RUNS_ON = 24  # characters, as far as an English 'no' reaches
# "Why hasn't heaven taken me yet" (点解上天仲唔收我走, 老天怎么还不把我收走) asks for what it negates: a 不 or
# 没 a few characters after a "why" in the same clause is a rhetorical question, not a denial.
_RHETORICAL_WHY = re.compile(r"(?:怎么|为什么|为何|点解|咋)[^,，。.!?？！;；]{0,4}$")
# After a verb, Cantonese 嗰阵 is "when" (派药嗰阵会谂起); only at a clause's start is it "at that time".
_WHEN_AFTER_A_VERB = frozenset({"那阵", "果阵"})  # 嗰阵 as normalised
# ...unless what comes before it is a stage of life (读大学嗰阵, 中三嗰阵, 十九岁嗰阵): then it is that time.
_LIFE_STAGE = re.compile(r"大学|中学|小学|高中|初中|大专|读书|读u|[中小初高大][一二三四五六]"
                         r"|[\d十一二三四五六七八九几]+岁|年轻|后生|细个|小时候|少年|念书|上学|求学|做学生|学生时|青春期|年少")
_DONE_AND_OVER = re.compile(r"上(?:个)?(?:周|星期|礼拜|月)|last (?:week|month)|weeks? ago|months? ago"
                            r"|[一二两三四五六\d]+(?:个)?(?:周|星期|礼拜|月)前")
# A rescue or a hospital stay (洗胃, 救回来, "stomach pumped", "admitted") tells what followed an act.
_AFTERMATH = re.compile(r"洗胃|救回|抢救|救返|救活|送院|送医|住院|入院"
                        r"|stomach pumped|resuscitat|admitted|in hospital|icu")
_THOUGHT_RUNS_ON = 3  # characters between a thought word and the end of its clause (会想说：, 會諗「)
# "If a friend ever tells me they want to die…" (如果哪天有同学跟我说…, 要是同桌跟我说…): someone else's words
# imagined by a helper; not when the one imagined speaking is the writer (如果我说我想死).
_IF_SOMEONE_SAYS = re.compile(r"(?:如果|要是|假如|万一|假设|假使|\bif\b)[^,.!?;:]{0,14}?"
                              r"(?:跟|同|对|和|向)?(?:我|你|佢|他|她|自己|him|her|you|me)?\s*"
                              r"(?:说|讲|话|讲话|表示|提|tells?|told|says?|said|mentions?|texts?)")
_SAYS_REACH = 6
_IF_I = re.compile(r"(?:如果|要是|假如|万一|假设|假使|if)\s*(?:我|i\b|i'm)")
_FIGURE_ANSWERS_BACK = 2  # "just an expression" answers for what was said up to two sentences before it
_QUESTION_ANSWER_REACH = 9  # a denial must open the next clause ("，来电者否认")
_LIST_CLAUSES, _LIST_REACH = 5, 60  # a question's list of items, answered once at its end
# "不是随便说说的", "it wasn't a joke": a way of speaking denied is the opposite of one.
_NOT_A_FIGURE = re.compile(r"(?:不是|唔系|并非|绝非|not|n't|never)\s*(?:just\s+|only\s+|a\s+)?$")
# A clause that opens on a new time or on someone else is a new statement, not the answer to the question
# before it ("问她…推开 / 今天家属还没到").
_NEW_TOPIC = re.compile(r"今天|今日|昨天|昨晚|琴晚|明天|听日|现在|而家|家属|家人|屋企人"
                        r"|today|tonight|yesterday|tomorrow|\bnow\b|family|relatives")
# A clause that only says how the answer came ("she laughed, 'no love'", 想了想，说没有) passes the question on.
_ANSWER_MANNER = re.compile(
    r"(?:(?:she|he|they|caller|c|pt|client)\s+)?(?:laughed|laughs|smiled|smiles|sighed|sighs|paused|pauses|hesitated|"
    r"went quiet|was quiet|thought for a (?:moment|second|bit)|took a (?:moment|while))"
    r"(?:\s+(?:a bit|a little|loudly|softly))?"
    r"|(?:来电者|佢|他|她|对方)?(?:笑了笑|笑了一下|笑咗笑|笑着|想了想|想了一下|谂咗谂|谂咗一阵|停了一下|停了很久|停咗一阵|"
    r"沉默了一下|沉默一下|沉默片刻|沉默了一会|叹了口气|叹咗口气|犹豫了一下)")
# Who answered and how it opened ("she said 'god no'", "pt replied: oh no") do not count towards the reach.
_ANSWER_LEAD = re.compile(
    r"[\s,，:：;；\-—–]*(?:(?:she|he|they|caller|cl|c|pt|client|patient|mum|dad|son|daughter)\s+"
    r"(?:said|says|replied|replies|answered|answers|goes|went)\s*"
    r"|(?:来电者|求助者|案主|对方|佢|他|她|伯伯|阿伯|婆婆|老人|病人)?(?:大声|小声|马上|立刻|即刻|笑着|笑住|想了想|谂咗谂)?"
    r"(?:说|答|回答|话|回|回复|覆|表示|讲)(?:道)?)?[:：]?\s*['\"‘“「『]?\s*"
    r"(?:(?:oh|god|gosh|lord|um+|er+|uh+|well|haha|lol)\b[\s,!.]*)*")
# An answer that waves the question away or gives a reason to live instead of a "no".
_ANSWER_DISMISSES = re.compile(
    r"[\s'\"「『“‘]*(?:(?:想|谂|讲|说)(?:那些|这些|呢啲|嗰啲|咁多|那个|这个)(?:干嘛|干什么|做什么|做咩|做乜|有什么用|有乜用)"
    r"|怎么会(?:呢|啦|啊|呀)?[,!.?」』”]|哪会(?:呢|啦|啊|呀)?[,!.?」』”]|点会(?:呢|啦|啊|呀)?[,!.?」』”]|边会|哪里会"
    r"|(?:没|冇|未|不)(?:到|去到)(?:那个|这个|嗰个|呢个|那种|这种)?(?:程度|地步)|不至于|未至于|唔至于"
    r"|我(?:还|仲)要(?:看|睇|照顾|养|等|陪)|(?:孩子|小孩|个仔|个女|仔女|孙|孙仔)(?:还|仲)(?:在|要|细|小|读)"
    r"|why would i\b|no way\b|not (?:to|at) that (?:point|stage|level)|not that bad\b|god,? no\b)")
# "Q:", "C:", "问：" and the like open a question-and-answer record's line.
_QA_LABEL = re.compile(r"(?:^|\s|/)(?:q|c|co|counsellor|counselor|问|咨询员|辅导员|我)\s*[:：]", re.I)
# After a denial, an answer ends or names what it denies (没有想过, 不会, 没那个打算); a negated 想/要
# with an object goes on to something else (不想再复诊, 不要告诉家人).
_ANSWER_GOES_ON = re.compile(r"\s*(?:(?:想|要|肯|愿意|让|给|准|用|再)(?!过|死|活|自杀|轻生|伤|做傻事|这样|那样|,|\.|$)"
                             r"|(?:current |active |specific |clear )?"
                             r"(?:plan|intent|method|means|access|timeline|date)"
                             # not answering is no answer: 不正面回答, 没有回答, "would not say", "didn't answer"
                             r"|(?:正面)?(?:回答|回应|答|吭声|作声|出声|表态)|(?:answer|say|respond|reply|engage))")
# "SI: yes, no plan": the answer was yes; what follows denies something else.
# "asked about plans - 'I think so. not tonight'": a yes, however hedged, then a no about something else
_AFFIRMED = re.compile(r"\b(?:yes|yeah|yep|endorse[sd]?|admit(?:s|ted)?|think so|probably|maybe)\b"
                       r"|有的|有过|承认|是的|可能吧|也许吧|大概吧")
# "…doesn't want to be a burden any more": the end of a statement's own negation, never an answer on its own
_NEVER_AN_ANSWER = frozenset({"any more", "anymore", "no longer"})
_ANSWER_ENDS = frozenset(",.;:!?'\")」』-—")
# "no thoughts of self-harm or suicide", 没有伤害自己或者自杀的想法: a denial reaches across a list
_COORDINATED = re.compile(r" or | nor | and/or |、|或者|或|及")  # not "/": notes use it between fields
# A spoken answer ends on a particle (冇呀, 沒有啦, 没有哦) or says its no twice (沒有沒有, "no, no"); in
# English it goes on to say how firmly ("not once", "not at all", "never").
_ANSWER_PARTICLES = frozenset("呀啊啦喔哦嘛噢咯啰喎㖞嘅吖噃咧嘞喇啩")
# A spoken English no also goes on with a name for the counsellor ("oh no love", "no dear"), how firmly it
# was said ("said no quite firmly") or the rest of its verb ("she never would", "never has").
_ANSWER_REPEATS = ("no", "not ", "nah", "never", "once", "at all", "really", "ever", "没", "冇", "不", "无",
                   "love", "dear", "darling", "sweetheart", "pet", "mate", "hun", "quite", "firmly", "flatly",
                   "clearly", "definitely", "straight away", "immediately", "would", "will", "could", "has ", "have ",
                   "had ", "did",
                   # what it denies, by count ("denied both", "no to all of it", 两样都冇)
                   "both", "all", "each", "either", "any of", "everything", "两样", "兩樣", "全部")
# A clause with no time word of its own is read as now, unless it is part of a combination whose other
# parts name a time: "overdosed in 2018, admitted for two days" is one event, all of it history.
_NOW, _RECENT, _PAST, _UNMARKED = 0, 1, 2, 3


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    owner: int  # index into rules / terms / buffers / modifiers
    discount: Discount | None = None
    why: str = ""
    time: int = _UNMARKED
    time_word: str = ""
    third_party: bool = False
    reported: str = ""  # the word that made it someone else's story
    hesitant: str = ""  # the word that held it back
    dreamt: str = ""  # the word that puts it in a dream
    later: str = ""  # the word that sets it for a later day (考完试那天, "next month")
    identified: str = ""  # the word by which the writer puts themself in someone else's story
    cleared: str = ""  # a worry the counsellor explored and found no sign for ("细问…没说过消极的话")
    figure: str = ""  # asked, the caller said it was a figure of speech ("kms lol" → "just a thing people say")


class _Mark(NamedTuple):
    """Where a modifier or an idiom stands. A note holds hundreds of these (every 不, every 了), and they
    are never judged themselves, so they carry three fields, not a _Hit's thirteen."""

    start: int
    end: int
    owner: int


class _Clauses:
    def __init__(self, text: str, boundary_starts: list[int], soft_starts: list[int], keep_joined: set[int]):
        breaks = [m.start() for m in _HARD_BREAK.finditer(text)]
        if not text.isascii():
            spaces = [m.start() for m in _CJK_SPACE.finditer(text) if m.start() not in keep_joined
                      and m.end() not in keep_joined]
            if spaces:
                boundary_starts = boundary_starts + spaces
        if boundary_starts:
            breaks = sorted(set(breaks).union(boundary_starts))
        self.breaks = breaks
        self.soft = sorted(soft_starts)
        self._text = text
        self._sentences: list[int] | None = None

    def sentence_of(self, pos: int) -> int:
        if self._sentences is None:  # only needed when a pattern has candidates
            self._sentences = [m.start() for m in _SENTENCE_BREAK.finditer(self._text)]
        return bisect_right(self._sentences, pos)

    def of(self, pos: int) -> int:
        return bisect_right(self.breaks, pos)

    def start_of(self, clause: int) -> int:
        return 0 if clause == 0 else self.breaks[clause - 1]

    def soft_between(self, a: int, b: int) -> bool:
        i = bisect_left(self.soft, a)
        return i < len(self.soft) and self.soft[i] < b


class _Tables:
    """Per-rule-set lookup tables for the hot loop, built once and cached."""

    def __init__(self, rules: RuleSet):
        auto = rules.automaton
        self.automaton = auto
        self.shape = [(len(e.phrase), e.left_bound, e.right_bound, e.extend) for e in rules.entries]
        kinds = [m.kind for m in rules.modifiers]
        # owners per entry as (bucket, index); bucket is "rule", "term", "buffer" or a modifier kind
        self.owners = [
            tuple((kinds[i] if table == "modifier" else table, i) for table, i in e.owners) for e in rules.entries
        ]
        self.plain = [not (left or right or extend) for _, left, right, extend in self.shape]
        self.term_ids = [t.id for t in rules.terms]
        self.rule_ids = [r.id for r in rules.rules]
        # Which shorter phrases each phrase contains, as (offset, entry): when a phrase is found,
        # the phrases inside it are masked by set lookups instead of interval searches per match.
        # Risk phrases and buffers are masked by neutral words and risk phrases; terms by neutral
        # words only; modifiers by anything except idioms (idioms drop what they overlap): the 不 of
        # the term 会不醒 "won't wake up" is part of its meaning, not a denial of it.
        self.sub_rb: list[tuple[tuple[int, int], ...]] = []
        self.sub_term: list[tuple[tuple[int, int], ...]] = []
        self.sub_mod: list[tuple[tuple[int, int], ...]] = []
        plain_buckets = {"term", "rule", "buffer", "intensifier", "neutral"}
        is_modifier = [any(b not in plain_buckets for b, _ in owners) for owners in self.owners]
        for i, entry in enumerate(rules.entries):
            buckets = {b for b, _ in self.owners[i]}
            inner: list[tuple[int, int]] = []
            if len(entry.phrase) > 1 and buckets - {"intensifier"}:
                for last, q in auto.iter(entry.phrase):
                    qlen = len(rules.entries[q].phrase)
                    if qlen < len(entry.phrase):
                        inner.append((last + 1 - qlen, q))
            found = tuple(inner)
            self.sub_rb.append(found if buckets & {"rule", "neutral"} else ())
            self.sub_term.append(found if "neutral" in buckets else ())
            # Only the modifiers inside matter here: a term's hit then costs nothing unless it holds one.
            # A form answer (":否认") denies what stands before it; the denial inside it still denies
            # what follows ("评估：否认自伤念头").
            answer_only = buckets == {"post_negation"}
            self.sub_mod.append(tuple((off, q) for off, q in found if is_modifier[q]
                                      and not (answer_only and "negation" in {b for b, _ in self.owners[q]})))
        self.rule_lowerable = {r.id: r.lowerable for r in rules.rules}
        self.rule_lowerable.update({p.id: p.lowerable for p in rules.patterns})
        # A note is scanned sentence by sentence, each sentence's matches cached (see normalise.sentences),
        # cut only where no phrase can span: at sentence ends that no phrase contains.
        self.sentence_ends = tuple(end for end in SENTENCE_ENDS
                                   if not any(end in entry.phrase for entry in rules.entries))
        # Bound to this table, not to the rule set, so the cache never keeps an old rule set alive.
        self.matches_in = lru_cache(maxsize=16384)(self._scan)
        self.sorted_in = lru_cache(maxsize=16384)(self._sort_sentence)

    def forget(self) -> None:
        """Empty the sentence caches (to measure cold notes, or to compare with one pass)."""
        self.matches_in.cache_clear()
        self.sorted_in.cache_clear()

    def _sort_sentence(self, s: str) -> _Sorted:
        """The matches of one sentence sorted (_sort). Masking never reaches past a sentence: the
        phrase that masks contains the one it masks, and no phrase spans a sentence end."""
        return _sort(self, self.matches_in(s))

    def _scan(self, s: str) -> tuple[tuple[int, int, int], ...]:
        """Every phrase occurrence in `s` as (start, end, entry index), honouring ASCII word edges."""
        shape, plain = self.shape, self.plain
        word = _WORD
        n = len(s)
        out = []
        append = out.append
        for last, idx in self.automaton.iter(s):
            if plain[idx]:  # most phrases (all Chinese ones) need no word-edge checks
                append((last + 1 - shape[idx][0], last + 1, idx))
                continue
            length, left, right, extend = shape[idx]
            end = last + 1
            start = end - length
            if left and start > 0 and s[start - 1] in word:
                continue
            if right and end < n and s[end] in word:
                continue
            if extend:
                while end < n and s[end] in word:
                    end += 1
            append((start, end, idx))
        return tuple(out)


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tables(rules: RuleSet) -> _Tables:
    t = _TABLES.get(rules)
    if t is None:
        t = _TABLES[rules] = _Tables(rules)
    return t


def _pieces(tables: _Tables, s: str):
    """(offset, piece) for the pieces a note is scanned in: the whole of a short note, else its
    sentences. Word edges and extensions look one character past a match; a sentence end is never a
    word character, so a match judged inside its sentence is judged as it would be in the whole note."""
    if len(s) <= WHOLE_UP_TO:
        yield 0, s
        return
    base = 0
    for sentence in sentences(s, tables.sentence_ends):
        yield base, sentence
        base += len(sentence)


def _find(rules: RuleSet, s: str) -> list[tuple[int, int, int]]:
    """Every phrase occurrence as (start, end, entry index), in the automaton's order (by end)."""
    if not rules.entries:
        return []
    tables = _tables(rules)
    matches_in = tables.matches_in
    out: list[tuple[int, int, int]] = []
    for base, piece in _pieces(tables, s):
        found = matches_in(piece)
        if found:
            out.extend([(start + base, end + base, idx) for start, end, idx in found] if base else found)
    return out


class _Sorted(NamedTuple):
    """The matches of a text by what they are, each as (start, end, index into its table); modifiers
    as (kind, start, end, index). Phrases inside longer ones are already dropped."""

    terms: tuple[tuple[int, int, int], ...]
    risk: tuple[tuple[int, int, int], ...]
    buffers: tuple[tuple[int, int, int], ...]
    idioms: tuple[tuple[int, int, int], ...]
    modifiers: tuple[tuple[str, int, int, int], ...]


def _sort(tables: _Tables, hits) -> _Sorted:
    """Matches sorted by what they are, phrases inside longer ones masked: the 不 of 不想活了 negates
    nothing, nor does the 没 of 没人; a modifier inside a longer modifier is part of it (有没有)."""
    masked_rb: set[tuple[int, int]] = set()
    masked_term: set[tuple[int, int]] = set()
    masked_mod: set[tuple[int, int]] = set()
    sub_rb, sub_term, sub_mod = tables.sub_rb, tables.sub_term, tables.sub_mod
    for start, _end, idx in hits:
        inner = sub_mod[idx]
        if inner:
            masked_mod.update([(start + off, q) for off, q in inner])
        inner = sub_rb[idx]
        if inner:
            masked_rb.update([(start + off, q) for off, q in inner])
            if sub_term[idx]:
                masked_term.update([(start + off, q) for off, q in inner])
    terms, risk, buffers, idioms, modifiers = [], [], [], [], []
    owners = tables.owners
    for start, end, idx in hits:
        for bucket, i in owners[idx]:
            if bucket == "term":
                if (start, idx) not in masked_term:
                    terms.append((start, end, i))
            elif bucket == "rule":
                if (start, idx) not in masked_rb:
                    risk.append((start, end, i))
            elif bucket == "buffer":
                if (start, idx) not in masked_rb:
                    buffers.append((start, end, i))
            elif bucket == "intensifier":
                idioms.append((start, end, i))
            elif bucket != "neutral" and (start, idx) not in masked_mod:
                modifiers.append((bucket, start, end, i))
    return _Sorted(tuple(terms), tuple(risk), tuple(buffers), tuple(idioms), tuple(modifiers))


@dataclass(slots=True)
class _Occ:
    start: int
    end: int
    time: int
    third_party: bool
    clause: int
    reported: str
    hesitant: str
    dreamt: str
    later: str
    role: str = ""  # the concept's part in a pattern ("act", "means"), for the explanation
    name: str = ""  # the term or rule id: orders two concepts found on the same words


class _TextAnalysis:
    """Everything found in one note."""

    def __init__(self, rules: RuleSet, original: str, norm: Normalised, finder=_find):
        self.rules = rules
        self.original = original
        self.norm = norm
        self._at: list[float] | None = None
        s = norm.text
        tables = _tables(rules)
        if finder is _find:  # sentence by sentence, each sorted once and cached (an autosave repeats most)
            pieces = [(base, tables.sorted_in(piece)) for base, piece in _pieces(tables, s)] if rules.entries else []
        else:
            pieces = [(0, _sort(tables, finder(rules, s)))]
        risk = [_Hit(a + base, b + base, i) for base, found in pieces for a, b, i in found.risk]
        buffers = [_Hit(a + base, b + base, i) for base, found in pieces for a, b, i in found.buffers]
        raw_terms = [(a + base, b + base, i) for base, found in pieces for a, b, i in found.terms]
        self.risk = risk
        self.buffers = buffers
        # Terms matter only for patterns whose every part was seen at all; judging the
        # rest (every 想 and 要 in a long note) would be wasted work.
        term_ids, rule_ids = tables.term_ids, tables.rule_ids
        seen = {term_ids[i] for _, _, i in raw_terms} | {rule_ids[h.owner] for h in self.risk}
        wanted = set()
        for pat in rules.patterns:
            if all(names & seen for names in pat.parts) and (not pat.requires or pat.requires & seen):
                for names in pat.parts:
                    wanted |= names
                wanted |= pat.requires | pat.unless
        self.terms = [_Hit(a, b, i) for a, b, i in raw_terms if term_ids[i] in wanted] if wanted else []
        if not (risk or self.terms or buffers):
            # Most saves of most calls: nothing to judge, so no modifiers or clauses to place around it.
            self.clauses, self.identifying, self.by_clause, self._idiom_hits, self.later = None, {}, {}, [], {}
            self.worried, self.all_clear, self.figures, self.deaths, self.literature = frozenset(), None, [], {}, {}
            self.not_over = frozenset()
            return
        self._idiom_hits = idiom_hits = [_Mark(a + base, b + base, i) for base, found in pieces
                                         for a, b, i in found.idioms]
        # Characters covered by an idiom such as 累死了: anything overlapping them is discounted.
        idiom_mask = None
        if idiom_hits:
            idiom_mask = bytearray(len(s))
            for h in idiom_hits:
                idiom_mask[h.start : h.end] = b"\x01" * (h.end - h.start)
        live: dict[str, list[_Mark]] = {}
        for kind, start, end, i in [(kind, a + base, b + base, i) for base, found in pieces
                                    for kind, a, b, i in found.modifiers]:
            if idiom_mask is None or idiom_mask.find(1, start, end) < 0:
                live.setdefault(kind, []).append(_Mark(start, end, i))

        # "no talk of death", 冇講過想死: a finding of nothing is also a denial of what it names
        live.setdefault("negation", []).extend(live.get("all_clear", ()))
        # A denial or question right before a space, or a form-style denial right after one,
        # keeps the space from splitting the clause.
        keep_joined = {h.end for k in ("negation", "question") for h in live.get(k, ())}
        keep_joined.update(h.start for h in live.get("post_negation", ()))
        self.clauses = _Clauses(
            s, [h.start for h in live.get("boundary", ())], [h.start for h in live.get("soft_boundary", ())],
            keep_joined,
        )
        # "如果是我也会…", "I wish I had the courage": someone else's story becomes the writer's own.
        self.identifying = {self.clauses.sentence_of(h.start): h for h in live.get("identification", ())}
        # A later day governs its whole sentence ("他下回再这样，我当着他面喝了").
        self.later = {self.clauses.sentence_of(h.start): h for h in live.get("future", ())}
        # A parent's worry ("驚佢會唔會諗唔開") that the counsellor explored and found nothing behind
        # ("explored: eating ok, no talk of death"): the worry is the call, not a risk to the child.
        self.worried = frozenset(self.clauses.sentence_of(h.start) for h in live.get("worry", ()))
        # ...or that the counsellor went through, item by item (细问：吃睡正常…): what was found counts on its own
        self.all_clear = next(iter(live.get("all_clear", ()) or live.get("explored", ())), None) \
            if self.worried else None
        # Asked what was meant, the caller said it was a way of speaking ("kms lol" → "omg no its just a thing
        # people say", 死的心都有了 → 就是那么一说): it answers for what was said shortly before it.
        self.figures = [(self.clauses.sentence_of(h.start), h) for h in live.get("figure", ())
                        if not _NOT_A_FIGURE.search(s, max(0, h.start - 6), h.start)]
        # A death that happened (抢救无效, "didn't make it"): what someone else did in that sentence or the one
        # before is how they died, a bereavement for the caller (docs/risk-levels.md: a story is not a risk).
        self.deaths = {self.clauses.sentence_of(h.start): h for h in live.get("died", ())}
        # An essay, a novel or a poem about a suicide (写海子卧轨的读后感): what that sentence names is the story's.
        self.literature = {self.clauses.sentence_of(h.start): h for h in live.get("literature", ())}
        # Sentences where someone else's act is not over: a threat to someone still open (a weapon, "finish
        # him"), or a person who lived through it (洗胃, "still in ICU"): at risk, not a death.
        harm = rules.harm_term_ids
        self.not_over = frozenset(self.clauses.sentence_of(a) for a, _, i in raw_terms
                                        if term_ids[i] in harm or term_ids[i] == "t.survived")
        self.by_clause: dict[int, list[tuple[str, _Mark]]] = {}
        # "At that time" refers back: the time last named before it ("前两晚割了手，割的时候是想死的" is recent).
        named = sorted((h.start, kind) for kind in ("past", "recent", "present") for h in live.get(kind, ()))
        for h in live.get("then", ()):
            earlier = [kind for start, kind in named if start < h.start]
            if not earlier and self._word(h) in _WHEN_AFTER_A_VERB:
                before = s[self.clauses.start_of(self.clauses.of(h.start)):h.start]
                if len(before.strip(" ,")) > 2 and not _LIFE_STAGE.search(before):
                    continue  # 揸车上高速嗰阵 "while driving on the motorway": when it happens, not a time gone by
            live.setdefault(earlier[-1] if earlier else "past", []).append(h)
        for kind in ("negation", "post_negation", "question", "past", "recent", "present", "third_party",
                     "acquaintance", "reported", "hesitation", "dream"):
            for h in live.get(kind, ()):
                self.by_clause.setdefault(self.clauses.of(h.start), []).append((kind, h))
        self.question_clauses = frozenset(self.clauses.of(h.start) for h in live.get("question", ()))

        for h in self.risk + self.terms + self.buffers:
            if idiom_mask is not None and idiom_mask.find(1, h.start, h.end) >= 0:
                h.discount = Discount.intensifier
                h.why = f"inside intensifier idiom '{self._idiom_at(h)}'"
            else:
                self._judge(h)

    # ------------------------------------------------------------ per-match judgement

    def _idiom_at(self, h: _Hit) -> str:
        for g in self._idiom_hits:
            if g.start < h.end and g.end > h.start:
                return self.norm.text[g.start : g.end]
        return ""

    def _word(self, h: _Hit | _Mark) -> str:
        return self.norm.text[h.start : h.end]

    def _judge(self, h: _Hit) -> None:
        clause = self.clauses.of(h.start)
        mods = self.by_clause.get(clause, ())
        times = {}
        acquaintance = ""  # a friend or colleague as the subject: their long-ago past is their story
        for kind, m in mods:
            if kind == "negation" and m.start < h.start and _RHETORICAL_WHY.search(
                    self.norm.text, max(0, m.start - 8), m.start):
                continue  # "why not yet": a wish asked as a question
            if kind == "negation" and m.start < h.start:
                # before the phrase, within reach; or running into it (冇谂过 | 谂过死)
                reach = self.rules.modifiers[m.owner].reach
                gap = h.start - m.end
                if m.end > h.start or reach == 0 or (
                    (gap <= reach or (gap <= 2 * reach and _COORDINATED.search(self.norm.text, m.end, h.start)))
                    and not self.clauses.soft_between(m.end, h.start)
                ):
                    h.discount, h.why = Discount.negated, f"negated by '{self._word(m)}'"
                    return
            elif kind == "post_negation" and m.start >= h.end:
                reach = self.rules.modifiers[m.owner].reach
                if reach == 0 or m.start - h.end <= reach:
                    h.discount, h.why = Discount.negated, f"negated by '{self._word(m)}'"
                    return
            elif kind == "post_negation" and m.end <= h.start and h.start - m.end <= _FORM_DENIAL_RUNS_ON \
                    and self._word(m).endswith((" no", " denies", " denied")):
                # a form-style answer that goes on to say what is denied ("asked - no thoughts of hurting herself")
                h.discount, h.why = Discount.negated, f"negated by '{self._word(m)}'"
                return
            elif kind == "question" and m.start < h.start and (self._denied_next(clause, h)
                                                              or self._denied_after(mods, h)):
                h.discount, h.why = Discount.negated, f"asked ('{self._word(m)}') and denied"
                return
            elif kind in ("past", "recent", "present"):
                times.setdefault(kind, m)
            elif kind in ("third_party", "acquaintance") and m.end <= h.start and self._is_subject(m, h):
                h.third_party = True
                if kind == "acquaintance":
                    acquaintance = self._word(m)
            elif kind in ("reported", "hesitation", "dream"):
                # either side of the phrase, within reach (0: anywhere in the clause)
                gap = h.start - m.end if m.end <= h.start else m.start - h.end if m.start >= h.end else 0
                reach = self.rules.modifiers[m.owner].reach
                if reach == 0 or gap <= reach:
                    if kind == "reported":
                        h.reported = h.reported or self._word(m)
                    elif kind == "dream":
                        h.dreamt = h.dreamt or self._word(m)
                    else:
                        h.hesitant = h.hesitant or self._word(m)
        if not times and _AFTERMATH.search(self.norm.text, h.start, h.end):
            # 吞过安眠药，洗胃后住院两周: the rescue goes with the act told just before it, and with its time
            earlier, who = self._time_before(h)
            if earlier is not None:
                times[earlier[0]] = earlier[1]
                if who is not None and not h.third_party:
                    h.third_party = True
                    acquaintance = self._word(who[1]) if who[0] == "acquaintance" else acquaintance
        if not h.dreamt and clause > 0:
            # 会想，跳下去就…; 會諗「…」: a thought that ends its clause is about the clause that follows
            opening = self.clauses.start_of(clause)
            for kind, m in self.by_clause.get(clause - 1, ()):
                if kind == "dream" and opening - m.end <= _THOUGHT_RUNS_ON:
                    h.dreamt = self._word(m)
        if self._denied_after_list(clause, h):
            return
        if self._asked_bare(clause, h) and self._denied_next(clause, h):
            h.discount, h.why = Discount.negated, "asked ('?') and denied"
            return
        if not h.reported:
            said = _IF_SOMEONE_SAYS.search(self.norm.text, self.clauses.start_of(clause), h.start)
            if said is not None and h.start - said.end() <= _SAYS_REACH and not _IF_I.match(said.group(0)):
                h.reported = said.group(0)  # "如果有朋友跟我说想死，我该怎么接": a helper's what-if
        if self.literature and not h.reported:
            mark = self.literature.get(self.clauses.sentence_of(h.start))
            if mark is not None:
                h.reported = self._word(mark)
        if h.reported and self.identifying:
            who = self.identifying.get(self.clauses.sentence_of(h.start))
            if who is not None:
                h.reported, h.identified = "", self._word(who)
        if self.later and "present" not in times:
            mark = self.later.get(self.clauses.sentence_of(h.start))
            if mark is not None:
                h.later = self._word(mark)
        if self.all_clear is not None and self.clauses.sentence_of(h.start) in self.worried:
            h.cleared = self._word(self.all_clear)
        if self.figures:
            said = self.clauses.sentence_of(h.start)
            for sentence, mark in self.figures:
                if mark.start >= h.end and sentence - said <= _FIGURE_ANSWERS_BACK:
                    h.figure = self._word(mark)
                    break
        if "present" in times:
            h.time, h.time_word = _NOW, self._word(times["present"])
        elif "recent" in times:
            h.time, h.time_word = _RECENT, self._word(times["recent"])
            if acquaintance and not h.reported and _DONE_AND_OVER.search(h.time_word) \
                    and not self.not_over & {said := self.clauses.sentence_of(h.start), said + 1}:
                # "a colleague jumped from the dorm last month": what a colleague or a patient did weeks ago is
                # the caller's loss and shock (docs/risk-levels.md: a story), not a risk to anyone now; what a
                # friend is doing "these days" or did "last night" stays a flag about them
                h.reported = acquaintance
        elif "past" in times:
            h.time, h.time_word = _PAST, self._word(times["past"])
            h.discount, h.why = Discount.past, f"history: '{h.time_word}'"
            if acquaintance and not h.reported:
                # "a friend who attempted years ago and is safe now": theirs, and over (docs/risk-levels.md: a story)
                h.reported = acquaintance
        if h.third_party and not h.reported and self.deaths:
            said = self.clauses.sentence_of(h.start)
            died = self.deaths.get(said) or self.deaths.get(said + 1)
            if died is not None:
                h.reported = self._word(died)

    def _time_before(self, h: _Hit):
        """The time of the nearest clause before `h` in its sentence that names one (recent over past, as
        within a clause), as (kind, mark), and someone else named there as the one who acted; Nones if none."""
        sentence = self.clauses.sentence_of(h.start)
        for clause in range(self.clauses.of(h.start) - 1, -1, -1):
            if self.clauses.sentence_of(self.clauses.start_of(clause)) != sentence:
                break
            marks = self.by_clause.get(clause, ())
            named = {kind: m for kind, m in marks if kind in ("past", "recent")}
            if named:
                # and whose act it was: 大学室友三年前吃过药，被救回来了 is the room-mate's rescue
                who = next(((kind, m) for kind, m in marks if kind in ("third_party", "acquaintance")
                            and self._is_subject(m, h)), None)
                return ("recent", named["recent"]) if "recent" in named else ("past", named["past"]), who
        return None, None

    def _asked_bare(self, clause: int, h: _Hit) -> bool:
        """A clause that is only the topic and a question mark ("SI?", 傷害自己？, "Q: kill yourself?") is the
        counsellor asking; a longer one ending in "?" (活着有什么意思？) is the caller's own question."""
        text = self.norm.text
        end = self.clauses.breaks[clause] if clause < len(self.clauses.breaks) else len(text)
        if end >= len(text) or text[end] != "?" or len(text[h.end:end].strip(" '\"「」“”")) > 2:
            return False
        asked = text[self.clauses.start_of(clause):h.start].rsplit("/", 1)[-1]  # "…／傷害自己？": a field of its own
        return len(_QA_LABEL.sub("", asked).strip(" ,:：/'\"「」“”-—")) <= 3

    def _denied_after_list(self, clause: int, h: _Hit) -> bool:
        """Asked about a list, answered once at its end ("asked about talk of death, self-harm, giving things
        away - none"; 问有无轻生念头、自伤、计划：均无): the answer covers every item the question named."""
        if not self.question_clauses or not any(
                clause - _LIST_CLAUSES <= c <= clause for c in self.question_clauses):
            return False  # most hits: no question anywhere near
        text = self.norm.text
        sentence = self.clauses.sentence_of(h.start)
        asked = next((m for c in range(max(0, clause - _LIST_CLAUSES), clause + 1)
                      for kind, m in self.by_clause.get(c, ()) if kind == "question" and m.start < h.start
                      and self.clauses.sentence_of(m.start) == sentence), None)
        if asked is None:
            return False
        for c in range(clause, clause + _LIST_CLAUSES + 1):
            for kind, m in self.by_clause.get(c, ()):
                if kind not in ("negation", "post_negation") or m.start < h.end or c == clause \
                        or self._word(m) in _NEVER_AN_ANSWER:
                    continue  # in its own clause an answer is _denied_after's to read, not a list's
                if m.start - h.end > _LIST_REACH or self.clauses.sentence_of(m.start) != sentence \
                        or _AFFIRMED.search(text, h.end, m.start):
                    return False
                after = text[m.end:m.end + 7].strip()
                if not after or after[0] in _ANSWER_ENDS or after[0] in _ANSWER_PARTICLES:
                    h.discount, h.why = Discount.negated, f"asked ('{self._word(asked)}') and denied"
                    return True
                return False  # the first denial after it goes on: it is about something else
        return False

    def _denied_after(self, mods, h: _Hit) -> bool:
        """A bare answer in the same clause, right after what was asked ("asked about SI - clear no:");
        not a negation that goes on ("asked about SI - yes, no plan")."""
        text = self.norm.text
        for kind, m in mods:
            if kind in ("negation", "post_negation") and 0 <= m.start - h.end <= 3 * _QUESTION_ANSWER_REACH \
                    and self._word(m) not in _NEVER_AN_ANSWER:
                after = text[m.end:m.end + 7].strip()
                if not after or after[0] in _ANSWER_ENDS or after[0] in _ANSWER_PARTICLES \
                        or after.startswith(_ANSWER_REPEATS):
                    return True
        return False

    def _denied_next(self, clause: int, h: _Hit) -> bool:
        if clause >= len(self.clauses.breaks):
            return False
        opening = self.clauses.breaks[clause]
        text = self.norm.text
        if _AFFIRMED.search(text, h.end, opening):
            return False  # answered yes in the asking clause itself ("asked if planning - 'I think so'")
        if clause + 1 < len(self.clauses.breaks):
            after = self.clauses.breaks[clause + 1]
            if _ANSWER_MANNER.fullmatch(text[opening:after].strip(" ,，.。;；:：-—–'\"「」“”")):
                clause, opening = clause + 1, after
        lead = _ANSWER_LEAD.match(text, opening)
        reach = _QUESTION_ANSWER_REACH + (lead.end() - lead.start() if lead else 0)
        if _ANSWER_DISMISSES.match(text, lead.end() if lead else opening):
            return True  # 想那些干嘛, 我还要看孙子娶媳妇, "not to that point": an answer that waves it away
        for kind, m in self.by_clause.get(clause + 1, ()):
            if kind in ("negation", "post_negation") and m.start - opening <= reach:
                if _AFFIRMED.search(text, opening, m.start):
                    return False
                if _NEW_TOPIC.search(text, opening, m.start):
                    return False  # "…今天家属还没到": a new time or someone else, not the answer
                # An answer (说没有, 话不会, "said no"), not a new statement whose verb happens to be
                # negated (又说不想再复诊 "also said he doesn't want more check-ups").
                if not _ANSWER_GOES_ON.match(text, m.end):
                    return True
        return False

    def _is_subject(self, marker: _Mark, h: _Hit) -> bool:
        s = self.norm.text
        if marker.start > 0 and s[marker.start - 1] in _OBJECT_PARTICLES:
            return False
        if s.startswith(("的", "'s", "啲", "嘅"), marker.end):
            return False  # a possessive (我妈的药, "my mum's pills") names whose things, not who acts
        before = s[max(0, marker.start - 6) : marker.start]
        if before.endswith(_OBJECT_PREFIX_EN):
            return False
        between = s[marker.end : h.start]
        return "我" not in between and not _FIRST_PERSON_EN.search(between)

    # ------------------------------------------------------------ evidence

    def _span_text(self, start: int, end: int) -> tuple[str, int, int]:
        a, b = self.norm.span(start, end)
        return self.original[a:b], a, b

    def _evidence(self, rule: Rule | Pattern, start: int, end: int, discount, time: int,
                  time_word: str, third_party: bool, why: str, reported: str = "",
                  hesitant: str = "", identified: str = "", dreamt: str = "",
                  wholly_others: bool | None = None, later: str = "", cleared: str = "",
                  figure: str = "") -> Evidence:
        if discount in (Discount.negated, Discount.intensifier):
            level = RiskLevel.none
        elif time == _PAST and (third_party if wholly_others is None else wholly_others) and rule.subject == "auto":
            # Someone else's history (a friend who attempted years ago and is well now): a story, no level
            # (docs/risk-levels.md). Recent ("my brother has been cutting himself lately") stays a flag about
            # them, and a combination is someone else's only when every part is (我吃了我妈的药 is the caller's act).
            level = RiskLevel.none
            discount, why = Discount.reported, why or f"someone else's history: '{time_word}'"
        elif time == _PAST:
            level = rule.past_level
        elif time == _RECENT:
            level = rule.recent_level
            why = why or f"recent: '{time_word}'"
        else:
            level = rule.level
        if level > RiskLevel.none and discount not in (Discount.negated, Discount.intensifier):
            if reported:
                # someone else's story (news, a drama, "有人跳楼"): exposure to suicide, not anyone's risk
                # now; docs/risk-levels.md: it raises no level. The evidence stays, for the counsellor to ask about.
                level = RiskLevel.none
                discount, why = Discount.reported, f"someone else's story: '{reported}'"
            elif dreamt and level > RiskLevel.moderate:
                # a dream of dying or of a method: thoughts, not an act or a plan (C-SSRS Q3 at most)
                level = RiskLevel.moderate
                if discount is None:
                    discount, why = Discount.dream, f"in a dream: '{dreamt}'"
            elif hesitant and level > RiskLevel.moderate:
                # held back (不敢): a method thought of without intent to act now (C-SSRS Q3)
                level = max(RiskLevel.from_rank(level.rank - 1), RiskLevel.moderate)
                if discount is None:
                    discount, why = Discount.hesitant, f"held back: '{hesitant}'"
        if cleared and RiskLevel.none < level <= RiskLevel.moderate and discount is None:
            # only a worry, and the counsellor found nothing behind it; an act or a plan still counts
            level = RiskLevel.none
            discount, why = Discount.negated, f"a worry the counsellor explored: '{cleared}'"
        if figure and discount is None and (level == RiskLevel.moderate or (
                level == RiskLevel.high and rule.domain == Domain.harm_to_others and isinstance(rule, Rule))):
            # thoughts of dying the caller, asked, said were a way of speaking; a passive wish (low) stays,
            # an act, a plan or a means still counts. So does a threat said in anger and taken back
            # ("gonna kill my boss lol" → 讲笑): the words alone, not a weapon or a plan beside them.
            level = RiskLevel.none
            discount, why = Discount.negated, f"a way of speaking, the caller said: '{figure}'"
        if later and level == RiskLevel.imminent:
            # a plan for a later day (跳 from the roof "after the exams"): high, not happening now
            level = RiskLevel.high
            why = f"{why or rule.why} (set for later: '{later}')"
        if identified and discount is None:
            why = f"{why or rule.why} (the writer puts themself in someone else's story: '{identified}')"
        text, a, b = self._span_text(start, end)
        subject = Subject.third_party if third_party and rule.subject == "auto" else Subject.self
        return Evidence(rule.id, text, a, b, rule.domain, subject, discount, level, "text", "risk",
                        why or rule.why)

    def evidence(self) -> list[Evidence]:
        rules = self.rules
        out = [
            self._evidence(rules.rules[h.owner], h.start, h.end, h.discount, h.time, h.time_word,
                           h.third_party, h.why, h.reported, h.hesitant, h.identified, h.dreamt, later=h.later,
                           cleared=h.cleared, figure=h.figure)
            for h in self.risk
        ]
        out.extend(self._patterns())
        for h in self.buffers:
            if h.discount is None or h.discount == Discount.past:
                buf = rules.buffers[h.owner]
                text, a, b = self._span_text(h.start, h.end)
                out.append(Evidence(buf.id, text, a, b, None, Subject.self, None, RiskLevel.none,
                                    "text", "protective", buf.why))
        out.sort(key=lambda e: (e.start, e.end, e.rule_id))
        return out

    def _occurrences(self) -> dict[str, list[_Occ]]:
        occ: dict[str, list[_Occ]] = {}
        for table, hits in ((self.rules.rules, self.risk), (self.rules.terms, self.terms)):
            for h in hits:
                if h.discount in (Discount.negated, Discount.intensifier):
                    continue
                owner = table[h.owner]
                occ.setdefault(owner.id, []).append(
                    _Occ(h.start, h.end, h.time, h.third_party, self.clauses.of(h.start), h.reported,
                         h.hesitant, h.dreamt, h.later, getattr(owner, "role", ""), owner.id)
                )
        return occ

    def _patterns(self) -> list[Evidence]:
        if not self.rules.patterns:
            return []
        occ = self._occurrences()
        out: list[Evidence] = []
        for pat in self.rules.patterns:
            if pat.requires and not any(o for n in pat.requires for o in occ.get(n, ()) if not o.reported):
                continue
            parts = []
            for names in pat.parts:
                # By start, then longest first: names is a set, so without the second key two occurrences
                # at one place came in hash order and the evidence span changed from one process to the next.
                merged = sorted((o for n in names for o in occ.get(n, ())), key=lambda o: (o.start, -o.end, o.name))
                if not merged:
                    break
                parts.append(merged)
            else:
                out.extend(self._fire(pat, parts, occ))
        return out

    def _fire(self, pat: Pattern, parts: list[list[_Occ]], occ: dict[str, list[_Occ]]) -> list[Evidence]:
        fired: list[Evidence] = []
        # everyday-sense words that cancel this pattern where they stand nearby
        blocked = [o.start for n in pat.unless for o in occ.get(n, ())]
        reach = pat.within or len(self.norm.text)
        seen: list[tuple[int, int]] = []
        if pat.scope == "clause":
            group = lambda o: o.clause  # noqa: E731
        elif pat.scope in ("sentence", "sentences"):
            group = lambda o: self.clauses.sentence_of(o.start)  # noqa: E731
        else:
            group = lambda o: 0  # noqa: E731
        # "sentences": what the caller has, where they are and what they said, often told one sentence each
        spread = 1 if pat.scope == "sentences" else 0
        # A note-wide pattern's reach is already wide; only the reach inside a sentence is evened out.
        at = self._reading_distance() if pat.scope != "note" else range(len(self.norm.text) + 1)
        others = [(p, [at[o.start] for o in p]) for p in parts[1:]]
        for anchor in parts[0]:
            chosen = [anchor]
            where = group(anchor)
            for occs, starts in others:
                best = _nearest(occs, starts, at[anchor.start], pat.within, group, where, spread)
                if best is None:
                    break
                chosen.append(best)
            else:
                start = min(o.start for o in chosen)
                end = max(o.end for o in chosen)
                if blocked and any(at[start] - reach <= at[b] <= at[end] + reach for b in blocked):
                    continue
                # One firing per stretch of text: overlapping firings add nothing for a reader.
                if any(start < b and a < end for a, b in seen):
                    continue
                seen.append((start, end))
                time = _combined_time([o.time for o in chosen])
                discount = Discount.past if time == _PAST else None
                why = self._explain(pat, chosen) + (" (history)" if time == _PAST else "")
                reported = next((o.reported for o in chosen if o.reported), "")
                hesitant = next((o.hesitant for o in chosen if o.hesitant), "")
                dreamt = next((o.dreamt for o in chosen if o.dreamt), "")
                later = next((o.later for o in chosen if o.later), "")
                fired.append(self._evidence(pat, start, end, discount, time, "",
                                            any(o.third_party for o in chosen), why, reported, hesitant,
                                            dreamt=dreamt, wholly_others=all(o.third_party for o in chosen),
                                            later=later))
                if len(fired) >= 20:  # a huge note needs a few examples, not thousands
                    break
        return fired

    def _reading_distance(self) -> list[float]:
        """Where each character stands, counted so that a pattern's `within` reaches about as far in English
        as in Chinese: the same thing said in English takes two to three times the characters (a word of
        five letters and a space against two characters), so a Latin letter, digit or space counts half.
        "took the lot about twenty minutes before I rang, all the zopiclone" is one act in one breath."""
        if self._at is None:
            # in half characters, counted in C: translate to 1 or 2 per character, then running sums
            halves = self.norm.text.translate(_HALVES).encode("latin-1")
            self._at = list(map(_HALF.__mul__, accumulate(halves, initial=0)))
        return self._at

    def _explain(self, pat: Pattern, chosen: list[_Occ]) -> str:
        """"act '吞下去' · means '药' · when '半小时前' → attempt just made": the words that filled each part."""
        filled = [f"{o.role} '{self._span_text(o.start, o.end)[0]}'" for o in sorted(chosen, key=lambda o: o.start)
                  if o.role]
        return f"{' · '.join(filled)} → {pat.why}" if filled else pat.why


class _HalvesTable(dict):
    """str.translate table filled lazily: a Latin letter, digit or space is one half, anything else two."""

    def __missing__(self, code: int) -> str:
        self[code] = out = "\x01" if code < 0x80 else "\x02"
        return out


_HALVES = _HalvesTable()
_HALF = 0.5


def _combined_time(times: list[int]) -> int:
    """The time of a combination: the most current part decides, and a part that names no time is now,
    except where every part that names one names the past (then it is one past event: "overdosed in
    2018, admitted for two days")."""
    named = [t for t in times if t != _UNMARKED]
    if named and all(t == _PAST for t in named):
        return _PAST
    return min(_NOW if t == _UNMARKED else t for t in times)


def _nearest(occs: list[_Occ], starts: list[int], pos: int, within: int, group, where, spread: int) -> _Occ | None:
    """The occurrence nearest to pos in the same clause/sentence (or `spread` sentences away), if within reach."""
    limit = within if within else float("inf")
    i = bisect_left(starts, pos)
    # Walk outwards from pos in both directions until out of reach.
    lo, hi = i - 1, i
    while lo >= 0 or hi < len(occs):
        cands = []
        if hi < len(occs):
            cands.append(hi)
        if lo >= 0:
            cands.append(lo)
        j = min(cands, key=lambda k: abs(starts[k] - pos))
        d = abs(starts[j] - pos)
        if d > limit:
            break
        if abs(group(occs[j]) - where) <= spread:
            return occs[j]
        if j == hi:
            hi += 1
        else:
            lo -= 1
    return None


# ---------------------------------------------------------------- answers


def _answer_evidence(ans: Answers, desire: bool, mapping) -> tuple[list[Evidence], dict[str, bool]]:
    """Evidence from the structured answers, as the rule file's [[answer]] tables say (docs/risk-levels.md:
    C-SSRS Q1/Q2 low, Q3 moderate, Q4/Q5 high, Q6 recent high and older moderate)."""
    out: list[Evidence] = []
    lowerable: dict[str, bool] = {}
    for rule in mapping:
        if not (getattr(ans, rule.field) or (rule.also_field and getattr(ans, rule.also_field))):
            continue
        level, why, can_lower = rule.level, rule.why, rule.lowerable
        if rule.recency_field:
            recent = getattr(ans, rule.recency_field)
            if recent is False:
                level, why, can_lower = rule.older_level, rule.older_why or why, True
            elif recent is None and rule.unknown_recency_why:
                why = rule.unknown_recency_why
            elif recent and rule.recent_why:
                why = rule.recent_why
        if rule.with_desire_level is not None and desire:
            level, why = rule.with_desire_level, f"{why} with suicidal desire"
        if rule.kind == "score":
            level = RiskLevel.none
        out.append(Evidence(rule.id, "", 0, 0, rule.domain, Subject.self, None, level, "answers",
                            "protective" if rule.kind == "protective" else "risk", why))
        lowerable[rule.id] = can_lower
    return out, lowerable


# ---------------------------------------------------------------- entry points


def shipped_rules_file() -> bytes:
    """The rule file shipped with the package, as it is on disk."""
    return resources.files("hotline.triage").joinpath("rules.toml").read_bytes()


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The rule file shipped with the package, loaded once."""
    return parse_rules(shipped_rules_file(), "hotline/triage/rules.toml")


def answer_rules(rules: RuleSet) -> tuple:
    """How the call screen's answers count under these rules: their [[answer]] tables, or the shipped
    file's for a rule file written before answers moved into the rules."""
    return rules.answers if rules.answers is not None else (default_rules().answers or ())


_COUNTED = (None, Discount.past, Discount.reported, Discount.hesitant, Discount.dream)


def _counts(e: Evidence) -> bool:
    return e.kind == "risk" and e.discount in _COUNTED and e.level > RiskLevel.none


def assess(text: str, answers: Answers | None = None, rules: RuleSet | None = None, *,
           _finder: Any = None) -> Assessment:
    """Assess a counsellor's note plus the structured answers so far."""
    rules = rules or default_rules()
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    analysis = _TextAnalysis(rules, text, normalise(text), _finder or _find)
    evidence = analysis.evidence()
    rule_lowerable = dict(_tables(rules).rule_lowerable)

    if answers is not None:
        desire = any(
            _counts(e) and e.domain == Domain.suicide and e.discount is None and e.level >= RiskLevel.moderate
            for e in evidence
        ) or bool(answers.suicidal_thoughts or answers.method_thoughts or answers.intent or answers.plan)
        more, lowerable = _answer_evidence(answers, desire, answer_rules(rules))
        evidence.extend(more)
        rule_lowerable.update(lowerable)

    counted = [e for e in evidence if _counts(e)]
    top = max((e.level for e in counted), default=RiskLevel.none)
    buffers = {e.rule_id for e in evidence if e.kind == "protective"}
    level = top
    lowered = False
    # Buffers lower urgency by one step when at least two are present and every reason for
    # the current level is a lowerable one (ideation, not intent, plan, behaviour or danger now).
    if len(buffers) >= 2 and RiskLevel.moderate <= top <= RiskLevel.high:
        if all(rule_lowerable.get(e.rule_id, False) for e in counted if e.level == top):
            level, lowered = RiskLevel.from_rank(top.rank - 1), True

    risk_factors = sum(1 for e in evidence if e.source == "answers" and e.kind == "risk")
    distinct = len({e.rule_id for e in counted})
    extras = max(0, min(9, max(0, distinct - 1) + risk_factors - len(buffers)))
    score = float(level.rank * 10 + (extras if level > RiskLevel.none else 0))
    domains = tuple(d for d in Domain if any(e.domain == d for e in counted))
    return Assessment(
        level=level,
        score=score,
        domains=domains,
        evidence=tuple(evidence),
        actions=rules.actions[level],
        rules_version=rules.version,
        lowered_by_buffers=lowered,
    )


__all__ = ["answer_rules", "assess", "default_rules", "load_rules"]
