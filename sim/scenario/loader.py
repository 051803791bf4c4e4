"""Read a hand-edited scenario file into plain data, remembering where every field was written.

YAML goes text -> node tree (``yaml.compose``) -> safety checks on the nodes -> a
``{field path: line}`` map -> data from PyYAML's *safe* constructor, all from the same nodes:
nothing is built before the file is known to be harmless, and lines and data always agree.
Every failure is a :class:`ScenarioError` of :class:`Problem` s, so the user sees every
``file:line: field.path: what is wrong (got X)`` at once, never a traceback.

Example:
    >>> doc = parse_document("demand:\\n  cases: -5\\n", file="a.yaml")
    >>> doc.line_of(("demand", "cases")), doc.line_of(("demand", "missing"))
    (2, 1)
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, SequenceNode

from sim.scenario.errors import Problem, ScenarioError

FieldPath = tuple[str | int, ...]
MAX_BYTES = 2 * 1024 * 1024  # files above this are refused unread
MAX_ALIASES = 1_000  # alias uses (``*name``) per document
MAX_NODES = 1_000_000  # nodes after expanding every alias (billion-laughs guard)
MAX_DEPTH = 100  # nested mappings/lists; libyaml's C composer overflows the C stack near 1e5
OVERRIDE_FILE = "--set"  # the pseudo-file reported for values given on the command line

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~10x faster
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_ALLOWED_TAGS |= {_STD + "map", _STD + "seq"}
_MERGE_TAG = _STD + "merge"  # ``<<: *defaults``; merged keys report the mapping's line
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


@dataclass(frozen=True)
class Document:
    """A parsed scenario file: its data plus where each field was written.

    ``lines`` maps a field path (mapping keys as ``str``, list indices as ``int``; ``()`` is the
    top-level mapping) to the 1-based line of that key or list item. ``overridden`` holds the
    paths replaced by ``--set``; problems at or below them are reported against ``--set``.
    """

    file: str
    data: dict[str, Any]
    lines: Mapping[FieldPath, int]
    overridden: frozenset[FieldPath] = frozenset()

    def locate(self, path: Sequence[str | int]) -> tuple[str, int | None]:
        """(file, line) to report a problem at ``path``: ``--set`` if an override wrote it."""
        path = tuple(path)
        if any(_came_from(path, done, self) for done in self.overridden):
            return OVERRIDE_FILE, None
        return self.file, self.line_of(path)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Line of the longest prefix of ``path`` in ``lines`` (a missing key gets its parent's)."""
        key = tuple(path)
        for n in range(len(key), -1, -1):
            if key[:n] in self.lines:
                return self.lines[key[:n]]
        return None


def _fail(file: str, message: str, line: int | None = None, path: str = "") -> ScenarioError:
    return ScenarioError([Problem(file, line, path, message)])


def _dotted(path: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in path)


def _size_error(file: str, size: int) -> ScenarioError:
    return _fail(file, f"file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes (2 MiB)")


def read_document(path: str | os.PathLike[str]) -> Document:
    """Read a ``.yaml``/``.yml``/``.toml`` file; size is checked before anything is parsed."""
    file = os.fspath(path)
    fmt = _SUFFIXES.get(os.path.splitext(file)[1].lower())
    if fmt is None:
        raise _fail(file, "unsupported file type; use a .yaml, .yml or .toml file")
    try:
        with open(file, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                raise _size_error(file, os.fstat(fh.fileno()).st_size)
    except OSError as exc:
        known = {FileNotFoundError: "file not found" + _close_files(file),
                 IsADirectoryError: "is a directory"}
        raise _fail(file, known.get(type(exc), f"cannot read file: {exc.strerror}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(file, f"not UTF-8 text (byte {raw[exc.start]:#04x})", line) from None
    return parse_document(text, file, fmt)


def _close_files(file: str) -> str:
    """`` (did you mean ...?)`` naming scenario files beside ``file`` with a close name.

    >>> _close_files("scenarios/baselin.yaml")
    " (did you mean 'scenarios/baseline.yaml'?)"
    """
    folder, name = os.path.split(file)
    try:
        names = [n for n in os.listdir(folder or ".") if os.path.splitext(n)[1] in _SUFFIXES]
    except OSError:
        return ""
    stems = {os.path.splitext(n)[0]: n for n in sorted(names)}  # ".yaml" alike says nothing
    stem = os.path.splitext(name)[0]
    near = difflib.get_close_matches(stem, list(stems), n=3, cutoff=0.6) or [
        s for s in stems if stem and stem in s][:3]  # "sessions" finds sessions_and_contract
    return (" (did you mean " + " or ".join(repr(os.path.join(folder, stems[s])) for s in near)
            + "?)" if near else "")


def parse_document(text: str, file: str = "<string>", fmt: str = "yaml") -> Document:
    """Parse scenario text (``fmt`` is ``"yaml"`` or ``"toml"``) whose top level is a mapping."""
    if fmt not in ("yaml", "toml"):
        raise ValueError(f"fmt must be 'yaml' or 'toml', not {fmt!r}")
    if (size := len(text.encode(errors="replace"))) > MAX_BYTES:
        raise _size_error(file, size)
    if not text.strip():
        raise _fail(file, "file is empty")
    if fmt == "toml":
        try:
            return Document(file, tomllib.loads(text), {})
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r" \(at line (\d+), column \d+\)", str(exc))
            line = int(found.group(1)) if found else None
            message = str(exc).replace(found.group(0), "") if found else str(exc)
            raise _fail(file, f"TOML syntax error: {message}", line) from None
    data, lines = _parse_yaml(text, file)
    if data is None and not lines:
        raise _fail(file, "file is empty (only comments)")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value {format_value(data)}"
        raise _fail(file, f"the top level must be a mapping of settings, not {kind}", lines[()])
    return Document(file, data, lines)


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[FieldPath, int]]:
    """Check depth, compose, check nodes, map lines, construct; ``(None, {})`` if no document."""
    try:
        depth = 0  # the event stream is flat, so measuring depth here cannot overflow anything
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent) and (depth := depth + 1) > MAX_DEPTH:
                line = event.start_mark.line + 1
                raise _fail(file, f"nested more than {MAX_DEPTH} levels deep", line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        root = yaml.compose(text, Loader=_Loader)
        if root is None:
            return None, {}
        scan = _Scan(file)
        scan.guard(root)
        scan.lines[()] = root.start_mark.line + 1
        scan.walk(root, ())
        if scan.problems:
            raise ScenarioError(sorted(scan.problems, key=lambda p: (p.line or 0, p.path)))
        return SafeConstructor().construct_document(root), scan.lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "nesting depth" in str(exc.problem):  # libyaml >= 0.2.6 (PyYAML >= 6.0.4) stops first
            raise _fail(file, f"nested more than {MAX_DEPTH} levels deep", mark.line + 1) from None
        where = f" ({exc.context}, line {exc.context_mark.line + 1})" if exc.context_mark else ""
        line = mark.line + 1 if mark else None
        raise _fail(file, f"YAML syntax error: {exc.problem or exc.context}{where}", line) from None
    except yaml.YAMLError as exc:
        raise _fail(file, f"YAML error: {' '.join(str(exc).split())}") from None


class _Scan:
    """Checks on the composed node tree, run before any Python object is built.

    PyYAML composes ``*name`` as a second reference to the anchored node, so an alias bomb is
    tiny as nodes and huge as data. :meth:`guard` visits each node once, memoising per node ``id``
    the size it would expand to: reaching a sized node again is one alias use, reaching one still
    being sized is a recursive alias. Only then may :meth:`walk` expand every alias to map lines.
    """

    def __init__(self, file: str) -> None:
        self.file, self.aliases, self.problems = file, 0, list[Problem]()
        self.sizes: dict[int, int] = {}  # node id -> number of nodes once aliases are expanded
        self.open: set[int] = set()  # ids of nodes whose children are being sized right now
        self.walked: set[int] = set()  # ids already checked for bad keys (report aliases once)
        self.lines: dict[FieldPath, int] = {}

    def guard(self, node: Node) -> int:
        """Report forbidden tags; raise on too many aliases, recursion or expansion."""
        key, line = id(node), node.start_mark.line + 1
        if key in self.sizes:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _fail(self.file, f"more than {MAX_ALIASES:,} aliases (*name) in one file")
            return self.sizes[key]
        if key in self.open:
            raise _fail(self.file, "an alias refers to a mapping or list containing it", line)
        if node.tag not in _ALLOWED_TAGS and node.tag != _MERGE_TAG:
            tag = "!!" + node.tag.removeprefix(_STD) if node.tag.startswith(_STD) else node.tag
            message = f"tag {tag} is not allowed; use plain values (no !tags)"
            self.problems.append(Problem(self.file, line, "", message))
        self.open.add(key)
        children = node.value if isinstance(node, SequenceNode) else []
        if isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        self.sizes[key] = total = 1 + sum(self.guard(child) for child in children)
        self.open.discard(key)
        if total > MAX_NODES:
            raise _fail(self.file, f"aliases expand to over {MAX_NODES:,} values", line)
        return total

    def walk(self, node: Node, path: FieldPath) -> None:
        """Record the line of every key and list item; report duplicate and non-text keys."""
        report = id(node) not in self.walked
        self.walked.add(id(node))
        if node.tag == _STD + "timestamp" and report:  # 2026-13-01 matches, then fails to build
            try:
                SafeConstructor().construct_yaml_timestamp(node)
            except ValueError as exc:
                message = f"not a valid date: {exc} (got {node.value})"
                self.problems.append(Problem(self.file, node.start_mark.line + 1, _dotted(path),
                                             message))
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                self.walk(item, (*path, index))
            return
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value if isinstance(node, MappingNode) else []:
            line, name = key_node.start_mark.line + 1, key_node.value
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(name, str) or key_node.tag not in (_STD + "str", _STD + "int"):
                # text, or whole numbers such as years; not yes/no/null or floats
                got = name if isinstance(name, str) else "a list or mapping"
                message = f"keys must be text; quote it (got {got})"
                if report:
                    self.problems.append(Problem(self.file, line, _dotted(path), message))
                continue
            if name in first_seen and report:
                message = f"duplicate key {name!r} (lines {first_seen[name]} and {line})"
                self.problems.append(Problem(self.file, line, _dotted((*path, name)), message))
            first_seen.setdefault(name, line)
            self.lines[(*path, name)] = line
            self.walk(value_node, (*path, name))


def apply_overrides(doc: Document, assignments: Sequence[str]) -> Document:
    """Apply ``dotted.path=value`` assignments (values parsed as YAML) to a copy of ``doc``.

    Missing intermediate mappings are created; list items are addressed by index
    (``demand.profile.weekday.0=1.5``). Bad assignments are all reported together.
    """
    data, overridden, problems = _unshared_copy(doc.data), set(doc.overridden), []
    for assignment in assignments:
        try:
            overridden.add(_assign(data, assignment))
        except _NearMiss as exc:
            problems.append(Problem(OVERRIDE_FILE, None, exc.path, str(exc)))
        except ValueError as exc:
            problems.append(Problem(OVERRIDE_FILE, None, "", f"{assignment}: {exc}"))
    if problems:
        raise ScenarioError(problems)
    lines = {
        path: line
        for path, line in doc.lines.items()
        if not any(path[: len(done)] == done for done in overridden)
    }
    return Document(doc.file, data, lines, frozenset(overridden))


def _unshared_copy(value: Any) -> Any:
    """A copy of ``value`` in which every mapping and list is its own object.

    ``copy.deepcopy`` keeps an alias (``*name``) as a second reference to one shared
    object, so ``--set`` on one use of an anchor would edit every use. Expanding each
    alias is safe: :class:`_Scan` has already bounded the expanded size.
    """
    if isinstance(value, dict):
        return {key: _unshared_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unshared_copy(item) for item in value]
    return value


class _NearMiss(ValueError):
    """An override path through a key the file lacks but nearly has (a misspelled name)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


def _assign(data: dict[str, Any], assignment: str) -> FieldPath:
    """Set one ``path=value`` in ``data`` in place and return the path; ``ValueError`` if bad."""
    key, sep, raw = assignment.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(parts):
        raise ValueError("expected dotted.path=value, e.g. demand.cases_per_year=1200")
    try:
        value, _ = _parse_yaml(raw, OVERRIDE_FILE)
    except ScenarioError as exc:
        raise ValueError(f"cannot read the value: {exc.problems[0].message}") from None
    path: list[str | int] = []
    cur: Any = data
    for depth, part in enumerate(parts):
        step: str | int = part
        if isinstance(cur, list):
            if not (part.isascii() and part.isdigit()):
                raise ValueError(f"{_dotted(path)} is a list; use an item number, not {part!r}")
            if (step := int(part)) >= len(cur):
                raise ValueError(f"index {step} is out of range ({_dotted(path)} has {len(cur)})")
        path.append(step)
        if depth == len(parts) - 1:
            cur[step] = value
            break
        nxt = cur[step] if isinstance(cur, list) else cur.get(step)
        if nxt is None and isinstance(cur, dict) and (
                near := difflib.get_close_matches(str(step), [str(k) for k in cur], 1, 0.8)):
            # a new mapping here is most likely a misspelled name (pools.inhouse...)
            raise _NearMiss(_dotted(path), f"unknown key {step!r} (did you mean {near[0]!r}?)")
        if nxt is None:
            nxt = cur[step] = {}
        elif not isinstance(nxt, dict | list):
            raise ValueError(f"{_dotted(path)} is {format_value(nxt)}, not a mapping or list")
        cur = nxt
    return tuple(path)


def _came_from(path: FieldPath, overridden: FieldPath, doc: Document) -> bool:
    """True if ``path`` lies under an override, or under a mapping that only an override created."""
    pairs = zip(path, overridden, strict=False)
    common = next((n for n, (a, b) in enumerate(pairs) if a != b), min(len(path), len(overridden)))
    if common == len(overridden):
        return True
    return common > 0 and path[:common] not in doc.lines


def format_value(value: Any, limit: int = 60) -> str:
    """Short YAML-flavoured text for ``(got X)``: ``'ai'``, ``true``, ``null``, ``[1, 2]``."""
    return _render(value, limit)[0]


def _render(value: Any, limit: int) -> tuple[str, bool]:
    """Render lazily, stopping once ``limit`` is passed; returns ``(text, was_truncated)``."""
    pieces, size = [], 0
    for piece in _pieces(value):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return "".join(pieces)[: max(limit - 3, 0)] + "...", True
    return "".join(pieces), False


def _pieces(value: Any) -> Iterator[str]:
    """Yield the rendering of ``value`` piece by piece, so callers can stop early."""
    if isinstance(value, dict | list | tuple):
        is_dict = isinstance(value, dict)
        yield "{" if is_dict else "["
        for i, item in enumerate(value.items() if is_dict else value):
            yield ", " if i else ""
            if is_dict:  # keep it lazy: a huge value must not be rendered in full
                yield from (*_pieces(item[0]), ": ")
                item = item[1]
            yield from _pieces(item)
        yield "}" if is_dict else "]"
    elif isinstance(value, bool) or value is None:
        yield {True: "true", False: "false", None: "null"}[value]
    elif isinstance(value, dt.date):
        yield value.isoformat()
    else:
        yield repr(value)
