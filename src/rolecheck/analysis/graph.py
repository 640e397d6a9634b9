"""Who can reach what, as a graph: the assume-role edges and the grants around some principals.

Users, roles, resources and outside principals are nodes, each of a kind; every trust edge (who
can assume a role) and resource grant (who can act on a resource) is an edge carrying its actions and the
policies that grant them. This is data only: ``rolecheck.report.access_picture`` draws it, with the edges a
claim did not expect in red.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rolecheck.analysis.grants import OUTSIDE_ROLES, Grant
from rolecheck.analysis.queries import Analysis
from rolecheck.analysis.snapshot import Snapshot

Edge = tuple[str, str]

# The start of a pattern's node: resources outside the snapshot are drawn as the pattern a policy names.
PATTERN = "resources matching "


@dataclass(frozen=True)
class AccessGraph:
    """Nodes by ARN with their kind, edges with the actions they carry and the policies granting them.

    A node's kind is ``user``, ``role`` (``OUTSIDE_ROLES``' node too), ``resource`` (the snapshot's), ``pattern``
    (``PATTERN`` and the pattern a policy names) or ``outside`` (any other principal: an outsider, ``*``).
    """

    nodes: dict[str, str]
    edges: dict[Edge, tuple[str, ...]]
    # Each edge's granting policies as grants name them ("trust policy of role r", "bucket policy of b", a name).
    policies: dict[Edge, tuple[str, ...]] = field(default_factory=dict)


def access_graph(analysis: Analysis, focus_arns: Iterable[str]) -> AccessGraph:
    """The edges around the focus principals: who can assume each focus role, where each focus principal can go
    (role chaining), and what each focus principal and every role it reaches can do on the snapshot's resources."""
    snapshot = analysis.snapshot
    edges: dict[Edge, set[str]] = {}
    policies: dict[Edge, set[str]] = {}

    def add(grants: Iterable[Grant], source: str | None = None) -> None:
        for grant in grants:
            edge = edge_of(snapshot, grant, source)
            edges.setdefault(edge, set()).add(grant.action)
            policies.setdefault(edge, set()).add(grant.granted_by)

    focus = [arn for arn in focus_arns if arn in snapshot.users or arn in snapshot.roles]
    sources = set(focus)
    for arn in focus:
        if arn in snapshot.roles:
            add(analysis.who_can_assume(arn))
        reached = analysis.reachable_roles(arn)
        add(reached)
        sources |= {grant.resource for grant in reached if grant.resource in snapshot.roles}
    for arn in sorted(sources):
        add(analysis.principal_access(arn), arn)
    nodes = {arn: _kind(snapshot, arn) for edge in edges for arn in edge}
    nodes |= {arn: _kind(snapshot, arn) for arn in focus}
    return AccessGraph(nodes, {edge: tuple(sorted(actions)) for edge, actions in edges.items()},
                       {edge: tuple(sorted(names)) for edge, names in policies.items()})


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
    return PATTERN + resource


def _kind(snapshot: Snapshot, arn: str) -> str:
    if arn in snapshot.users:
        return "user"
    if arn in snapshot.roles:
        return "role"
    if arn in snapshot.resources:
        return "resource"
    if arn.startswith(OUTSIDE_ROLES):
        return "role"
    return "pattern" if arn.startswith(PATTERN) else "outside"
