"""The triage playground, the rules page, rule reloads, /api/v1/triage and `hotline triage`."""

import json

from typer.testing import CliRunner

from hotline.accounts.models import Role
from hotline.cli import app as cli
from hotline.i18n import LOCALE_COOKIE
from hotline.rulebook.service import ActiveRules, highlight
from hotline.triage import assess
from support import post_form


def shipped_rules_text() -> str:
    from importlib import resources

    return resources.files("hotline.triage").joinpath("rules.toml").read_text(encoding="utf-8")


def test_playground_highlights_what_fired_and_what_was_discounted(client, logged_in):
    logged_in(Role.supervisor)
    assert "Triage playground" in client.get("/triage").text
    response = post_form(client, "/triage", {"text": "累死了。她否认自杀念头，但今晚准备吃安眠药。"},
                         headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-level="high"' in response.text or 'data-level="imminent"' in response.text
    assert '<mark class="counted"' in response.text
    assert '<mark class="discounted"' in response.text  # the denial
    assert "suicide." in response.text or "p." in response.text


def test_playground_answers_count(client, logged_in):
    logged_in(Role.admin)
    response = post_form(client, "/triage", {"text": "", "a_plan": "on", "a_intent": "on"},
                         headers={"HX-Request": "true"})
    assert 'data-level="high"' in response.text


def test_playground_refuses_oversized_text(client, logged_in):
    logged_in(Role.supervisor)
    response = post_form(client, "/triage", {"text": "x" * 100_001}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "too long" in response.text


def test_rules_page_lists_rules_with_phrases(client, logged_in):
    logged_in(Role.supervisor)
    page = client.get("/triage/rules").text
    assert "suicide.attempt_now" in page
    assert "吃了一整瓶" in client.get("/triage/rules/words/suicide.attempt_now").text  # a rule's words, on opening
    assert "Reload the rule file" not in page  # only admins reload
    # a combination's reading and context conditions arrive when it is opened, as a fragment
    assert 'id="p.seek_method"' in page and "Only where one of these is also found:" not in page
    combination = client.get("/triage/rules/combinations/p.seek_method", headers={"HX-Request": "true"})
    assert combination.status_code == 200 and "<html" not in combination.text
    assert "Only where one of these is also found:" in combination.text and "t.seek + " in combination.text
    guarded = client.get("/triage/rules/combinations/act.emergency_called").text
    assert "Not where one of these is found nearby:" in guarded and "c.emergency_advice" in guarded
    assert client.get("/triage/rules/combinations/p.nothing").status_code == 404
    # concepts with the part they fill, and how each screener answer counts: all in the rule file now
    assert 'id="c.ingest_done"' in page and "part: act" in page
    words = client.get("/triage/rules/words/c.ingest_done", headers={"HX-Request": "true"})
    # Cantonese words of their own are listed; grammar words show as the Mandarin they are read as (食咗 吃了)
    assert words.status_code == 200 and "吞落肚" in words.text and "<html" not in words.text
    missing = client.get("/triage/rules/words/c.nothing")
    assert missing.status_code == 404 and "There is no concept c.nothing" in missing.text
    answers = page.split('data-testid="answer-rules"', 1)[1].split("</table>", 1)[0]
    assert 'id="answers.plan"' in answers and "C-SSRS Q5" in answers
    assert "if not within 3 months: Moderate" in answers and "with suicidal desire: High" in answers


def test_rules_page_reads_the_rule_files_reasons_in_the_readers_language(client, logged_in):
    logged_in(Role.supervisor)
    client.cookies.set(LOCALE_COOKIE, "zh_CN")
    page = client.get("/triage/rules").text
    assert "热线默认规则" in page and "hotline default rules" not in page  # the file's name
    assert "自杀正在进行或刚刚实施：让来电者保持通话" in page  # a rule's reason
    assert "Attempt in progress or just made" not in page
    # the ids a reason names are codes, like the ids beside it; its English examples are marked English
    assert "属于 <code>p.painless_method</code>" in client.get("/triage/rules/combinations/p.seek_method").text
    farewell = client.get("/triage/rules/combinations/p.farewell").text
    assert "<span lang=\"en\">&#39;goodbye everyone&#39;</span>" in farewell
    assert "部分：行为" in page and "part: act" not in page  # the part a concept fills
    assert "保持通话，不要挂断。" in page and "Keep the caller on the line." not in page  # actions, in one language
    words = client.get("/triage/rules/words/t.soon").text
    assert "临近的时间：数日之内的计划为高风险" in words  # a concept's reason, with its words
    client.cookies.set(LOCALE_COOKIE, "zh_Hant")
    assert "熱線預設規則" in client.get("/triage/rules").text


def test_api_triage_json(client, logged_in):
    from support import csrf_token

    logged_in(Role.counsellor)
    headers = {"X-CSRFToken": csrf_token(client)}
    response = client.post("/api/v1/triage", json={"text": "He has a gun and wants to die.",
                                                   "answers": {"access_to_means": True}}, headers=headers)
    body = response.json()
    assert response.status_code == 200
    assert set(body) >= {"level", "score", "domains", "evidence", "actions", "rules_version"}
    assert body["level"] in ("high", "imminent")
    for payload in ({"text": "x", "answers": {"favourite": True}}, {"text": "x" * 100_001}, {"words": "x"}):
        response = client.post("/api/v1/triage", json=payload, headers=headers)
        assert response.status_code == 422, payload
        assert response.json()["detail"]
    response = client.post("/api/v1/triage", content="{broken", headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 422


def test_a_bad_reload_keeps_the_last_good_rules(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(shipped_rules_text(), encoding="utf-8")
    active = ActiveRules(path)
    good = active.current
    path.write_text(shipped_rules_text().replace('id = "suicide.intent"', 'id = "suicide.passive_wish"'),
                    encoding="utf-8")
    try:
        active.reload()
    except Exception as error:  # noqa: BLE001
        assert "duplicate" in str(error.message).lower() or "suicide.passive_wish" in str(error.message)
    else:
        raise AssertionError("a duplicate id must be refused")
    assert active.current is good and "suicide.passive_wish" in active.last_error
    path.write_text(shipped_rules_text(), encoding="utf-8")
    assert active.reload() is not good and active.last_error is None


def test_a_reload_on_one_worker_reaches_the_others_with_what_it_read(tmp_path, engine, make_user):
    """Workers of one console each hold the rules in memory: a reload on whichever worker served the
    admin must reach the rest, with the file as it was read then, not as it is when they look."""
    path = tmp_path / "rules.toml"
    path.write_text(shipped_rules_text(), encoding="utf-8")
    admin = make_user(Role.admin)
    worker_a = ActiveRules(path, engine=engine, refresh_seconds=0)
    worker_b = ActiveRules(path, engine=engine, refresh_seconds=0)
    before = worker_b.current.version
    assert worker_a.current.version == before

    stricter = shipped_rules_text().replace('"took a whole bottle",', '"took a whole bottle", "ate the whole pack",', 1)
    path.write_text(stricter, encoding="utf-8")
    fresh = worker_a.reload(by_id=admin.id)
    assert fresh.version != before and worker_a.current is fresh
    path.write_text("[[rule]\nhalf-edited again", encoding="utf-8")  # someone goes on editing the file
    assert worker_b.current.version == fresh.version and worker_b.last_error is None
    assert assess("She says she ate the whole pack an hour ago.", None, worker_b.current).level.value == "imminent"

    # A worker that starts reads the file; earlier reloads are not replayed over it.
    path.write_text(shipped_rules_text(), encoding="utf-8")
    worker_c = ActiveRules(path, engine=engine, refresh_seconds=0)
    assert worker_c.current.version == before


def test_admin_reload_reports_a_refused_file_in_the_page(client, app, logged_in, tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(shipped_rules_text(), encoding="utf-8")
    app.state.rules = ActiveRules(path)
    logged_in(Role.admin)
    path.write_text("[[rule]\nbroken", encoding="utf-8")
    response = post_form(client, "/triage/rules/reload")
    assert response.status_code == 303
    page = client.get("/triage/rules").text
    assert "The rule file was refused" in page and "The last reload failed" in page


def test_highlight_cuts_text_into_marked_pieces():
    evidence = [{"source": "text", "start": 2, "end": 4, "level": "high"},
                {"source": "text", "start": 3, "end": 5, "level": "low"}]
    pieces = highlight("abcdefg", evidence)
    assert "".join(piece.text for piece in pieces) == "abcdefg"
    assert [piece.text for piece in pieces if piece.evidence] == ["cd"]


def test_cli_triage_readable_json_and_jsonl(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DEFAULT_LOCALE", "en")
    runner = CliRunner()
    result = runner.invoke(cli, ["triage", "她现在就在楼顶，说要跳下去"])
    assert result.exit_code == 0 and result.output.startswith("level: imminent")
    result = runner.invoke(cli, ["triage", "累死了", "--json"])
    assert json.loads(result.output)["level"] == "none"
    lines = "\n".join([json.dumps({"id": "a", "text": "I took all my pills"}),
                       json.dumps({"id": "b", "text": "ok", "answers": {"nope": True}})])
    result = runner.invoke(cli, ["triage", "--jsonl"], input=lines)
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["id"] == "a" and rows[0]["level"] == "imminent"
    assert rows[1]["id"] == "b" and "Unknown field" in rows[1]["error"]
    assert result.exit_code == 1
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nid = 'x'\n", encoding="utf-8")
    result = runner.invoke(cli, ["triage", "x", "--rules", str(bad)])
    assert result.exit_code == 2 and "bad.toml" in result.output
