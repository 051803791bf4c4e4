"""The edited scenario as a YAML file that keeps the original's comments.

A planner's scenario file is mostly comments naming sources. An edit made on the page
replaces only the characters of that value in the original text: the YAML node of each
edited field knows where its value starts and ends (the same node tree the loader reads
lines from). A field absent from the file (a schema default) is written as a new key
above its section's first key. When that cannot be done safely (TOML, a value shared
through an anchor, a missing section), the file is written from the edited data instead,
without comments. Either way the text is loaded again and must give exactly the edited
scenario, or it is not offered.

Example:
    >>> text = "routing:\\n  policy: overflow   # why\\n"
    >>> print(edit_yaml_text(text, {("routing", "policy"): "in_house_first"}), end="")
    routing:
      policy: in_house_first   # why
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.scenario.loader import _Loader

__all__ = ["edit_yaml_text", "edited_scenario_text", "yaml_scalar"]

FieldPath = tuple[str, ...]


def yaml_scalar(value: Any) -> str:
    """A plain value as YAML flow text: ``4``, ``0.9``, ``ai``, ``true``, ``'yes'``.

    Example:
        >>> yaml_scalar(0.9), yaml_scalar("ai"), yaml_scalar(True), yaml_scalar("yes")
        ('0.9', 'ai', 'true', "'yes'")
    """
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def _uses(root: Node) -> dict[int, int]:
    """How many times each node is reached (more than once: shared through an alias)."""
    count: dict[int, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        count[id(node)] = count.get(id(node), 0) + 1
        if count[id(node)] > 1:
            continue
        if isinstance(node, MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            stack += node.value
    return count


def _child(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v
    return None


def _insertion(text: str, parent: MappingNode, key: str, value: Any) -> tuple[int, int, str]:
    """A new ``key: value`` line above the first key of block mapping ``parent``."""
    if parent.flow_style or not parent.value:
        raise ValueError("not a block mapping")
    first = parent.value[0][0].start_mark
    start = first.index - first.column
    if text[start:first.index].strip():  # e.g. "- key: ..." in a list item
        raise ValueError("first key does not start its line")
    return start, start, f"{' ' * first.column}{key}: {yaml_scalar(value)}\n"


def edit_yaml_text(text: str, edits: Mapping[FieldPath, Any]) -> str | None:
    """``text`` with each edited value replaced in place; ``None`` if one cannot be placed."""
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, MappingNode):
        return None
    uses = _uses(root)
    spans: list[tuple[int, int, str]] = []
    for path, value in edits.items():
        parent, node = root, root
        for depth, key in enumerate(path):
            parent, node = node, _child(node, key)
            if node is not None and uses.get(id(node), 0) > 1:
                return None  # shared through an alias: an edit here would change every use
            if node is None:
                if depth != len(path) - 1:
                    return None  # a whole missing section: leave it to the fallback
                try:
                    spans.append(_insertion(text, parent, key, value))
                except ValueError:
                    return None
                break
        else:
            if not isinstance(node, ScalarNode) or node.style in ("|", ">"):
                return None
            spans.append((node.start_mark.index, node.end_mark.index, yaml_scalar(value)))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _dump(data: dict[str, Any], name: str) -> str:
    head = (f"# sosim scenario {name}, edited in the sosim app.\n"
            "# Written from the edited values: the original file's comments could not be kept.\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def edited_scenario_text(text: str, fmt: str, file: str, edits: Mapping[FieldPath, Any]
                         ) -> tuple[str, bool]:
    """The edited scenario as YAML text, and whether the original's comments were kept.

    The result is loaded again (relative to ``file``, for a market file it names) and
    must hash to the same scenario as ``text`` with ``edits`` as ``--set`` overrides;
    ``ValueError`` if even the plain rewrite does not (which would be a bug).

    Example:
        >>> t, kept = edited_scenario_text(open("scenarios/baseline.yaml").read(), "yaml",
        ...     "scenarios/baseline.yaml", {("routing", "overflow_wait_hours"): 24})
        >>> kept, "overflow_wait_hours: 24" in t
        (True, True)
    """
    from sim.app.form import overrides
    from sim.loading import scenario_from_text
    from sim.outputs.writing import scenario_hash
    from sim.scenario.loader import apply_overrides, parse_document

    wanted = scenario_from_text(text, fmt, overrides(edits), file=file)

    def same(candidate: str) -> bool:
        try:
            return scenario_hash(scenario_from_text(candidate, "yaml", file=file)) == \
                scenario_hash(wanted)
        except ValueError:  # ScenarioError included: the candidate is not offered
            return False

    if fmt == "yaml":
        kept = edit_yaml_text(text, edits) if edits else text
        if kept is not None and same(kept):
            return kept, True
    doc = apply_overrides(parse_document(text, file, fmt), overrides(edits))
    plain = _dump(doc.data, wanted.name)
    if not same(plain):
        raise ValueError("the edited scenario could not be written back as YAML")
    return plain, False
