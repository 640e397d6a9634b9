"""A picture of who can reach what: the assume-role graph and the grants around some principals, as a PNG.

Auditors look before they read: the picture shows users, roles, resources and outside principals as nodes, and
every trust edge (who can assume a role) and resource grant (who can act on a resource) as an arrow, the edges a
claim did not expect in red. It is drawn offline with networkx (layout) and matplotlib (Agg backend, no display),
both imported only when a picture is drawn, so the suite's start-up does not pay for them.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from rolecheck.analysis.access import OUTSIDE_ROLES, Grant, principal_access, reachable_roles, who_can_assume
from rolecheck.analysis.snapshot import Snapshot

Edge = tuple[str, str]

_COLOURS = {"user": "#4e79a7", "role": "#59a14f", "resource": "#f28e2b", "pattern": "#f1ce63",
            "outside": "#9c9c9c"}
_COLUMNS = {"user": 0, "outside": 0, "role": 1, "resource": 2, "pattern": 2}
_EXPECTED, _UNEXPECTED = "#555555", "#d62728"
_MAX_ACTIONS_SHOWN = 3


@dataclass(frozen=True)
class AccessGraph:
    """Nodes by ARN with their kind, and edges with the actions they carry."""

    nodes: dict[str, str]
    edges: dict[Edge, tuple[str, ...]]


def access_graph(snapshot: Snapshot, focus_arns: Iterable[str]) -> AccessGraph:
    """The edges around the focus principals: who can assume each focus role, where each focus principal can go
    (role chaining), and what each focus principal and every role it reaches can do on the snapshot's resources."""
    edges: dict[Edge, set[str]] = {}

    def add(grants: Iterable[Grant], source: str | None = None) -> None:
        for grant in grants:
            edges.setdefault(edge_of(snapshot, grant, source), set()).add(grant.action)

    focus = [arn for arn in focus_arns if arn in snapshot.users or arn in snapshot.roles]
    sources = set(focus)
    for arn in focus:
        if arn in snapshot.roles:
            add(who_can_assume(snapshot, arn))
        reached = reachable_roles(snapshot, arn)
        add(reached)
        sources |= {grant.resource for grant in reached if grant.resource in snapshot.roles}
    for arn in sorted(sources):
        add(principal_access(snapshot, arn), arn)
    nodes = {arn: _kind(snapshot, arn) for edge in edges for arn in edge}
    nodes |= {arn: _kind(snapshot, arn) for arn in focus}
    return AccessGraph(nodes, {edge: tuple(sorted(actions)) for edge, actions in edges.items()})


_PATTERN = "resources matching "


def edge_of(snapshot: Snapshot, grant: Grant, source: str | None = None) -> Edge:
    """The edge a grant is drawn as: from the role before it in a chain (or its principal) to its resource's node.

    ``source`` names the principal when the grant is one of a role reached on the way (its ``principal`` is then
    the start of the chain).
    """
    origin = grant.path[-2] if len(grant.path) >= 2 else source or grant.principal
    if grant.path and grant.path[-1] == OUTSIDE_ROLES:
        return origin, f"{OUTSIDE_ROLES} ({grant.resource})"
    return origin, _node_of(snapshot, grant.resource)


def edges_of(snapshot: Snapshot, grants: Iterable[Grant]) -> set[Edge]:
    """The edges of some grants, e.g. the unexpected ones a claim found, to mark them in the picture."""
    return {edge_of(snapshot, grant) for grant in grants}


def _node_of(snapshot: Snapshot, resource: str) -> str:
    """The node a grant's resource is drawn as: a bucket for its objects, a role or resource of the snapshot as
    itself, anything else as the pattern the policy names."""
    if resource in snapshot.resources or resource in snapshot.roles:
        return resource
    if resource.startswith("arn:aws:s3:::") and "/" in resource:
        bucket = resource.split("/", 1)[0]
        if bucket in snapshot.resources:
            return bucket
    return _PATTERN + resource


def _kind(snapshot: Snapshot, arn: str) -> str:
    if arn in snapshot.users:
        return "user"
    if arn in snapshot.roles:
        return "role"
    if arn in snapshot.resources:
        return "resource"
    if arn.startswith(OUTSIDE_ROLES):
        return "role"
    return "pattern" if arn.startswith(_PATTERN) else "outside"


def _label(arn: str) -> str:
    if arn == "*":
        return "anyone (*)"
    if arn.startswith(OUTSIDE_ROLES):
        return arn
    if arn.startswith(_PATTERN):
        pattern = arn.removeprefix(_PATTERN)
        return "any resource (*)" if pattern == "*" else pattern.removeprefix("arn:aws:")
    if arn.endswith(":root"):
        return f"account {arn.split(':')[4]}"
    short = arn.rsplit(":", 1)[-1]
    return short.rsplit("/", 1)[-1] if "/" in short else short


def render_access_graph(snapshot: Snapshot, focus_arns: Iterable[str], unexpected: Collection[Edge] = ()) -> bytes:
    """The access graph around ``focus_arns`` as PNG bytes; edges in ``unexpected`` (source, target) in red."""
    graph = access_graph(snapshot, focus_arns)
    return draw(graph, unexpected)


def draw(graph: AccessGraph, unexpected: Collection[Edge] = ()) -> bytes:
    """Draw an access graph as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.lines import Line2D

    g = nx.DiGraph()
    # Columns read left to right: who (users, outside principals), the roles they become, what they reach.
    g.add_nodes_from((arn, {"column": _COLUMNS[kind]}) for arn, kind in sorted(graph.nodes.items()))
    g.add_edges_from(graph.edges)
    layout = nx.multipartite_layout(g, subset_key="column") if graph.nodes else {}
    tallest = max((sum(1 for k in graph.nodes.values() if _COLUMNS[k] == c) for c in set(_COLUMNS.values())),
                  default=1)
    figure, axes = plt.subplots(figsize=(11, max(4.0, min(24.0, 1.1 * tallest + 2))), dpi=110)
    try:
        axes.set_axis_off()
        for kind, colour in _COLOURS.items():
            members = [arn for arn, k in graph.nodes.items() if k == kind]
            nx.draw_networkx_nodes(g, layout, nodelist=members, node_color=colour, ax=axes, node_size=500,
                                   node_shape="s" if kind in ("resource", "pattern") else "o")
        nx.draw_networkx_labels(g, layout, labels={arn: _label(arn) for arn in graph.nodes}, font_size=8, ax=axes,
                                verticalalignment="bottom",
                                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8,
                                      "edgecolor": "none"})
        bad = set(unexpected)
        for wanted, colour in ((False, _EXPECTED), (True, _UNEXPECTED)):
            chosen = [edge for edge in graph.edges if (edge in bad) == wanted]
            nx.draw_networkx_edges(g, layout, edgelist=chosen, edge_color=colour, width=2.2 if wanted else 1.2,
                                   arrows=True, arrowsize=14, node_size=500, ax=axes,
                                   connectionstyle="arc3,rad=0.08")
        nx.draw_networkx_edge_labels(
            g, layout, ax=axes, font_size=6, rotate=False, connectionstyle="arc3,rad=0.08",
            edge_labels={edge: _actions(actions) for edge, actions in graph.edges.items()},
            font_color="#333333")
        handles = [Line2D([], [], marker="s" if kind in ("resource", "pattern") else "o", linestyle="", color=colour,
                          markersize=9, label=kind) for kind, colour in _COLOURS.items()]
        handles += [Line2D([], [], color=_EXPECTED, label="grant"),
                    Line2D([], [], color=_UNEXPECTED, linewidth=2.2, label="unexpected grant")]
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        # Labels are centred on their nodes and clipped to the axes: room at the sides keeps the outer columns' names.
        axes.margins(x=0.3, y=0.12)
        axes.set_title("Who can reach what", fontsize=10)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _actions(actions: tuple[str, ...]) -> str:
    shown = list(actions[:_MAX_ACTIONS_SHOWN])
    if len(actions) > _MAX_ACTIONS_SHOWN:
        shown.append(f"+{len(actions) - _MAX_ACTIONS_SHOWN} more")
    return "\n".join(shown)
