"""``rolecheck audit --accounts ID,... | --organization``: one audit over many accounts, in one Allure report.

Each account is entered by assuming its read-only audit role (``--audit-role-name``, with ``--external-id`` when its
trust asks for one) with the starting credentials (``rolecheck.aws.credentials``), and audited by its own pytest
process, ``--account-workers`` at a time. ``--organization`` audits every ACTIVE account AWS Organizations lists
(https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html), which needs the management
account's or a delegated administrator's credentials.

In the report each account is its own parent suite (``account <id>``), with an ``account`` parameter so that the
same scenario in two accounts stays two results; "Audit verdicts per account" (parent suite ``00 organisation
audit``) carries the table of verdicts: compliant, non-compliant, or unreachable. An account that cannot be
entered (AssumeRole refused, no such account) or whose audit could not start (a mapped resource it lacks) is
a finding of that account, never a crash of the run. One console line per account says its verdict.

One mapping serves every account; ``{account_id}`` in a value is replaced by each account's id (S3 bucket names
are global, so a per-account bucket is usually named after its account).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rolecheck.aws import credentials, progress
from rolecheck.aws.clients import AccessKey
from rolecheck.engine import PARTITION
from rolecheck.errors import ERROR_PREFIX, EXIT_COMPLIANT, EXIT_NOT_COMPLIANT, TargetError

VERDICTS_SUITE = "00 organisation audit"
_ACCOUNT_ID = re.compile(r"\d{12}")
_RESULT = "-result.json"


@dataclass(frozen=True)
class AccountVerdict:
    """One account's outcome: ``verdict`` is compliant, non-compliant, unreachable (its audit role could not be
    assumed) or not audited (its audit could not start: ``reason`` says why)."""

    account: str
    verdict: str
    scenarios: int = 0
    failed: int = 0
    seconds: float = 0.0
    reason: str = ""

    def line(self) -> str:
        """The account's console line."""
        if self.reason:
            return f"rolecheck: account {self.account}: {self.verdict} ({self.reason})"
        return (f"rolecheck: account {self.account}: {self.verdict}, {self.failed} of {self.scenarios} failed "
                f"({self.seconds:.0f} s)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The multi-account options of ``rolecheck audit``."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--accounts", metavar="ID,...", help="audit these accounts (12-digit ids, comma-separated), "
                       "each through its --audit-role-name role")
    which.add_argument("--organization", action="store_true",
                       help="audit every ACTIVE account of the AWS Organization the starting credentials manage")
    parser.add_argument("--audit-role-name", metavar="NAME", help="the read-only audit role in each account")
    parser.add_argument("--account-workers", type=int, default=4, metavar="N",
                        help="accounts audited at the same time (default 4)")


def wanted(args: argparse.Namespace) -> bool:
    """True when the command line asks for a multi-account audit."""
    return bool(args.accounts or args.organization)


def account_ids(text: str) -> list[str]:
    """The ``--accounts`` list, each a 12-digit id, duplicates dropped; ``TargetError`` on anything else."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    bad = [part for part in ids if not _ACCOUNT_ID.fullmatch(part)]
    if bad or not ids:
        raise TargetError("--accounts expects 12-digit account ids separated by commas, not "
                          f"{bad[0] if bad else text!r}")
    return list(dict.fromkeys(ids))


def active_accounts(organizations: Any) -> list[str]:
    """Every ACTIVE account of the organization (``State``; ``Status`` where an older API answers only that)."""
    found = []
    for page in organizations.get_paginator("list_accounts").paginate():
        for account in page.get("Accounts", ()):
            if account.get("State", account.get("Status")) == "ACTIVE":
                found.append(account["Id"])
    return found


def run(args: argparse.Namespace, extra: Sequence[str], cwd: Path,
        child_env: Callable[[dict[str, str]], dict[str, str]], base_env: dict[str, str], results: Path,
        report: Path) -> int:
    """The multi-account audit into ``results`` (rendered to ``report``), each account's pytest run in ``cwd`` (the
    project) with ``extra`` (the feature paths among them); 0 when every account is compliant, 1 otherwise. Bad input
    is a ``TargetError``."""
    listed = account_ids(args.accounts) if args.accounts else None
    if not args.audit_role_name:
        raise TargetError("--accounts and --organization need --audit-role-name (the audit role in each account)")
    if args.account_workers < 1:
        raise TargetError(f"--account-workers must be 1 or more, not {args.account_workers}")
    if args.allow_account:
        raise TargetError("--allow-account does not apply to --accounts/--organization: the accounts listed are the "
                          "ones audited")
    options = credentials.from_options(vars(args).get, check=False)
    # The starting credentials: the profile's, or --role-arn's session; the external id, session name and
    # duration are also those of each account's audit role.
    start = options if options.role_arn else credentials.CredentialOptions(profile=options.profile,
                                                                            mfa_serial=options.mfa_serial)
    start.check()
    where = f"the audit ({args.target or 'aws'})"
    base = credentials.resolve(start, args.region, args.endpoint_url, where)
    ids = listed if listed is not None else _organization_accounts(base, args)
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)

    def audit(account: str) -> AccountVerdict:
        return _audit_account(account, base, args, options, extra, cwd, child_env, base_env, results)

    finished: list[AccountVerdict] = []

    def counted(account: str) -> AccountVerdict:
        verdict = audit(account)
        finished.append(verdict)
        return verdict

    quiet = any(option in ("-q", "--quiet") for option in extra)
    with progress.waiting(lambda: f"accounts: {len(finished)} of {len(ids)} audited",
                          sink=None if quiet else lambda line: print(line, file=sys.stderr, flush=True)), \
            ThreadPoolExecutor(max_workers=args.account_workers) as pool:
        verdicts = list(pool.map(counted, ids))
    for verdict in verdicts:
        print(verdict.line())
    write_verdicts(results, verdicts)
    if not args.no_report:
        from rolecheck.report.rendering import RenderError, render

        try:
            print(render(results, report).message)
        except RenderError as exc:
            print(f"rolecheck: the report could not be rendered: {exc}", file=sys.stderr)
    return EXIT_COMPLIANT if all(v.verdict == "compliant" for v in verdicts) else EXIT_NOT_COMPLIANT


def _organization_accounts(base: AccessKey, args: argparse.Namespace) -> list[str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.Session(aws_access_key_id=base.access_key_id,
                            aws_secret_access_key=base.secret_access_key.reveal(),
                            aws_session_token=base.session_token.reveal() if base.session_token else None,
                            region_name=args.region)
    try:
        ids = active_accounts(session.client("organizations", endpoint_url=args.endpoint_url))
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else type(exc).__name__
        raise TargetError(f"--organization: the accounts could not be listed ({code}); it needs the management "
                          "account's or a delegated administrator's credentials") from None
    if not ids:
        raise TargetError("--organization: the organization lists no ACTIVE account")
    return ids


def _audit_account(account: str, base: AccessKey, args: argparse.Namespace,
                   options: credentials.CredentialOptions, extra: Sequence[str],
                   cwd: Path, child_env: Callable[[dict[str, str]], dict[str, str]], base_env: dict[str, str],
                   results: Path) -> AccountVerdict:
    started = time.monotonic()
    role = credentials.CredentialOptions(
        role_arn=f"arn:{PARTITION}:iam::{account}:role/{args.audit_role_name}", external_id=options.external_id,
        role_session_name=options.role_session_name, duration=options.duration)
    try:
        key = credentials.assume(base, role, args.region, args.endpoint_url, f"account {account}")
    except TargetError as exc:
        return _unreachable(results, account, str(exc).removeprefix("rolecheck: "))
    with tempfile.TemporaryDirectory(prefix=f"rolecheck-audit-{account}-") as scratch:
        mapping_file = Path(scratch, "mapping.json")
        mapping_file.write_text(_account_mapping(args.mapping, account))
        own = Path(scratch, "results")
        command = [sys.executable, "-m", "pytest", f"--alluredir={own}", "--clean-alluredir",
                   "--audit-mapping", str(mapping_file), "--target", args.target or "aws", "--region", args.region,
                   f"--allow-account={account}", *(["--endpoint-url", args.endpoint_url] if args.endpoint_url else []),
                   *(["--audit-user-profile", args.user_profile] if args.user_profile else []), *extra]
        env = {k: v for k, v in base_env.items() if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                                                               "AWS_SESSION_TOKEN")}
        done = subprocess.run(command, cwd=cwd, env=child_env(env | credentials.as_environment(key)),
                              capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        if done.returncode not in (EXIT_COMPLIANT, EXIT_NOT_COMPLIANT):
            errors = [line for line in (done.stderr + done.stdout).splitlines() if line.startswith(ERROR_PREFIX)]
            reason = errors[-1].removeprefix(ERROR_PREFIX) if errors else f"its audit exited {done.returncode}"
            return _unreachable(results, account, reason, verdict="not audited")
        scenarios, failed = _move_results(own, results, account)
    verdict = "compliant" if done.returncode == EXIT_COMPLIANT and not failed else "non-compliant"
    return AccountVerdict(account, verdict, scenarios, failed, seconds)


def _account_mapping(path: Path, account: str) -> str:
    from rolecheck.audit import mapping

    loaded = mapping.load(path)
    return json.dumps({k: v.replace("{account_id}", account) for k, v in loaded.entries.items()})


def _move_results(own: Path, results: Path, account: str) -> tuple[int, int]:
    """Move one account's Allure files into the shared folder, each result in that account's parent suite.

    The ``account`` parameter and a history id of the account's own keep the same scenario in two accounts two
    results (Allure folds equal history ids into retries of one). Returns (results, failed or broken).
    """
    scenarios = failed = 0
    for item in own.iterdir():
        if item.name.endswith(_RESULT):
            result = json.loads(item.read_text(encoding="utf-8"))
            labels = [label for label in result.get("labels", ()) if label.get("name") != "parentSuite"]
            result["labels"] = [{"name": "parentSuite", "value": f"account {account}"}, *labels]
            result["parameters"] = [*result.get("parameters", ()), {"name": "account", "value": account}]
            result["historyId"] = _history_id(result.get("historyId", result.get("fullName", "")), account)
            scenarios += 1
            failed += result.get("status") in ("failed", "broken")
            item.write_text(json.dumps(result), encoding="utf-8")
        shutil.move(str(item), results / item.name)
    return scenarios, failed


def _history_id(base: str, account: str) -> str:
    return hashlib.md5(f"{base}:{account}".encode(), usedforsecurity=False).hexdigest()


def _unreachable(results: Path, account: str, reason: str, verdict: str = "unreachable") -> AccountVerdict:
    """The finding of an account the audit could not enter (or start in: ``verdict`` "not audited"): one failed
    result in its parent suite."""
    _write_result(results, name="the account can be audited with the audit role", account=account,
                  suite=f"account {account}", passed=False, message=f"{verdict}: {reason}")
    return AccountVerdict(account, verdict, reason=reason)


def write_verdicts(results: Path, verdicts: Sequence[AccountVerdict]) -> None:
    """The synthetic "Audit verdicts per account" result with its CSV table; failed unless every account is
    compliant."""
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["account", "verdict", "scenarios", "failed", "seconds", "reason"])
    for v in verdicts:
        writer.writerow([v.account, v.verdict, v.scenarios, v.failed, f"{v.seconds:.1f}", v.reason])
    bad = [v.account for v in verdicts if v.verdict != "compliant"]
    message = f"not compliant: {', '.join(bad)}" if bad else "every account is compliant"
    _write_result(results, name="Audit verdicts per account", account=None, suite=VERDICTS_SUITE,
                  passed=not bad, message=message, attachment=("verdicts per account", table.getvalue()))


def _write_result(results: Path, *, name: str, account: str | None, suite: str, passed: bool, message: str,
                  attachment: tuple[str, str] | None = None) -> None:
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Attachment, Label, Parameter, StatusDetails, TestResult

    now = int(time.time() * 1000)
    result = TestResult(uuid=str(uuid.uuid4()), name=name, fullName=f"rolecheck.audit.accounts: {name}",
                        historyId=_history_id(name, account or "organisation"), start=now, stop=now,
                        status="passed" if passed else "failed", stage="finished",
                        statusDetails=StatusDetails(message=message),
                        labels=[Label(name="parentSuite", value=suite), Label(name="suite", value="audit")],
                        parameters=[Parameter(name="account", value=account)] if account else [])
    logger = AllureFileLogger(results)
    if attachment is not None:
        source = f"{uuid.uuid4()}-attachment.csv"
        logger.report_attached_data(attachment[1].encode(), source)
        result.attachments.append(Attachment(name=attachment[0], source=source, type="text/csv"))
    logger.report_result(result)
