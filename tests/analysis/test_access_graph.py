"""The graph of who can reach what: its edges and their granting policies (tests/report/test_access_picture.py
draws it)."""

from __future__ import annotations

from snapshot_data import OUTSIDE, allow, arn, bucket, policy, role, snapshot, trusting, user

from rolecheck.analysis.graph import access_graph, edges_of
from rolecheck.analysis.queries import Analysis

USER, ROLE = arn("user", "iam-test-user"), arn("role", "s3-list-role")
ADMIN = arn("role", "admin")


def account():
    leak = bucket("other-bucket", {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject",
                                   "Resource": "arn:aws:s3:::other-bucket/*"})
    return snapshot(users=[user("iam-test-user")],
                    roles=[role("s3-list-role", trusting(USER), policy("list", allow("s3:ListAllMyBuckets"))),
                           role("admin", trusting(ROLE, f"arn:aws:iam::{OUTSIDE}:root"))],
                    resources=[leak, bucket("walkthrough-bucket")])


def test_the_graph_has_trust_chain_and_resource_edges() -> None:
    graph = access_graph(Analysis(account()), [USER, ROLE])
    assert graph.edges[(USER, ROLE)] == ("sts:AssumeRole",)
    assert graph.edges[(ROLE, ADMIN)] == ("sts:AssumeRole",)
    assert (f"arn:aws:iam::{OUTSIDE}:root", ADMIN) not in graph.edges  # admin is reached, not a focus role
    assert graph.edges[(ROLE, "arn:aws:s3:::other-bucket")] == ("s3:GetObject",)
    assert graph.edges[(ROLE, "resources matching *")] == ("s3:ListAllMyBuckets",)
    assert graph.nodes[USER] == "user" and graph.nodes[ADMIN] == "role"


def test_outside_principals_of_a_focus_role_are_nodes() -> None:
    graph = access_graph(Analysis(account()), [ADMIN])
    assert graph.nodes[f"arn:aws:iam::{OUTSIDE}:root"] == "outside"


def test_each_edge_names_the_policies_that_grant_it() -> None:
    graph = access_graph(Analysis(account()), [USER, ROLE])
    assert graph.policies[(USER, ROLE)] == ("trust policy of role s3-list-role",)
    assert graph.policies[(ROLE, "arn:aws:s3:::other-bucket")] == ("bucket policy of other-bucket",)
    assert graph.policies[(ROLE, "resources matching *")] == ("list",)


def test_the_edges_of_grants_are_the_graphs_edges() -> None:
    snapshot = account()
    grants = Analysis(snapshot).principal_access(ROLE) + Analysis(snapshot).reachable_roles(USER)
    edges = edges_of(snapshot, grants)
    assert edges == {(ROLE, "arn:aws:s3:::other-bucket"), (ROLE, "resources matching *"), (USER, ROLE),
                     (ROLE, ADMIN)}
    assert edges <= set(access_graph(Analysis(snapshot), [USER, ROLE]).edges)
