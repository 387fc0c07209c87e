"""Reading composed YAML nodes: nulls, fields of a mapping, and how an item is named in messages."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .messages import quote

STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
YAML_TAGS = {STR_TAG, SEQ_TAG, MAP_TAG}
NULLS = {"", "~", "null", "Null", "NULL"}


def is_null(node: Node) -> bool:
    """Return whether node is a plain null scalar (nothing, ~ or null)."""
    return (
        isinstance(node, ScalarNode)
        and not node.style  # None from PyYAML, '' from libyaml
        and node.tag == STR_TAG
        and node.value in NULLS
    )


def describe(node: Node) -> str:
    """Return what the node is, for 'got ...' in a message."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "nothing" if is_null(node) else quote(str(node.value))


def field_node(node: Node, name: str) -> Node | None:
    """Return the value of the field called name in a mapping node, if it has one."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == name:
                found: Node = value
                return found
    return None


def labelled(node: Node, path: str) -> str:
    """Return path with the item's id, when it has a readable one."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id" and isinstance(value, ScalarNode):
                return path if is_null(value) else f"{path} (id {quote(str(value.value))})"
    return path


def item_index(node: SequenceNode, value: str, default: int) -> int:
    """Return the index of the list item that is value (lists may hold skipped bad items)."""
    for index, item in enumerate(node.value):
        if isinstance(item, ScalarNode) and item.value == value:
            return index
    return min(default, len(node.value) - 1)
