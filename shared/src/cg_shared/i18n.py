"""Korean first: message catalogues for every problem+json ``title``, ``detail`` and field message.

The English text is the gettext ``msgid`` (the convention of gettext and Babel), so English needs no
catalogue; Korean comes from ``cg_shared/locale/ko/LC_MESSAGES/messages.po``, read with Babel's
``read_po`` when the module is first used (no compile step, no binary ``.mo`` in the repository).

A message with parameters is written ``msg("project {code} not found", code=code)``: a ``str`` whose
value is the English rendering (logs, ``str(exc)`` and old callers see plain English) that also carries
the template and the parameters, so the Korean template can be filled with the same named values.
Pydantic's validation messages are translated per error ``type`` (catalogue context ``validation``)
with the error's ``ctx`` as parameters, so a field's ``loc`` stays as it was.

Language: ``Accept-Language`` negotiated with q-values (RFC 9110 §12.5.4) over ``ko`` and ``en``;
Korean when the header is absent, ``*`` or names neither.
"""

from __future__ import annotations

import ast
import logging
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "ko"
LANGUAGES = ("ko", "en")
CATALOGUE = Path(__file__).parent / "locale" / "ko" / "LC_MESSAGES" / "messages.po"
VALIDATION_CONTEXT = "validation"


class Msg(str):
    """An English message that remembers its template and parameters for translation."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Msg:
        obj = super().__new__(cls, template.format(**params) if params else template)
        obj.msgid = template
        obj.params = params
        return obj

    @classmethod
    def joined(cls, separator: str, parts: Iterable[str]) -> Msg:
        """``separator.join(parts)`` whose parts are translated one by one (reasons listed in a detail)."""
        items = list(parts)
        template = (
            separator.replace("{", "{{").replace("}", "}}").join(f"{{p{i}}}" for i in range(len(items)))
        )
        return cls(template, **{f"p{i}": part for i, part in enumerate(items)})


msg = Msg


@cache
def catalogue() -> dict[tuple[str | None, str], str]:
    """``(context, msgid) -> Korean msgstr`` for every translated entry of the Korean catalogue."""
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as fh:
        cat = read_po(fh, locale="ko")
    out: dict[tuple[str | None, str], str] = {}
    for entry in cat:
        if entry.id and isinstance(entry.id, str) and isinstance(entry.string, str) and entry.string:
            out[(entry.context, entry.id)] = entry.string
    return out


def negotiate(accept_language: str | None) -> str:
    """The best of ``ko``/``en`` for an ``Accept-Language`` value; Korean unless English is preferred."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, rest = item.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for param in rest.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if not tag or q <= 0:
            continue
        primary = tag.split("-", 1)[0]
        language = DEFAULT_LANGUAGE if primary == "*" else primary
        if language in LANGUAGES:
            ranked.append((-q, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _fill(template: str, params: Mapping[str, Any]) -> str:
    try:
        return template.format_map(dict(params)) if params else template
    except (KeyError, IndexError, ValueError) as exc:
        log.warning("message template does not fit its parameters: %r (%r)", template, exc)
        return template


def translate(text: str, language: str, *, context: str | None = None) -> str:
    """``text`` in ``language``. A :class:`Msg` parameter that is itself a :class:`Msg` is translated too;
    a message missing from the catalogue stays English (a test keeps the services' messages covered)."""
    if language == "en":
        return str(text)
    msgid = text.msgid if isinstance(text, Msg) else text
    params = text.params if isinstance(text, Msg) else {}
    values = {k: translate(v, language) if isinstance(v, Msg) else v for k, v in params.items()}
    korean = catalogue().get((context, msgid))
    if korean is None:
        if isinstance(text, Msg) and params and values != params:
            return _fill(msgid, values)
        return str(text)
    return _fill(korean, values)


def translate_validation(
    error_type: str | None, english: str, ctx: Mapping[str, Any] | None, language: str
) -> str:
    """A pydantic error message by its ``type``; a type the catalogue lacks gets the generic message."""
    if language == "en" or not error_type:
        return english
    values = dict(ctx or {})
    error = values.get("error")
    if isinstance(error, Exception) and error.args and isinstance(error.args[0], str):
        # A validator's ValueError("…") or ValueError(msg("…", …)): its message is a catalogue entry too.
        values["error"] = translate(error.args[0], language)
    korean = catalogue().get((VALIDATION_CONTEXT, error_type))
    if korean is None:
        korean = catalogue().get((VALIDATION_CONTEXT, "*"), english)
        values = {"type": error_type, "message": english}
    return _fill(korean, values)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# --- extraction: every message the code raises ------------------------------------------------------

PROBLEM_CLASSES = frozenset(
    {
        "Problem",
        "BadRequest",
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "Conflict",
        "PreconditionFailed",
        "PreconditionRequired",
        "PayloadTooLarge",
        "Unprocessable",
        "ServiceUnavailable",
        "TooManyRequests",
    }
)


# Modules whose ValueErrors reach people: request-model validators (pydantic puts them in a 422) and
# the parsers whose errors services pass on (import rows, the SMG grant formula).
VALIDATOR_MODULES = frozenset({"schemas.py", "types.py", "common.py", "rows.py", "formula.py"})

# Services' helpers and exceptions that carry a message to a Problem: name -> position of the message.
MESSAGE_HELPERS = {
    "unprocessable": 1,
    "rule_conflict": 1,
    "state_conflict": 1,
    "ensure_editable": 1,
    "fail": 1,  # registry import rows
    "FileProblem": 0,  # registry import files
}


@dataclass(frozen=True)
class Found:
    path: Path
    line: int
    msgid: str | None
    """The English template, or None when the message is not a literal (an f-string or a variable)."""
    source: str


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _message_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and _callee(node) in {"msg", "Msg"} and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _passed_through(node: ast.expr) -> bool:
    """A message from elsewhere (a variable, ``exc.args[0]``, ``str(exc)``): checked where it is written."""
    return isinstance(node, ast.Name | ast.Attribute | ast.Subscript) or (
        isinstance(node, ast.Call) and _callee(node) not in {"msg", "Msg"}
    )


def messages_in(path: Path) -> Iterator[Found]:
    """Details of ``Problem`` subclasses and ``FieldError`` messages written in ``path``."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    subclasses = set(PROBLEM_CLASSES)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Name) and b.id in PROBLEM_CLASSES for b in node.bases
        ):
            subclasses.add(node.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        candidates: list[ast.expr] = []
        if name in subclasses and node.args:
            candidates.append(node.args[0])
        if name in MESSAGE_HELPERS and len(node.args) > MESSAGE_HELPERS[name]:
            candidates.append(node.args[MESSAGE_HELPERS[name]])
        if name == "FieldError":
            candidates.extend(k.value for k in node.keywords if k.arg == "message")
        if name == "ValueError" and path.name in VALIDATOR_MODULES and node.args:
            candidates.append(node.args[0])  # request validators: pydantic shows their message
        if name in {"msg", "Msg"} and node.args:
            first = node.args[
                0
            ]  # a message built anywhere (a parameter of another message, a list of reasons)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield Found(path, first.lineno, first.value, first.value)
            continue
        for arg in candidates:
            if _passed_through(arg):
                continue
            if isinstance(arg, ast.IfExp):
                for branch in (arg.body, arg.orelse):
                    if not _passed_through(branch):
                        text = ast.get_source_segment(source, branch) or ""
                        yield Found(path, arg.lineno, _message_of(branch), text)
                continue
            yield Found(path, arg.lineno, _message_of(arg), ast.get_source_segment(source, arg) or "")
    for node in ast.walk(tree):  # class-level titles of Problem subclasses
        if isinstance(node, ast.ClassDef) and node.name in subclasses:
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "title" for t in stmt.targets)
                    and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, str)
                ):
                    yield Found(path, stmt.lineno, stmt.value.value, stmt.value.value)


def source_files(root: Path) -> Iterator[Path]:
    for base in (root / "shared" / "src", *sorted((root / "services").glob("*/src"))):
        yield from sorted(base.rglob("*.py"))


def main() -> None:  # pragma: no cover - developer tool: print the messages the catalogue lacks
    import sys

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    known = catalogue()
    seen: set[str] = set()
    for path in source_files(root):
        for found in messages_in(path):
            if found.msgid is None:
                print(f"# {path}:{found.line}: not a literal or msg(...): {found.source}")
            elif (None, found.msgid) not in known and found.msgid not in seen:
                seen.add(found.msgid)
                print(
                    f'#: {path.relative_to(root)}:{found.line}\nmsgid {_po_quote(found.msgid)}\nmsgstr ""\n'
                )


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":  # pragma: no cover
    main()
