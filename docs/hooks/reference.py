"""The reference pages, generated at every build from the code itself (an MkDocs hook, mkdocs.yml):
the `improve` command tree (Typer/Click), the settings class, the improvement file's schema (the
spec's pydantic models) and the workspace's JSON API (FastAPI's OpenAPI). Nothing generated is
committed, so nothing can go stale; a field of the improvement file without a meaning fails the
build (docs/hooks/improvement_fields.yaml says what each one means)."""

from __future__ import annotations

import ast
import inspect
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

HERE = Path(__file__).resolve().parent
GENERATED = "<!-- Generated at build time by docs/hooks/reference.py: edit the code, not this. -->"


def on_files(files: Files, config: Any) -> Files:
    for path, make in PAGES.items():
        files.append(File.generated(config, path, content=f"{GENERATED}\n{make()}"))
    return files


def cell(text: object) -> str:
    """One table cell: a single line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|") or " "


def table(head: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# --- the improve command ---


def cli_page() -> str:
    import typer.main

    from ci_workflow.cli.app import app

    root = typer.main.get_command(app)
    out = ["# The `improve` command\n", f"{root.help}\n"]
    out.append("`ID` is `IMP-0001`, `1`, or the improvement's `key`. Errors are one line on ")
    out.append("stderr; exit code 2 for a wrongly called command, 1 for a failure.\n")

    # Typer carries its own copy of Click: its classes are reached through the commands.
    def walk(command: Any, words: list[str], parent: Any) -> None:
        context = command.context_class(command, info_name=words[-1], parent=parent)
        if hasattr(command, "list_commands"):
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*words, name], context)
            return
        out.append(command_section(command, words, context))

    walk(root, ["improve"], None)
    return "\n".join(out)


def command_section(command: Any, words: list[str], context: Any) -> str:
    usage = " ".join([*words, *command.collect_usage_pieces(context)])
    text = inspect.cleandoc(command.help or "")
    section = [f"## `{' '.join(words)}`\n", f"```text\n{usage}\n```\n", f"{text}\n"]
    rows = []
    for param in command.get_params(context):
        if param.name == "help":
            continue
        if param.param_type_name == "argument":  # named as the usage line names it
            names = f"`{param.metavar or param.name}`"
        else:
            names = ", ".join(f"`{n}`" for n in (*param.opts, *param.secondary_opts))
        flag = getattr(param, "is_flag", False)
        kind = "flag" if flag else option_type(param.display_type(context).strip("<>"))
        default = f"`{param.default}`" if param.default not in (None, (), [], False) else ""
        needed = "yes" if param.required else ""
        rows.append([names, kind, needed, default, getattr(param, "help", "") or ""])
    if rows:
        section.append(table(["option", "type", "required", "default", "meaning"], rows))
    return "\n".join(section)


OPTION_TYPES = {
    "str": "text",
    "int": "whole number",
    "float": "number",
    "path": "path",
    "list[str]": "text, repeatable",
    "list[Path]": "paths",
    "file": "path",
    "float range": "number",
    "int range": "whole number",
}


def option_type(shown: str) -> str:
    """``str`` as text, ``a|b`` as a choice of `a` or `b`."""
    if "|" in shown:
        return " | ".join(f"`{choice}`" for choice in shown.split("|"))
    return OPTION_TYPES.get(shown, shown)


# --- settings ---


def settings_page() -> str:
    import dataclasses
    import typing

    from ci_workflow.settings import Settings

    out = ["# Settings\n"]
    out.append(
        "Every setting is an environment variable with the prefix `IMPROVE_`, read once per "
        "process. The same values must be set for every process of one register (`improve "
        "serve`, `improve web`, the workers, the CLI).\n"
    )
    rows = []
    hints = typing.get_type_hints(Settings)
    for field in dataclasses.fields(Settings):
        if field.metadata.get("derived"):
            continue
        variable = f"`IMPROVE_{field.name.upper()}`"
        signs = {"ge": "≥", "gt": ">", "le": "≤"}
        bounds = [f"{signs[name]} {limit}" for name, limit in field.metadata["bounds"].items()]
        kind = type_words(hints[field.name]) + (f" ({', '.join(bounds)})" if bounds else "")
        default = "" if field.default is None else field.default
        if isinstance(default, bool):
            default = str(default).lower()
        shown = f"`{default}`" if default not in ("", []) else "unset"
        rows.append([variable, kind, shown, field.metadata["description"]])
    out.append(table(["variable", "type", "default", "meaning"], rows))
    return "\n".join(out)


def type_words(annotation: Any) -> str:
    """``str | None`` as ``text``, ``Literal['a', 'b']`` as ``a | b``: the default column says
    when a setting may be left unset."""
    words = str(annotation).replace("typing.", "").replace("pathlib.", "")
    words = words.replace("<class '", "").replace("'>", "")
    words = words.replace("ci_workflow.settings.values.", "")
    words = re.sub(r" \| None$", "", words)
    literal = re.fullmatch(r"Literal\[(.*)\]", words)
    if literal:
        return " | ".join(f"`{v.strip(chr(39) + ' ')}`" for v in literal.group(1).split(","))
    plain = {"str": "text", "Path": "path", "float": "number", "int": "whole number"}
    return plain.get(words, words.replace("Secret", "secret").replace("bool", "true/false"))


# --- the improvement file ---


def improvement_page() -> str:
    from ci_workflow.domain.improvement import sources, spec

    meanings = yaml.safe_load((HERE / "improvement_fields.yaml").read_text())
    meanings.update(code_comments(spec, sources))
    schema = spec.ImprovementSpec.model_json_schema()
    defs = schema.get("$defs", {})
    out = [(HERE / "improvement_file_intro.md").read_text()]
    sections: list[tuple[str, dict[str, Any]]] = [("", schema)]
    used: set[str] = set()
    while sections:
        prefix, model = sections.pop(0)
        rows = []
        for name, prop in model.get("properties", {}).items():
            path = f"{prefix}{name}"
            target, many = nested(prop, defs)
            if target is not None and "properties" in target:
                sections.append((f"{path}[]." if many else f"{path}.", target))
            for kind, variant in source_kinds(prop, defs):
                sections.append((f"{path}({kind}).", variant))
            meaning = meanings.get(path)
            if not meaning:
                raise PluginError(f"improvement_fields.yaml: no meaning for the field {path}")
            used.add(path)
            required = "yes" if name in model.get("required", []) else ""
            default = prop.get("default", "")
            rows.append([f"`{path}`", json_type(prop, defs), required, shown(default), meaning])
        title = f"`{prefix.rstrip('.')}`" if prefix else "The improvement"
        head = ["field", "type", "required", "default", "meaning"]
        out.append(f"## {title}\n\n" + table(head, rows))
    stale = set(meanings) - used
    if stale:
        raise PluginError(f"improvement_fields.yaml: no such field: {', '.join(sorted(stale))}")
    return "\n".join(out)


def shown(default: object) -> str:
    return "" if default in ("", None, [], {}) else f"`{default}`"


def nested(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The model a field holds (one, or a list of them)."""
    for option in [prop, *prop.get("anyOf", [])]:
        if "$ref" in option:
            return defs[option["$ref"].split("/")[-1]], False
        if option.get("type") == "array" and "$ref" in option.get("items", {}):
            return defs[option["items"]["$ref"].split("/")[-1]], True
    return None, False


def source_kinds(prop: dict[str, Any], defs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A metric source's kinds, each with its own fields (a union told apart by ``kind``)."""
    kinds = []
    for option in prop.get("oneOf", []):
        model = defs[option["$ref"].split("/")[-1]]
        kinds.append((model["properties"]["kind"]["const"], model))
    return kinds


def json_type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = defs[prop["$ref"].split("/")[-1]]
        if "enum" in target:
            return " | ".join(f"`{v}`" for v in target["enum"])
        return "mapping"
    if "oneOf" in prop:
        return "source (one of the kinds below)"
    if "anyOf" in prop:
        kinds = [json_type(p, defs) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(kinds)
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " | ".join(f"`{v}`" for v in prop["enum"])
    kind = prop.get("format") or prop.get("type", "any")
    if kind == "array":
        return f"list of {json_type(prop.get('items', {}), defs)}"
    if kind == "object":
        return "mapping"
    limits = [words.format(prop[k]) for k, words in LIMITS if k in prop]
    if "maxLength" in prop:
        limits.append(f"up to {prop['maxLength']:,} characters")
    if "pattern" in prop:
        limits.append(f"matching `{prop['pattern']}`")
    return kind + (f" ({', '.join(limits)})" if limits else "")


LIMITS = (("minimum", "≥ {}"), ("exclusiveMinimum", "> {}"), ("maximum", "≤ {}"))


def code_comments(*modules: Any) -> dict[str, str]:
    """The comment just above a field in the spec's classes, as that field's meaning."""
    found: dict[str, str] = {}
    prefixes = {"ImprovementSpec": "", "ObjectiveSpec": "objectives[].", "PlanActionSpec": "plan[]"}
    prefixes["PlanActionSpec"] += "."
    for module in modules:
        lines = inspect.getsource(module).splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.ClassDef) or node.name not in prefixes:
                continue
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    above = []
                    row = item.lineno - 2
                    while row >= 0 and lines[row].strip().startswith("#"):
                        above.insert(0, lines[row].strip().lstrip("# "))
                        row -= 1
                    if above:
                        found[prefixes[node.name] + item.target.id] = " ".join(above)
    return found


# --- the JSON API ---


def api_page() -> str:
    schema = openapi()
    components = schema.get("components", {}).get("schemas", {})
    out = [(HERE / "api_intro.md").read_text()]
    words = yaml.safe_load((HERE / "api_endpoints.yaml").read_text())
    used: set[str] = set()
    for path, methods in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in methods.items():
            out.append(f"## `{method.upper()} {path}`\n")
            endpoint = f"{method.upper()} {path}"
            said = said_of(path, method, operation, schema["paths"], words.get(endpoint))
            used.add(endpoint)
            if not said:
                raise PluginError(f"api_endpoints.yaml: nothing says what {endpoint} does")
            out.append(said + "\n")
            rows = [
                [f"`{p['name']}`", p["in"], kind_of(p.get("schema", {})), needed(p.get("required"))]
                for p in operation.get("parameters", [])
            ]
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                model = components.get(ref.split("/")[-1], {})
                for name, prop in model.get("properties", {}).items():
                    required = name in model.get("required", [])
                    rows.append([f"`{name}`", "body", kind_of(prop), needed(required)])
            if rows:
                out.append(table(["name", "in", "type", "required"], rows))
    if set(words) - used:
        raise PluginError(f"api_endpoints.yaml: not an endpoint: {sorted(set(words) - used)}")
    return "\n".join(out)


def said_of(
    path: str, method: str, operation: dict[str, Any], paths: dict[str, Any], line: str | None
) -> str:
    """The endpoint's docstring; else its line in api_endpoints.yaml; else, for a page's JSON
    twin, which page."""
    if operation.get("description"):
        return inspect.cleandoc(operation["description"]).replace("``", "`")
    if line:
        return line
    page = path.removeprefix("/api")
    if method == "get" and "get" in paths.get(page, {}):
        return f"The JSON twin of the page `{page}`: the same data, the same permission check."
    return ""


def kind_of(prop: dict[str, Any]) -> str:
    kinds = [p.get("type", "") for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    return " or ".join(k for k in kinds if k) or "any"


def needed(required: object) -> str:
    return "yes" if required else ""


def openapi() -> dict[str, Any]:
    """The workspace's OpenAPI, from an application made on a throwaway register home (making
    it writes the register's secret there) and with no Prefect to reach."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as home:
        os.environ.update({"IMPROVE_HOME": home, "IMPROVE_PREFECT_AUTH_STRING": "off"})
        from ci_workflow.settings import get_settings

        get_settings.cache_clear()
        try:
            from ci_workflow.web.app import create_app

            return create_app().openapi()
        finally:
            os.environ.clear()
            os.environ.update(saved)
            get_settings.cache_clear()


PAGES = {
    "reference/cli.md": cli_page,
    "reference/settings.md": settings_page,
    "reference/improvement-file.md": improvement_page,
    "reference/api.md": api_page,
}
