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
