"""Parse scene text into the typed IR.

The grammar (``grammars/scene.lark``) is loaded once and parsed with LALR. One bottom-up ``Transformer`` turns
argument trees into small syntax values and statements into IR models; pydantic then types every field. Every
failure becomes a ``DSLError`` with the line, column and a hint, never a bare Lark or pydantic exception.

Examples
--------
>>> scene = parse("scene Demo\\nc = Circle(radius=1.0)\\nplay(Create(c))\\n")
>>> scene.objects[0].radius
1.0
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from pydantic import ValidationError

from dsl import ir
from dsl.errors import DSLError, DSLInputError, DSLSyntaxError, DSLTypeError, Span, did_you_mean
from dsl.vocabulary import COLOR_NAMES, DIRECTIONS, EXPR_CONSTS, EXPR_FUNCS, RATE_FUNCS

MAX_SOURCE_BYTES = 1_000_000
MAX_NESTING = 32
#: Operators one statement may hold; longer chains would recurse too deeply in the tree walkers.
MAX_OPERATORS = 100
_OPERATORS = frozenset({"PLUS", "MINUS", "STAR", "SLASH", "CIRCUMFLEX"})

#: Keys of ``SourceMap``: a path into the IR, such as ("objects", 2) or ("timeline", 0, "animations", 1, "into").
SourcePath = tuple[str | int, ...]

# --- syntax values: what an argument looks like before it is typed -------------------------------------------


@dataclass(frozen=True)
class SValue:
    span: Span


@dataclass(frozen=True)
class SNum(SValue):
    value: float


@dataclass(frozen=True)
class SStr(SValue):
    value: str


@dataclass(frozen=True)
class SName(SValue):
    value: str


@dataclass(frozen=True)
class STuple(SValue):
    items: tuple[SValue, ...]


@dataclass(frozen=True)
class SOp(SValue):
    op: str
    operands: tuple[SValue, ...]


@dataclass(frozen=True)
class SCall(SValue):
    name: str
    name_span: Span
    args: tuple[SValue, ...]
    kwargs: tuple[tuple[str, Span, SValue], ...]


@dataclass(frozen=True)
class SourceMap:
    """Where each part of a parsed scene came from; the semantic checks use it to point at the source."""

    spans: dict[SourcePath, Span] = field(default_factory=dict)

    def get(self, *path: str | int) -> Span | None:
        """The span of ``path``, or of its nearest ancestor that has one."""
        key: SourcePath = tuple(path)
        while key:
            if key in self.spans:
                return self.spans[key]
            key = key[:-1]
        return None


# --- how each field is read from syntax -----------------------------------------------------------------------

_NUMBER_FIELDS = frozenset(
    {
        "radius",
        "side_length",
        "width",
        "height",
        "n",
        "font_size",
        "buff",
        "x_length",
        "y_length",
        "stroke_width",
        "fill_opacity",
        "stroke_opacity",
        "z_index",
        "angle",
        "factor",
        "run_time",
        "lag_ratio",
        "duration",
    }
)
_TUPLE_FIELDS = frozenset({"start", "end", "point", "vector", "x_range", "y_range"})
_STRING_FIELDS = frozenset({"text", "tex"})
_NAME_FIELDS = frozenset({"target", "into", "axes"})
_CONSTANT_FIELDS: dict[str, tuple[str, ...]] = {
    "direction": tuple(DIRECTIONS),
    "shift": tuple(DIRECTIONS),
    "edge": ("UP", "DOWN", "LEFT", "RIGHT"),
    "corner": ("UL", "UR", "DL", "DR"),
    "rate_func": RATE_FUNCS,
}
#: Models whose positional arguments all go into one tuple field.
_VARIADIC = {"Group": "members", "add": "targets", "play": "animations"}


def _span(meta_or_token: Any) -> Span:
    return Span(getattr(meta_or_token, "line", 1) or 1, getattr(meta_or_token, "column", 1) or 1)


def _type_error(message: str, span: Span, hint: str | None = None) -> DSLTypeError:
    return DSLTypeError(message, span=span, hint=hint)


def _describe(value: SValue) -> str:
    if isinstance(value, SNum):
        return "a number"
    if isinstance(value, SStr):
        return "a string"
    if isinstance(value, SName):
        return f"the name {value.value!r}"
    if isinstance(value, STuple):
        return f"a tuple of {len(value.items)}"
    if isinstance(value, SCall):
        return f"a call of {value.name!r}"
    return "an arithmetic expression"


def _number(value: SValue) -> float:
    if isinstance(value, SNum):
        return value.value
    if isinstance(value, SOp) and value.op == "neg" and isinstance(value.operands[0], SNum):
        return -value.operands[0].value
    raise _type_error(f"expected a number, got {_describe(value)}", value.span)


def _field_value(model: str, name: str, value: SValue) -> Any:
    """Read one argument as the plain Python value that pydantic then validates."""
    if name in _NUMBER_FIELDS:
        return _number(value)
    if name in _TUPLE_FIELDS:
        if not isinstance(value, STuple):
            raise _type_error(f"{name} expects a tuple such as (1, 2), got {_describe(value)}", value.span)
        return tuple(_number(item) for item in value.items)
    if name in _STRING_FIELDS:
        if not isinstance(value, SStr):
            raise _type_error(f"{name} expects a string in quotes, got {_describe(value)}", value.span)
        return value.value
    if name in _NAME_FIELDS or name in ("members", "targets"):
        if not isinstance(value, SName):
            raise _type_error(f"{name} expects an object name, got {_describe(value)}", value.span)
        return value.value
    if name in _CONSTANT_FIELDS:
        choices = _CONSTANT_FIELDS[name]
        if not isinstance(value, SName) or value.value not in choices:
            word = value.value if isinstance(value, SName) else ""
            hint = did_you_mean(word, choices) or "one of " + ", ".join(choices)
            raise _type_error(f"{name} expects a constant, got {_describe(value)}", value.span, hint)
        return value.value
    if name in ("color", "background"):
        if isinstance(value, SName):
            if value.value not in COLOR_NAMES:
                hint = did_you_mean(value.value, COLOR_NAMES) or "use a palette name such as BLUE or '#1f77b4'"
                raise _type_error(f"unknown colour {value.value!r}", value.span, hint)
            return value.value
        if isinstance(value, SStr):
            return value.value
        raise _type_error(f"color expects a palette name or a hex string, got {_describe(value)}", value.span)
    if name == "function":
        return _expr(value)
    raise AssertionError(f"field {model}.{name} has no reader")


def _expr(value: SValue) -> dict[str, Any]:
    """Turn arithmetic syntax into the IR expression tree (as a dict pydantic validates)."""
    if isinstance(value, SNum):
        return {"kind": "num", "value": value.value}
    if isinstance(value, SName):
        if value.value == "x":
            return {"kind": "var"}
        if value.value in EXPR_CONSTS:
            return {"kind": "const", "name": value.value}
        hint = did_you_mean(value.value, ["x", *EXPR_CONSTS]) or "a plot may use x, pi and e"
        raise _type_error(f"unknown name {value.value!r} in a function", value.span, hint)
    if isinstance(value, SOp):
        if value.op == "neg":
            return {"kind": "neg", "operand": _expr(value.operands[0])}
        left, right = (_expr(operand) for operand in value.operands)
        return {"kind": "binop", "op": value.op, "left": left, "right": right}
    if isinstance(value, SCall):
        if value.name not in EXPR_FUNCS:
            hint = did_you_mean(value.name, EXPR_FUNCS) or "allowed: " + ", ".join(EXPR_FUNCS)
            raise _type_error(f"unknown function {value.name!r}", value.name_span, hint)
        if len(value.args) != 1 or value.kwargs:
            raise _type_error(f"{value.name} takes exactly one argument", value.span)
        return {"kind": "call", "func": value.name, "arg": _expr(value.args[0])}
    raise _type_error(f"a function cannot contain {_describe(value)}", value.span)


def _bind(
    call: SCall, cls: type[ir.Node], kind: str, path: SourcePath, spans: dict[SourcePath, Span]
) -> dict[str, Any]:
    """Match a call's positional and keyword arguments to the model's fields, reading each value."""
    fields = [name for name in cls.model_fields if name not in ("kind", "name", "label", "subject")]
    data: dict[str, Any] = {}
    variadic = _VARIADIC.get(kind)
    if variadic:
        if kind == "play":
            data[variadic] = call.args
        else:
            data[variadic] = tuple(_field_value(kind, variadic, arg) for arg in call.args)
        for index, arg in enumerate(call.args):
            spans[(*path, variadic, index)] = arg.span
    else:
        if len(call.args) > len(cls.positional):
            extra = call.args[len(cls.positional)]
            hint = "pass it by keyword, e.g. radius=1.0" if not cls.positional else None
            raise _type_error(f"{kind} takes {len(cls.positional)} positional argument(s)", extra.span, hint)
        for name, arg in zip(cls.positional, call.args, strict=False):
            data[name] = _field_value(kind, name, arg)
            spans[(*path, name)] = arg.span
    for name, span, arg in call.kwargs:
        if name not in fields or name == variadic:
            hint = did_you_mean(name, fields) or ("attributes: " + ", ".join(fields) if fields else None)
            raise _type_error(f"{kind} has no attribute {name!r}", span, hint)
        if name in data:
            raise _type_error(f"{name} is given twice", span)
        data[name] = arg if kind == "play" and name == "animations" else _field_value(kind, name, arg)
        spans[(*path, name)] = arg.span
    return data


def _validate(cls: type[ir.Node], data: dict[str, Any], path: SourcePath, spans: dict[SourcePath, Span]) -> Any:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(part for part in error["loc"] if isinstance(part, str))
        span = spans.get((*path, loc[0])) if loc else None
        message = str(error["msg"]).removeprefix("Value error, ")
        field_name = f"{loc[0]}: " if loc else ""
        raise _type_error(f"{cls.model_fields['kind'].default}: {field_name}{message}", span or spans[path]) from None


def _animation(call: SCall, path: SourcePath, spans: dict[SourcePath, Span]) -> ir.AnimationBase:
    spans[path] = call.span
    cls = ir.ANIMATION_KINDS.get(call.name)
    if cls is None:
        hint = did_you_mean(call.name, ir.ANIMATION_KINDS) or "animations: " + ", ".join(ir.ANIMATION_KINDS)
        raise _type_error(f"unknown animation {call.name!r}", call.name_span, hint)
    validated: ir.AnimationBase = _validate(cls, _bind(call, cls, call.name, path, spans), path, spans)
    return validated


class _Builder(Transformer[Token, ir.Scene]):
    """Bottom-up: argument trees become syntax values; statements become IR models."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: dict[SourcePath, Span] = {}
        self.objects: list[ir.ObjectBase] = []
        self.relations: list[ir.RelationBase] = []
        self.timeline: list[ir.StepBase] = []

    # values ---------------------------------------------------------------------------------------------
    def number(self, children: list[Token]) -> SNum:
        (token,) = children
        value = float(token)
        if not math.isfinite(value):
            raise DSLTypeError("numbers must be finite", span=_span(token), hint="NaN and infinity are not allowed")
        return SNum(_span(token), value)

    def string(self, children: list[Token]) -> SStr:
        (token,) = children
        try:
            # JSON string syntax is a safe subset of what the grammar accepts; it never evaluates code.
            value = json.loads(token)
        except json.JSONDecodeError:
            raise DSLSyntaxError(
                "bad escape in string", span=_span(token), hint=r'use \\ for a backslash, or a raw string r"..."'
            ) from None
        return SStr(_span(token), value)

    def raw_string(self, children: list[Token]) -> SStr:
        (token,) = children
        return SStr(_span(token), str(token)[2:-1])

    def name(self, children: list[Token]) -> SName:
        (token,) = children
        return SName(_span(token), str(token))

    @v_args(meta=True)
    def sequence(self, meta: Any, children: list[SValue | None]) -> STuple:
        return STuple(_span(meta), tuple(child for child in children if child is not None))

    def _op(self, op: str, meta: Any, children: list[SValue]) -> SOp:
        return SOp(_span(meta), op, tuple(children))

    @v_args(meta=True)
    def add(self, meta: Any, children: list[SValue]) -> SOp:
        return self._op("+", meta, children)

    @v_args(meta=True)
    def sub(self, meta: Any, children: list[SValue]) -> SOp:
        return self._op("-", meta, children)

    @v_args(meta=True)
    def mul(self, meta: Any, children: list[SValue]) -> SOp:
        return self._op("*", meta, children)

    @v_args(meta=True)
    def div(self, meta: Any, children: list[SValue]) -> SOp:
        return self._op("/", meta, children)

    @v_args(meta=True)
    def pow(self, meta: Any, children: list[SValue]) -> SOp:
        return self._op("^", meta, children)

    @v_args(meta=True)
    def neg(self, meta: Any, children: list[SValue]) -> SOp:
        return self._op("neg", meta, children)

    def keyword(self, children: list[Any]) -> tuple[str, Span, SValue]:
        token, value = children
        return (str(token), _span(token), value)

    def arguments(self, children: list[Any]) -> list[Any]:
        return [child for child in children if child is not None]

    @v_args(meta=True)
    def call(self, meta: Any, children: list[Any]) -> SCall:
        token, arguments = children
        return _make_call(_span(meta), token, arguments)

    # statements -----------------------------------------------------------------------------------------
    def header(self, children: list[Any]) -> tuple[str, Span, dict[str, Any]]:
        token, arguments = children
        settings = _bind(_make_call(_span(token), token, arguments), ir.SceneSettings, "scene", (), self.spans)
        return (str(token), _span(token), settings)

    def declaration(self, children: list[Any]) -> None:
        token, call = children
        path: SourcePath = ("objects", len(self.objects))
        self.spans[path] = _span(token)
        cls = ir.OBJECT_KINDS.get(call.name)
        if cls is None:
            hint = did_you_mean(call.name, ir.OBJECT_KINDS) or "objects: " + ", ".join(ir.OBJECT_KINDS)
            raise _type_error(f"unknown object kind {call.name!r}", call.name_span, hint)
        data = _bind(call, cls, call.name, path, self.spans)
        data["name"] = str(token)
        self.spans[(*path, "name")] = _span(token)
        self.objects.append(_validate(cls, data, path, self.spans))

    def relation(self, children: list[Any]) -> None:
        subject, method, arguments = children
        path: SourcePath = ("relations", len(self.relations))
        self.spans[path] = _span(subject)
        self.spans[(*path, "subject")] = _span(subject)
        cls = ir.RELATION_KINDS.get(str(method))
        if cls is None:
            hint = did_you_mean(str(method), ir.RELATION_KINDS) or "relations: " + ", ".join(ir.RELATION_KINDS)
            raise _type_error(f"unknown relation {str(method)!r}", _span(method), hint)
        call = _make_call(_span(method), method, arguments)
        data = _bind(call, cls, str(method), path, self.spans)
        data["subject"] = str(subject)
        self.relations.append(_validate(cls, data, path, self.spans))

    def step(self, children: list[Any]) -> None:
        (call,) = children
        self._step(call, None)

    def labelled_step(self, children: list[Any]) -> None:
        token, call = children
        self._step(call, token)

    def _step(self, call: SCall, label: Token | None) -> None:
        path: SourcePath = ("timeline", len(self.timeline))
        self.spans[path] = _span(label) if label is not None else call.span
        cls = ir.STEP_KINDS.get(call.name)
        if cls is None:
            if call.name in ir.ANIMATION_KINDS:
                hint = f"wrap it in a step: play({call.name}(...))"
            else:
                hint = did_you_mean(call.name, ir.STEP_KINDS) or "steps are play(...), wait(...) and add(...)"
            raise _type_error(f"unknown step {call.name!r}", call.name_span, hint)
        if call.name == "play":
            call = _unwrap_lagged_start(call)
        data = _bind(call, cls, call.name, path, self.spans)
        if call.name == "play":
            data["animations"] = tuple(
                _animation(_expect_call(arg), (*path, "animations", index), self.spans)
                for index, arg in enumerate(data["animations"])
            )
        if label is not None:
            data["label"] = str(label)
            self.spans[(*path, "label")] = _span(label)
        self.timeline.append(_validate(cls, data, path, self.spans))

    def start(self, children: list[Any]) -> ir.Scene:
        name, span, settings = children[0]
        self.spans[("name",)] = span
        data = {"name": name, **settings, "objects": self.objects, "relations": self.relations}
        data["timeline"] = self.timeline
        return _validate(ir.Scene, data, ("name",), self.spans)  # type: ignore[no-any-return]


def _make_call(span: Span, name: Token, arguments: list[Any] | None) -> SCall:
    """A call from its name token and argument list; keyword arguments are ``(name, span, value)`` tuples."""
    args: list[SValue] = []
    kwargs: list[tuple[str, Span, SValue]] = []
    for argument in arguments or []:
        if isinstance(argument, tuple):
            kwargs.append(argument)
        elif kwargs:
            raise DSLSyntaxError("a positional argument follows a keyword argument", span=argument.span)
        else:
            args.append(argument)
    return SCall(span, str(name), _span(name), tuple(args), tuple(kwargs))


def _expect_call(value: SValue) -> SCall:
    if not isinstance(value, SCall):
        raise _type_error(f"play expects animations such as Create(c), got {_describe(value)}", value.span)
    return value


def _unwrap_lagged_start(call: SCall) -> SCall:
    """``play(LaggedStart(a, b, lag_ratio=r), run_time=t)`` becomes ``play(a, b, lag_ratio=r, run_time=t)``."""
    lagged = [arg for arg in call.args if isinstance(arg, SCall) and arg.name == "LaggedStart"]
    if not lagged:
        return call
    inner = lagged[0]
    if len(call.args) != 1:
        raise _type_error("LaggedStart must be the only animation of its play step", inner.span)
    for name, span, _ in inner.kwargs:
        if name != "lag_ratio":
            raise _type_error(f"LaggedStart has no attribute {name!r}", span, "only lag_ratio")
    lag = [kw for kw in inner.kwargs if kw[0] == "lag_ratio"] or [("lag_ratio", inner.span, SNum(inner.span, 0.05))]
    return SCall(call.span, call.name, call.name_span, inner.args, (*lag, *call.kwargs))


class _PostLexer:
    """Drop newlines inside brackets and at both ends, merge runs of them, and bound nesting and operators."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        operators = 0
        pending: Token | None = None
        seen_any = False
        for token in stream:
            if token.type == "_NL":
                if depth == 0 and seen_any and pending is None:
                    pending = token
                    operators = 0
                continue
            if token.type in _OPERATORS:
                operators += 1
                if operators > MAX_OPERATORS:
                    raise DSLSyntaxError(
                        f"a statement has more than {MAX_OPERATORS} operators", span=_span(token), hint="simplify it"
                    )
            if token.type == "LPAR":
                depth += 1
                if depth > MAX_NESTING:
                    raise DSLSyntaxError(
                        f"brackets nest deeper than {MAX_NESTING} levels", span=_span(token), hint="simplify it"
                    )
            elif token.type == "RPAR":
                depth = max(depth - 1, 0)
            if pending is not None:
                yield pending
                pending = None
            seen_any = True
            yield token


@lru_cache(maxsize=1)
def grammar_parser() -> Lark:
    """The LALR parser for ``grammars/scene.lark``, built once per process."""
    grammar_dir = files("grammars")
    return Lark(
        grammar_dir.joinpath("scene.lark").read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",  # the post-lexer reads one token ahead, which a contextual lexer cannot allow
        postlex=_PostLexer(),
        propagate_positions=True,
        maybe_placeholders=True,
    )


_SYNTAX_EXAMPLES: dict[str, list[str]] = {
    "the file must start with a header such as 'scene Demo'": ["c = Circle()\n", "play(Create(c))\n"],
    "a bracket is not closed": ["scene A\nc = Circle(radius=1\n", "scene A\nplay(Create(c)\n"],
    "an object needs a kind and arguments, such as 'c = Circle()'": ["scene A\nc = \n", "scene A\nc = 1\n"],
    "a string is not closed": ['scene A\nt = Text("hi)\n'],
    "two statements on one line": ["scene A\nc = Circle() d = Circle()\n"],
}


def _syntax_error(exc: UnexpectedInput, text: str) -> DSLSyntaxError:
    span = Span(exc.line if exc.line > 0 else 1, exc.column if exc.column > 0 else 1)
    try:
        label = exc.match_examples(grammar_parser().parse, _SYNTAX_EXAMPLES, use_accepts=True)
    except (LarkError, DSLError):
        label = None
    except TypeError:  # Lark 1.3 formats a ParserState with %d in a debug line on some inputs (experiments/fuzz)
        label = None
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if 0 <= pos < len(text) else "?"
        message = f"unexpected character {char!r}"
    elif isinstance(exc, UnexpectedEOF):
        message = "unexpected end of file"
    elif isinstance(exc, UnexpectedToken):
        message = f"unexpected {exc.token!s}" if exc.token.type != "$END" else "unexpected end of file"
        if exc.token.type == "$END":
            span = Span(text.count("\n") + 1, 1)
    else:
        message = "invalid syntax"
    hint = label
    if hint is None and isinstance(exc, UnexpectedToken | UnexpectedEOF):
        expected = sorted(exc.expected)
        if expected:
            hint = "expected " + ", ".join(expected[:6])
    return DSLSyntaxError(message, span=span, hint=hint)


def parse_with_spans(text: str, *, filename: str | None = None) -> tuple[ir.Scene, SourceMap]:
    """Parse scene text into IR and a ``SourceMap`` of where each part came from.

    Raises
    ------
    DSLError
        On any syntax or type error, with the position and a hint.
    """
    if len(text) > MAX_SOURCE_BYTES:
        raise DSLInputError(f"the scene is {len(text)} characters; the limit is {MAX_SOURCE_BYTES}", filename=filename)
    builder = _Builder()
    try:
        tree = grammar_parser().parse(text)
        scene = builder.transform(tree)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text).with_context(source=text, filename=filename) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, DSLError):
            raise exc.orig_exc.with_context(source=text, filename=filename) from None
        raise
    except DSLError as exc:
        raise exc.with_context(source=text, filename=filename) from None
    return scene, SourceMap(builder.spans)


def parse(text: str, *, filename: str | None = None) -> ir.Scene:
    """Parse scene text into the typed IR.

    Examples
    --------
    DSL ``c = Circle(radius=1.0, color=BLUE)`` gives ``ir.Circle(name="c", radius=1.0, color="BLUE")``.
    """
    return parse_with_spans(text, filename=filename)[0]


def read_source(path: str | Path) -> str:
    """Read a scene file as UTF-8, with a typed error for a missing, oversized or non-UTF-8 file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise DSLInputError(
                f"the file is {size} bytes; the limit is {MAX_SOURCE_BYTES}", filename=str(path), hint="split it"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise DSLInputError("no such file", filename=str(path)) from None
    except IsADirectoryError:
        raise DSLInputError("this is a directory, not a scene file", filename=str(path)) from None
    except PermissionError:
        raise DSLInputError("permission denied", filename=str(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DSLInputError(
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02x})",
            span=Span(line, column),
            filename=str(path),
            hint="save it as UTF-8",
        ) from None


def parse_file(path: str | Path) -> tuple[ir.Scene, SourceMap, str]:
    """Read and parse a scene file; returns the IR, its source map and the text."""
    text = read_source(path)
    scene, spans = parse_with_spans(text, filename=str(path))
    return scene, spans, text
