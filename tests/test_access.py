"""Who may see and change what, through AppTest with demo mode off: signed out there is only
the sign-in page; a viewer reads everything and changes nothing (no enabled edit control,
and a forged change is refused); a facilitator cannot reach admin pages; single sign-on
picks the account by email."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest, app_test
from test_app import APP, CRASH, PAGES, ExplicitNavigation

from groundwork import demo, passwords
from groundwork.store import open_store, release
from groundwork.ui import auth, signin
from groundwork.ui.text import plain

PASSWORD = "correct horse battery"
ORG = demo.ORGANISATION
# Controls that only choose what is shown, never change what is stored.
VIEWING = (
    "picker-",
    "pf-",
    "wi-",
    "dim-",
    "rm-days",
    "rm-capacity",
    "rm-item",
    "rubric-pick",
    "sign-out",
)


@pytest.fixture(autouse=True)
def accounts_required(monkeypatch):
    monkeypatch.setattr(app_test, "PagesManager", ExplicitNavigation)
    monkeypatch.delenv("GROUNDWORK_DEMO", raising=False)
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    signin.attempts.clear()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = demo.reset(tmp_path_factory.mktemp("access") / "groundwork.db")
    with open_store(path) as s:
        s.add_user("Ada Admin", "admin", password=PASSWORD, email="ada@example.org")
        s.add_user("Fran Facilitator", "facilitator", password=PASSWORD)
        s.add_user("Vic Viewer", "viewer", password=PASSWORD, email="vic@example.org")
    release(path)  # the accounts folded into the file itself, so that a copy has them
    return path


@pytest.fixture
def db(template, tmp_path, monkeypatch):
    path = tmp_path / "groundwork.db"
    shutil.copy(template, path)
    monkeypatch.setenv("GROUNDWORK_DB", str(path))
    return path


def app(secrets: dict | None = None, identity: dict | None = None, **query: str) -> AppTest:
    """The app, run once; ``secrets`` is what .streamlit/secrets.toml would hold, and
    ``identity`` what single sign-on put in ``st.user``."""
    at = AppTest.from_file(APP, default_timeout=60)
    for section, values in (secrets or {}).items():
        at.secrets[section] = values
    at.user = {**identity, "is_logged_in": True} if identity else {"is_logged_in": False}
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def shown(at: AppTest) -> str:
    """Every text the page shows, for checking what leaks."""
    kinds = ("markdown", "caption", "text", "title", "subheader", "info", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    form = [w for w in at.text_input if w.label in ("Name", "Password")]
    form[0].input(name)
    form[1].input(password)
    next(b for b in at.get("form_submit_button") if b.proto.label == "Sign in").click().run()
    return at


def signed_in_as(name: str, page: str | None = None, **query: str) -> AppTest:
    at = sign_in(app(**query), name)
    assert f"Signed in as **{plain(name)}**" in at.sidebar.caption[-1].value
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if CRASH in str(e.value)]
    return at


def edit_controls(at: AppTest) -> list[str]:
    """Every enabled control that is not only for choosing what is shown."""
    kinds = (
        "button",
        "form_submit_button",
        "text_input",
        "text_area",
        "radio",
        "checkbox",
        "date_input",
        "number_input",
        "color_picker",
        "file_uploader",
        "button_group",
    )  # a selectbox outside a form only chooses what is shown; a form has a submit button
    found = []
    for kind in kinds:
        for w in at.get(kind):
            key = getattr(w, "key", None) or ""
            label = str(getattr(w.proto, "label", ""))
            if getattr(w.proto, "disabled", False) or key.startswith(VIEWING):
                continue
            if kind == "button" and label.startswith("Next:"):  # to the next dimension
                continue
            found.append(f"{kind} {key or label}")
    return found


@pytest.mark.parametrize("query", [{}, {"round": "1"}])
def test_signed_out_there_is_only_the_sign_in_page_and_no_data(db, query):
    at = app(**query)
    assert [t.value for t in at.title] == ["Sign in"]
    assert ORG not in shown(at), "no page's data is shown"
    for page in PAGES:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_a_fresh_install_says_how_to_create_the_first_admin(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDWORK_DB", str(tmp_path / "new.db"))
    at = app()
    assert "groundwork user add NAME --role admin" in shown(at)
    assert "groundwork serve --demo" in shown(at)


def test_a_wrong_password_gets_a_plain_message_and_no_access(db):
    at = sign_in(app(), "Vic Viewer", "not the password")
    assert [e.value for e in at.error] == [signin.WRONG]
    assert [t.value for t in at.title] == ["Sign in"]
    assert auth.SESSION_KEY not in at.session_state
    at = sign_in(app(), "Nobody", PASSWORD)
    assert [e.value for e in at.error] == [signin.WRONG], "the same words for an unknown name"


def test_repeated_wrong_passwords_hold_the_name_back_even_with_the_right_one(db):
    at = app()
    for _ in range(5):
        sign_in(at, "Ada Admin", "guess guess guess")
    sign_in(at, "Ada Admin")
    assert [e.value for e in at.error] == [signin.TOO_MANY]
    assert [t.value for t in at.title] == ["Sign in"]
    assert "Signed in" not in "".join(c.value for c in at.sidebar.caption)


def test_signing_in_opens_the_app_with_the_user_s_name_and_role_and_signing_out_ends_it(db):
    at = signed_in_as("Fran Facilitator")
    assert at.title[0].value == "Portfolio"
    assert "facilitator" in at.sidebar.caption[-1].value
    assert not at.sidebar.text_input, "no 'Your name' box: the audit log takes the account"
    at.sidebar.button(key="sign-out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_what_a_facilitator_changes_is_audited_under_their_name(db):
    with open_store(db) as s:
        aid = next(a.id for a in s.assessments() if not a.final)
        level = 2 if s.answers(aid)["MON-1"].value != 2 else 3
    at = signed_in_as("Fran Facilitator", "pages/assess.py", round=str(aid))
    at.radio(key=f"a{aid}-MON-1-level").set_value(level).run()
    with open_store(db) as s:
        assert s.answers(aid)["MON-1"].value == level
        assert s.audit_log("assessment", aid)[-1]["who"] == "Fran Facilitator"


@pytest.mark.parametrize(
    "page", [p for p in PAGES if p not in ("pages/users.py", "pages/workshop.py")]
)
def test_a_viewer_sees_the_data_with_no_enabled_edit_control(db, page):
    with open_store(db) as s:
        draft = next(a.id for a in s.assessments() if not a.final)
    at = signed_in_as("Vic Viewer", page, round=str(draft))
    assert at.title[0].value == Path(page).stem.capitalize()
    assert edit_controls(at) == []
    if page == "pages/portfolio.py":
        assert ORG in shown(at), "the viewer reads the portfolio"
    if page == "pages/rubric.py":
        assert [t.label for t in at.tabs] == ["Browse"], "no rubric upload"


def test_a_viewer_on_a_scope_without_a_round_cannot_start_one(db):
    with open_store(db) as s:
        scope = next(sc.id for sc in s.scopes(kind="system"))
    at = signed_in_as("Vic Viewer", "pages/assess.py", scope=str(scope))
    assert edit_controls(at) == []
    assert "a facilitator starts a round" in shown(at)


def test_a_forged_change_from_a_viewer_is_refused_and_nothing_is_stored(db):
    with open_store(db) as s:
        aid = next(a.id for a in s.assessments() if not a.final)
        before = s.answers(aid)
        log = len(s.audit_log())
    at = signed_in_as("Vic Viewer", "pages/assess.py", round=str(aid))
    radio = at.radio(key=f"a{aid}-MON-1-level")
    assert radio.disabled
    radio._value = 2 if radio.value != 2 else 3  # as a hand-made websocket message could
    at.run()
    with open_store(db) as s:
        assert s.answers(aid) == before
        assert len(s.audit_log()) == log


def forced_write():
    """A page part that writes without asking the role first."""
    import streamlit as st

    from groundwork import ui

    with ui.friendly_errors(), ui.store() as s:
        s.create_organisation("Forged", who=ui.who())
        st.success("written")


@pytest.mark.parametrize(("name", "written"), [("Vic Viewer", False), ("Fran Facilitator", True)])
def test_the_page_layer_store_refuses_any_write_of_a_viewer(db, name, written):
    with open_store(db) as s:
        account = s.account(name).id
    at = AppTest.from_function(forced_write, default_timeout=60)
    at.session_state[auth.SESSION_KEY] = account
    at.run()
    if written:
        assert [m.value for m in at.success] == ["written"]
    else:
        assert [e.value for e in at.error] == [auth.READ_ONLY.format(role="viewer")]
    with open_store(db) as s:
        assert ("Forged" in {o["name"] for o in s.organisations()}) is written


def test_a_viewer_cannot_reach_the_workshop_console(db):
    at = signed_in_as("Vic Viewer")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/workshop.py")  # not registered for a viewer: a stand-in runs
    assert (
        "Workshop" not in [p.label for p in at.sidebar.get("page_link")]
        if hasattr(at.sidebar, "get")
        else True
    )


def test_a_facilitator_cannot_reach_the_admin_pages_or_controls(db):
    at = signed_in_as("Fran Facilitator")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/users.py")
    assert not [e for e in at.get("expander") if "Branding" in e.label]
    at.switch_page("pages/rubric.py").run()
    assert [t.label for t in at.tabs] == ["Browse"]


def in_form(at: AppTest, kind: str, every: bool = False):
    """The widget(s) of ``kind`` in the users page's change form."""
    found = [w for w in at.get(kind) if w.form_id.startswith("change-")]
    return found if every else found[0]


def test_an_admin_adds_a_user_changes_the_role_and_resets_the_password(db):
    at = signed_in_as("Ada Admin", "pages/users.py")
    assert at.title[0].value == "Users"
    add = [w for w in at.text_input if w.key is None or w.key.startswith("add-")]
    labels = {w.label: w for w in add}
    labels["Name (they sign in with it)"].input("Nia New")
    labels["Password"].input("a new password!")
    labels["The same password again"].input("a new password!")
    next(b for b in at.get("form_submit_button") if b.proto.label == "Add user").click().run()
    assert not at.error, [e.value for e in at.error]
    with open_store(db) as s:
        assert s.account("Nia New").role == "viewer"
        assert s.authenticate("Nia New", "a new password!")
    at.selectbox(key="change-user").select("Nia New").run()
    in_form(at, "selectbox").select("facilitator")
    for w in in_form(at, "text_input", every=True):
        if (w.key or "").endswith(("-pw", "-pw2")):
            w.input("another password")
    in_form(at, "form_submit_button").click().run()
    assert not at.error, [e.value for e in at.error]
    with open_store(db) as s:
        assert s.account("Nia New").role == "facilitator"
        assert s.authenticate("Nia New", "another password")
        assert not s.authenticate("Nia New", "a new password!")
        assert {r["who"] for r in s.audit_log("user") if r["action"] == "update"} == {"Ada Admin"}


def test_an_admin_demoting_the_last_admin_is_told_and_nothing_changes(db):
    at = signed_in_as("Ada Admin", "pages/users.py")
    at.selectbox(key="change-user").select("Ada Admin").run()
    in_form(at, "selectbox").select("viewer")
    in_form(at, "form_submit_button").click().run()
    assert any("last admin" in e.value for e in at.error)
    with open_store(db) as s:
        assert s.account("Ada Admin").role == "admin"


def test_a_disabled_account_is_signed_out_at_its_next_step(db):
    at = signed_in_as("Fran Facilitator")
    with open_store(db) as s:
        s.update_user("Fran Facilitator", "Ada Admin", disabled=True)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]


@pytest.mark.parametrize(
    ("claims", "default_role", "expected"),
    [
        ({"email": "VIC@example.org", "name": "V"}, None, ("Vic Viewer", "viewer")),
        ({"email": "ada@example.org", "email_verified": False}, "viewer", None),
        ({"email": "stranger@example.org"}, None, None),
        ({"email": "stranger@example.org"}, "viewer", ("stranger@example.org", "viewer")),
        ({"email": "stranger@example.org"}, "owner", None),
    ],
    ids=["account-by-email", "unverified", "unknown", "default-role", "bad-default"],
)
def test_single_sign_on_takes_the_role_of_the_account_with_that_email(
    db, claims, default_role, expected
):
    sections = {"auth": {"client_id": "x"}, "groundwork": {"sso_role": default_role}}
    at = app(sections, claims)
    if expected is None:
        assert [t.value for t in at.title] == ["Sign in"]
        assert any("no account with that" in w.value for w in at.warning)
        assert ORG not in shown(at)
    else:
        assert at.title[0].value == "Portfolio"
        caption = at.sidebar.caption[-1].value
        assert f"Signed in as **{plain(expected[0])}** · {expected[1]}" in caption


def test_signed_out_with_single_sign_on_offers_the_provider(db):
    sections = {"auth": {"redirect_uri": "x", "google": {"client_id": "x"}}}
    at = app(sections)
    assert [b.label for b in at.button if not b.form_id] == ["Sign in with google"]
    assert [w.label for w in at.text_input] == ["Name", "Password"], "local accounts too"


def test_a_markdown_shaped_account_name_is_shown_as_typed(db):
    from hostile import hostile

    name = hostile("Mallory")[:80]
    with open_store(db) as s:
        s.add_user(name, "viewer", password=PASSWORD)
    at = signed_in_as(name)
    assert f"Signed in as **{plain(name)}**" in at.sidebar.caption[-1].value
    assert "**bold**" not in at.sidebar.caption[-1].value, "escaped, not bold"


def test_signing_out_of_single_sign_on_ends_the_identity(db):
    at = app({"auth": {"client_id": "x"}}, {"email": "vic@example.org"})
    assert "Signed in as **Vic Viewer**" in at.sidebar.caption[-1].value
    at.sidebar.button(key="sign-out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.user.get("is_logged_in")
