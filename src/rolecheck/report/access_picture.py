"""A picture of who can reach what: the access graph (``rolecheck.analysis.graph``) around some principals, as a PNG.

Auditors look before they read: the picture shows users, roles, resources and outside principals as nodes, and
every trust edge (who can assume a role) and resource grant (who can act on a resource) as an arrow, the edges a
claim did not expect in red. It is drawn offline with networkx (layout) and matplotlib (Agg backend, no display),
both imported only when a picture is drawn, so the suite's start-up does not pay for them.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable

from rolecheck.analysis.grants import OUTSIDE_ROLES
from rolecheck.analysis.graph import PATTERN, AccessGraph, Edge, access_graph
from rolecheck.analysis.queries import Analysis
from rolecheck.analysis.snapshot import Snapshot

_COLOURS = {"user": "#4e79a7", "role": "#59a14f", "resource": "#f28e2b", "pattern": "#f1ce63",
            "outside": "#9c9c9c"}
_COLUMNS = {"user": 0, "outside": 0, "role": 1, "resource": 2, "pattern": 2}
_EXPECTED, _UNEXPECTED = "#555555", "#d62728"
_MAX_ACTIONS_SHOWN = 3


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


def render_access_graph(snapshot: Snapshot, focus_arns: Iterable[str], unexpected: Collection[Edge] = ()) -> bytes:
    """The access graph around ``focus_arns`` as PNG bytes; edges in ``unexpected`` (source, target) in red."""
    return draw(access_graph(Analysis(snapshot), focus_arns), unexpected)


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
