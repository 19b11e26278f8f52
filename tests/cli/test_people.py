from tests.helpers import Cli


def test_people_are_listed_with_their_roles(cli: Cli, people: None) -> None:
    listed = {p["name"]: p for p in cli.json("people", "list")}
    assert listed["Omar Haddad"] == {
        "name": "Omar Haddad",
        "email": "omar@example.org",
        "roles": ["process_owner:Incident Management"],
        "active": True,
        "notify": "now",
    }
    assert len(listed) == 5
    assert "Omar Haddad" in cli.ok("people", "list").stdout


def test_a_name_or_email_is_registered_once(cli: Cli, people: None) -> None:
    assert cli.fails("people", "add", "omar haddad", "--email", "o2@example.org") == [
        "error: 'omar haddad' is already registered (as Omar Haddad)"
    ]
    assert cli.fails("people", "add", "Someone", "--email", "OMAR@example.org") == [
        "error: 'OMAR@example.org' is already registered (as Omar Haddad)"
    ]


def test_bad_roles_and_emails_are_usage_errors_that_change_nothing(cli: Cli, people: None) -> None:
    (line,) = cli.fails("people", "add", "X", "--email", "x@example.org", "--role", "boss", code=2)
    assert line.startswith("error: unknown role 'boss'")
    (line,) = cli.fails(
        "people", "add", "X", "--email", "x@example.org", "--role", "process_owner", code=2
    )
    assert "needs a scope" in line
    cli.fails("people", "add", "X", "--email", "not-an-address", code=2)
    assert len(cli.json("people", "list")) == 5


def test_a_full_role_cannot_be_given_a_scope(cli: Cli, people: None) -> None:
    (line,) = cli.fails(
        "people",
        "add",
        "X",
        "--email",
        "x@example.org",
        "--role",
        "ci_manager:Service Desk",
        code=2,
    )
    assert (
        line
        == "error: role ci_manager takes no scope; write ci_manager alone, not ci_manager:Service Desk"
    )


def test_people_are_edited_and_deactivated_and_history_keeps_them(cli: Cli, people: None) -> None:
    cli.ok(
        "people",
        "edit",
        "Priya Nair",
        "--role",
        "improvement_team",
        "--role",
        "data_analyst: SERVICE : Email",
    )
    cli.ok("people", "edit", "priya@example.org", "--email", "priya.nair@example.org")
    priya = next(p for p in cli.json("people", "list") if p["name"] == "Priya Nair")
    assert priya["email"] == "priya.nair@example.org"
    assert priya["roles"] == ["improvement_team", "data_analyst:service:Email"]
    assert cli.fails("people", "edit", "Priya Nair", "--name", "Omar Haddad") == [
        "error: 'Omar Haddad' is already registered (as Omar Haddad)"
    ]
    cli.ok("people", "add", "ÖMER TEST", "--email", "o1@example.org")
    assert cli.fails("people", "add", "ömer test", "--email", "o2@example.org") == [
        "error: 'ömer test' is already registered (as ÖMER TEST)"
    ]
    cli.ok("people", "deactivate", "Priya Nair")
    assert (
        next(p for p in cli.json("people", "list") if p["name"] == "Priya Nair")["active"] is False
    )
    assert cli.fails("people", "deactivate", "Priya Nair", code=2) == [
        "error: Priya Nair is already deactivated"
    ]
    assert cli.fails(
        "people", "edit", "Lena Fischer", "--role", "ci_manager", "--as", "Lena Fischer"
    ) == ["error: Lena Fischer may not manage people: only a CI manager may"]


def test_a_weak_password_is_refused_with_exit_1_and_every_rule_it_breaks(
    cli: Cli, people: None
) -> None:
    from typer.testing import CliRunner

    from ci_workflow.cli.app import app

    refused = CliRunner().invoke(
        app, ["people", "passwd", "Lena Fischer", "--password-stdin"], input="aaaa\n"
    )
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "error: the password breaks 2 rules: at least 10 characters; "
        "not one character repeated (like aaaaaaaaaa)"
    )
    own = CliRunner().invoke(
        app,
        ["people", "passwd", "lena@example.org", "--password-stdin"],
        input="Lena@Example.org\n",
    )
    assert own.exit_code == 1 and "not your e-mail address or your name" in own.stderr
    kept = CliRunner().invoke(
        app, ["people", "passwd", "Lena Fischer", "--password-stdin"], input="a good passphrase\n"
    )
    assert kept.exit_code == 0 and "password set for Lena Fischer" in kept.stdout


def test_the_password_commands_state_the_rules_in_their_help(cli: Cli) -> None:
    from ci_workflow.domain.authority.passwords import RULES

    for command in ("passwd", "invite"):
        shown = " ".join(cli.ok("people", command, "--help").stdout.split())
        assert all(rule in shown for rule in RULES), command
