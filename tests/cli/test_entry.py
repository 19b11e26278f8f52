"""The entry point builds, for ``improve CMD``, an app with CMD's module alone: it must offer
the same commands, each with the same options and help, as the whole app."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from ci_workflow.cli.app import GROUP_MODULE_OF, MODULE_OF, app_for, whole_app

NAMES = sorted({*MODULE_OF, *GROUP_MODULE_OF})


def test_every_command_of_the_whole_app_has_its_module_named() -> None:
    whole = typer.main.get_command(whole_app())
    assert isinstance(whole, typer.core.TyperGroup)
    assert sorted(whole.commands) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_command_alone_has_the_help_and_options_it_has_in_the_whole_app(name: str) -> None:
    runner = CliRunner()
    alone = runner.invoke(app_for([name, "--help"]), [name, "--help"])
    whole = runner.invoke(whole_app(), [name, "--help"])
    assert (alone.exit_code, whole.exit_code) == (0, 0)
    assert alone.stdout == whole.stdout
    assert f"Usage: improve {name}" in alone.stdout


def test_other_words_get_the_whole_app() -> None:
    assert app_for([]) is whole_app()
    assert app_for(["--version"]) is whole_app()
    assert app_for(["lsit"]) is whole_app()  # so a mistyped command is answered as before
    assert app_for(["list"]) is not whole_app()
