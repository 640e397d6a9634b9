"""A picture of who can reach what: the access graph (``rolecheck.analysis.graph``) around some principals, laid out
by Graphviz's ``dot`` (the ``graphviz`` package writes the DOT text and runs it) as SVG and PNG.

Auditors look before they read: users, roles, resources and outside principals are nodes, every trust edge (who can
assume a role) and resource grant (who can act on a resource) an arrow labelled with the policy that grants it and
its actions, coloured by the policy's kind, the edges a claim did not expect red and bold. ``dot`` places edge
labels as nodes of their own, so no label is drawn over a node. The legend lists only the kinds the picture shows.
Without ``dot`` there is no picture, and ``draw`` says why instead of failing the check.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import graphviz

from rolecheck.analysis.grants import OUTSIDE_ROLES
from rolecheck.analysis.graph import PATTERN, AccessGraph, Edge, access_graph
from rolecheck.analysis.queries import Analysis
from rolecheck.analysis.snapshot import Snapshot

_NODE_STYLE = {"user": ("#4e79a7", "ellipse"), "role": ("#59a14f", "ellipse"), "resource": ("#f28e2b", "box"),
               "pattern": ("#f1ce63", "box"), "outside": ("#9c9c9c", "ellipse")}
# Policy kinds in the order a legend lists them; an edge's kind is read from the name its grants give the policy.
_POLICY_COLOURS = {"identity policy": "#555555", "trust policy": "#1f77b4", "bucket policy": "#9467bd",
                   "queue policy": "#17becf", "topic policy": "#8c564b", "key policy": "#bcbd22",
                   "secret policy": "#e377c2", "function policy": "#7f7f7f", "other policy": "#2ca02c"}
_UNEXPECTED = "#d62728"
_MAX_ACTIONS_SHOWN = 3
NO_DOT = "no picture: Graphviz's `dot` is not installed (Debian package graphviz; .ci/run installs it)"


@dataclass(frozen=True)
class Picture:
    """The same picture twice: SVG (scales, searchable text) and PNG (shown inline everywhere)."""

    svg: bytes
    png: bytes


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` is on the PATH (the ``graphviz`` package only drives it)."""
    return shutil.which("dot") is not None


def _label(arn: str) -> str:
    if arn == "*":
        return "anyone (*)"
    if arn.startswith(OUTSIDE_ROLES):
        return arn
    if arn.startswith(PATTERN):
        pattern = arn.removeprefix(PATTERN)
        return "any resource (*)" if pattern == "*" else pattern.removeprefix("arn:aws:")
    if arn.endswith(":root"):
        return f"account {arn.split(':')[4]}"
    short = arn.rsplit(":", 1)[-1]
    return short.rsplit("/", 1)[-1] if "/" in short else short


def policy_kind(granted_by: str) -> str:
    """The kind of policy a grant names: ``trust policy of role r`` -> trust policy; a bare name is an identity
    policy (the grants name identity policies by their name alone)."""
    kind, of, _ = granted_by.partition(" of ")
    if not of:
        return "identity policy"
    return kind if kind in _POLICY_COLOURS else "other policy"


def _policy_label(granted_by: str) -> str:
    """How an edge names its policy: as the grants do, an identity policy (named by its name alone) said so."""
    return f"identity policy {granted_by}" if policy_kind(granted_by) == "identity policy" else granted_by


def _actions(actions: tuple[str, ...]) -> list[str]:
    shown = list(actions[:_MAX_ACTIONS_SHOWN])
    if len(actions) > _MAX_ACTIONS_SHOWN:
        shown.append(f"+{len(actions) - _MAX_ACTIONS_SHOWN} more")
    return shown


def _edge_kind(graph: AccessGraph, edge: Edge) -> str:
    kinds = {policy_kind(p) for p in graph.policies.get(edge, ())}
    return next((k for k in _POLICY_COLOURS if k in kinds), "other policy")


def _legend(node_kinds: set[str], edge_kinds: set[str], unexpected: bool) -> str:
    """An HTML-like table of the kinds present: the graph's own label, below the drawing, never over it."""
    rows = [f'<TR><TD BGCOLOR="{colour}" WIDTH="14"></TD><TD ALIGN="LEFT">{kind}</TD></TR>'
            for kind, (colour, _) in _NODE_STYLE.items() if kind in node_kinds]
    rows += [f'<TR><TD><FONT COLOR="{colour}">&#8594;</FONT></TD>'
             f'<TD ALIGN="LEFT">granted by {"an" if kind[0] in "aeiou" else "a"} {kind}</TD></TR>'
             for kind, colour in _POLICY_COLOURS.items() if kind in edge_kinds]
    if unexpected:
        rows.append(f'<TR><TD><FONT COLOR="{_UNEXPECTED}"><B>&#8594;</B></FONT></TD>'
                    '<TD ALIGN="LEFT">unexpected grant (the claim did not allow it)</TD></TR>')
    return f'<<TABLE BORDER="0" CELLSPACING="2"><TR><TD COLSPAN="2"><B>legend</B></TD></TR>{"".join(rows)}</TABLE>>'


def dot_source(graph: AccessGraph, unexpected: Collection[Edge] = ()) -> graphviz.Digraph:
    """The DOT graph (deterministic: nodes and edges sorted), before ``dot`` lays it out."""
    bad = set(unexpected)
    drawing = graphviz.Digraph("access", graph_attr={"rankdir": "LR", "labelloc": "b", "labeljust": "l",
                                                     "fontname": "Helvetica", "fontsize": "10", "nodesep": "0.4",
                                                     "ranksep": "1.2", "label": "Who can reach what"},
                               node_attr={"fontname": "Helvetica", "fontsize": "10", "style": "filled"},
                               edge_attr={"fontname": "Helvetica", "fontsize": "8"})
    # Ids of our own: the graphviz package reads "a:b" in an edge as node a, port b, and ARNs are full of colons.
    ids = {arn: f"n{number}" for number, arn in enumerate(sorted(graph.nodes))}
    for arn, kind in sorted(graph.nodes.items()):
        colour, shape = _NODE_STYLE[kind]
        drawing.node(ids[arn], _label(arn), shape=shape, fillcolor=colour, tooltip=arn)
    edge_kinds = set()
    for edge in sorted(graph.edges):
        kind = _edge_kind(graph, edge)
        edge_kinds.add(kind)
        lines = [*map(_policy_label, graph.policies.get(edge, ())), *_actions(graph.edges[edge])]
        if edge in bad:
            lines.insert(0, "UNEXPECTED")
        colour = _UNEXPECTED if edge in bad else _POLICY_COLOURS[kind]
        drawing.edge(ids[edge[0]], ids[edge[1]], label="\\n".join(lines), color=colour, fontcolor=colour,
                     penwidth="2.4" if edge in bad else "1.2")
    drawing.attr(label=_legend(set(graph.nodes.values()), edge_kinds, bool(bad & set(graph.edges))))
    return drawing


def draw(graph: AccessGraph, unexpected: Collection[Edge] = ()) -> Picture | None:
    """The picture as SVG and PNG, or ``None`` when ``dot`` is not installed (``NO_DOT`` says so)."""
    if not dot_available():
        return None
    drawing = dot_source(graph, unexpected)
    return Picture(svg=drawing.pipe(format="svg"), png=drawing.pipe(format="png"))


def render_access_graph(snapshot: Snapshot, focus_arns: Iterable[str],
                        unexpected: Collection[Edge] = ()) -> Picture | None:
    """The access graph around ``focus_arns``; edges in ``unexpected`` (source, target) red and bold."""
    return draw(access_graph(Analysis(snapshot), focus_arns), unexpected)

