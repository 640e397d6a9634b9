"""The picture of who can reach what, drawn by Graphviz: each edge labelled with the policy granting it, a legend
of the kinds shown only, no label over a node, SVG beside PNG."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from snapshot_data import OUTSIDE, allow, arn, bucket, policy, role, snapshot, trusting, user

from rolecheck.analysis.graph import access_graph
from rolecheck.analysis.queries import Analysis
from rolecheck.report import access_picture

USER, ROLE, ADMIN = arn("user", "iam-test-user"), arn("role", "s3-list-role"), arn("role", "admin")
needs_dot = pytest.mark.skipif(not access_picture.dot_available(),
                               reason="Graphviz's dot is not installed (Debian package graphviz; .ci/run installs it)")


def account():
    leak = bucket("other-bucket", {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject",
                                   "Resource": "arn:aws:s3:::other-bucket/*"})
    return snapshot(users=[user("iam-test-user")],
                    roles=[role("s3-list-role", trusting(USER), policy("list", allow("s3:ListAllMyBuckets"))),
                           role("admin", trusting(ROLE, f"arn:aws:iam::{OUTSIDE}:root"))],
                    resources=[leak, bucket("walkthrough-bucket")])


def _edges(source: str) -> dict[tuple[str, str], str]:
    """Each edge of a DOT text, by the ARNs of its ends (the nodes' tooltips), and its label."""
    arns, found = {}, {}
    for line in source.splitlines():
        head, arrow, rest = line.strip().partition(" -> ")
        if arrow:
            target, _, attributes = rest.partition(" [")
            found[(head, target)] = attributes.split('label="', 1)[1].split('"', 1)[0]
        elif "tooltip=" in line:
            arns[head.split(" [", 1)[0]] = line.split('tooltip="', 1)[1].split('"', 1)[0]
    return {(arns[a], arns[b]): label for (a, b), label in found.items()}


def test_each_edge_is_labelled_with_the_policy_that_grants_it() -> None:
    source = access_picture.dot_source(access_graph(Analysis(account()), [USER, ROLE])).source
    edges = _edges(source)
    assert edges[(USER, ROLE)].startswith("trust policy of role s3-list-role\\nsts:AssumeRole")
    assert edges[(ROLE, "arn:aws:s3:::other-bucket")].startswith("bucket policy of other-bucket\\ns3:GetObject")
    assert edges[(ROLE, "resources matching *")].startswith("identity policy list\\ns3:ListAllMyBuckets")


def test_the_legend_lists_only_the_kinds_the_picture_shows() -> None:
    graph = access_graph(Analysis(account()), [USER, ROLE])
    plain = access_picture.dot_source(graph).source
    legend = plain.split("label=<", 1)[1]
    for shown in ("user", "role", "resource", "granted by a trust policy", "granted by a bucket policy",
                  "granted by an identity policy"):
        assert f">{shown}</TD>" in legend, shown
    for absent in ("outside", "queue policy", "key policy", "unexpected grant"):
        assert absent not in legend, absent
    marked = access_picture.dot_source(graph, unexpected={(ROLE, ADMIN)}).source
    assert "unexpected grant" in marked.split("label=<", 1)[1]
    assert _edges(marked)[(ROLE, ADMIN)].startswith("UNEXPECTED\\ntrust policy of role admin")


def test_a_policy_kind_is_read_from_the_grants_name_for_it() -> None:
    assert access_picture.policy_kind("trust policy of role r") == "trust policy"
    assert access_picture.policy_kind("queue policy of q") == "queue policy"
    assert access_picture.policy_kind("s3-list-buckets") == "identity policy"
    assert access_picture.policy_kind("endpoint policy of vpce-1") == "other policy"


@needs_dot
def test_it_draws_svg_and_png_with_no_label_over_a_node() -> None:
    graph = access_graph(Analysis(account()), [USER, ROLE, ADMIN])
    unexpected = {(ROLE, ADMIN)}
    picture = access_picture.draw(graph, unexpected)
    assert picture is not None and picture.png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = ET.fromstring(picture.svg)
    assert svg.tag.endswith("svg")
    assert "bucket policy of other-bucket" in "".join(svg.itertext())
    laid_out = json.loads(access_picture.dot_source(graph, unexpected).pipe(format="json"))
    boxes = []
    for node in laid_out["objects"]:
        if "pos" in node:
            x, y = map(float, node["pos"].split(","))
            half_w, half_h = float(node["width"]) * 36, float(node["height"]) * 36
            boxes.append((node["name"], x - half_w, x + half_w, y - half_h, y + half_h))
    labels = [edge for edge in laid_out["edges"] if "lp" in edge]
    assert len(labels) == len(graph.edges)
    for edge in labels:
        lx, ly = map(float, edge["lp"].split(","))
        inside = [name for name, x0, x1, y0, y1 in boxes if x0 <= lx <= x1 and y0 <= ly <= y1]
        assert not inside, f"the label of edge {edge['label']!r} is drawn over {inside}"


def test_without_dot_there_is_no_picture_and_a_line_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_picture.shutil, "which", lambda name: None)
    assert access_picture.render_access_graph(account(), [USER]) is None
    assert "graphviz" in access_picture.NO_DOT
