"""``rolecheck audit``: the compliance suite, read-only, against existing resources or infrastructure-as-code.

- ``--mapping FILE`` audits an account (``--target aws``) or an endpoint (``--target moto-server --endpoint-url``)
  as it is: ``pytest --audit-mapping FILE`` with the target options passed through.
- ``--cloudformation TEMPLATE [--parameter K=V ...]`` or ``--terraform-plan PLAN`` deploys into a moto server this
  command starts, derives the mapping (or takes ``--mapping``, whose values may name template logical ids or
  Terraform addresses), gives the audited user an access key there so that its switch to the role and the read-only
  probes are real, and audits that account.

Either way the contracts audited are the project's: the feature files of the current folder (``features/`` in it,
or the folder itself) or of ``--project DIR``, run by pytest in that folder, with the mapping naming the logical
names those features introduce. The Allure results go to ``--results`` and the report is rendered to
``--report``. Bad input is one line and exit status 4 before anything runs; otherwise the exit status is pytest's.

The audit is read-only by construction: this command decides the mode, and the suite's process gets it through
``ROLECHECK_READ_ONLY=1`` (read by the client layer at import, ``rolecheck.aws.clients``), not through an option
that a later one could override. Only options that cannot change the mode, target or mapping may follow ``--``
(``AFTER_DASHES``), and the environment that could (``PYTEST_ADDOPTS``, ``PYTEST_PLUGINS``, the suite's own
``ROLECHECK_*`` settings) is not passed on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.audit import accounts, iac, mapping
from rolecheck.aws import credentials, safety
from rolecheck.aws.clients import READ_ONLY_ENV, guard, read_only_process
from rolecheck.errors import EXIT_BAD_INPUT, EXIT_NOT_ESTABLISHED, TargetError, one_line
from rolecheck.project import Project, ProjectError, locate
from rolecheck.report import findings
from rolecheck.targets.base import DEFAULT_REGION, MOTO_ACCOUNT

USAGE_ERROR = EXIT_BAD_INPUT
USER_PROFILE = "rolecheck-audited-user"

# What may follow ``--``: pytest options that select, order, parallelise or display the run, and nothing that loads
# code, re-reads configuration or names a target (an allow-list: a new pytest option is refused until it is added).
# Option -> whether it takes a value.
AFTER_DASHES: dict[str, bool] = {
    "-k": True, "-m": True, "-n": True, "--numprocesses": True, "--dist": True, "--maxfail": True, "-r": True,
    "--tb": True, "--durations": True, "--color": True, "--junitxml": True, "--junit-xml": True,
    "-x": False, "--exitfirst": False, "-v": False, "--verbose": False, "-q": False, "--quiet": False,
    "-l": False, "--showlocals": False, "--lf": False, "--last-failed": False, "--ff": False,
    "--failed-first": False, "-s": False,
}
# ``-p`` loads a plugin, or blocks one (the audit plugin itself): only the cache, which holds no verdict, may go.
_HARMLESS_PLUGIN_CHOICES = frozenset({"no:cacheprovider"})
# The suite's settings the audit passes on: they cannot change the mode, the target or the mapping.
_PASSED_ENV = frozenset({"ROLECHECK_RUN_ID", safety.ALLOWLIST_ENV, "ROLECHECK_CALL_LOG",
                         "ROLECHECK_CONSISTENCY_TIMEOUT", "ROLECHECK_FOREIGN_PROFILE"})
_DROPPED_PYTEST_ENV = frozenset({"PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD"})


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``rolecheck audit`` on the ``rolecheck`` command's subparsers."""
    audit = commands.add_parser("audit", help="run the compliance suite read-only against existing resources, "
                                "a CloudFormation template or a Terraform plan",
                                description=__doc__.split("\n\n")[0] if __doc__ else None)
    source = audit.add_mutually_exclusive_group()
    source.add_argument("--cloudformation", metavar="TEMPLATE", type=Path,
                        help="a CloudFormation template (JSON or YAML), deployed into a moto server first")
    source.add_argument("--terraform-plan", metavar="PLAN", type=Path,
                        help="a Terraform plan as JSON (terraform show -json plan.out), applied into a moto server")
    audit.add_argument("--mapping", metavar="FILE", type=Path,
                       help="YAML/JSON: the feature files' logical names -> real names or ARNs (with a template: "
                            "logical ids or addresses too)")
    audit.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                       help="a template parameter (repeatable; --cloudformation only)")
    audit.add_argument("--target", default=None, help="aws or moto-server (default: aws; not with a template)")
    audit.add_argument("--region", default=os.environ.get("ROLECHECK_REGION") or DEFAULT_REGION)
    audit.add_argument("--endpoint-url", default=None, help="an AWS-compatible endpoint for --target moto-server")
    audit.add_argument("--allow-account", action="append", default=[], metavar="ACCOUNT_ID",
                       help=f"the audited account (repeatable). Env: {safety.ALLOWLIST_ENV}")
    audit.add_argument("--user-profile", metavar="PROFILE",
                       help="an AWS profile with the audited user's own credentials: its switch to the role and the "
                            "read-only probes are then real")
    audit.add_argument("--project", metavar="DIR", type=Path, default=None,
                       help="the project whose feature files are audited: DIR/features, or DIR itself (default: the "
                            "current folder)")
    audit.add_argument("--results", type=Path, default=None,
                       help="Allure results (default: reports/audit/<input>-<digest>/allure-results, never the "
                            "suite's own reports/allure-results)")
    audit.add_argument("--report", type=Path, default=None,
                       help="rendered Allure report (default: beside the results, allure-report)")
    audit.add_argument("--no-report", action="store_true", help="write the Allure results, do not render them")
    audit.add_argument("--output", action="append", default=[], metavar="FORMAT=PATH",
                       help=f"write the findings as FORMAT ({', '.join(findings.FORMATS)}) to PATH (repeatable); "
                            "SARIF points to the template's lines")
    audit.add_argument("--fail-on-severity", default=findings.SEVERITY_ORDER[0], choices=findings.SEVERITY_ORDER,
                       help="exit 1 only for failures at or above this severity (default: every failure)")
    credentials.add_argparse(audit)
    accounts.add_arguments(audit)
    audit.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: more pytest options (-k, -n ...)")
    audit.error = _usage_error  # type: ignore[method-assign]


def _usage_error(message: str) -> None:
    """Bad audit options are bad input: one line, exit status 4 (argparse's own default is 2)."""
    print(one_line(message), file=sys.stderr)
    sys.exit(USAGE_ERROR)


class _BadInput(ValueError):
    pass


def run(args: argparse.Namespace, unknown: Sequence[str] = ()) -> int:
    """Run the audit; bad input (``unknown`` options included) is one line on stderr and exit status 4.

    Any other exception is rolecheck's own failure, not the input's: one line too, but exit status 3 (a verdict
    could not be established), so a bug never passes for a refused input; ``ROLECHECK_DEBUG=1`` shows its traceback.
    """
    try:
        if unknown:
            raise _BadInput(f"unrecognized arguments: {' '.join(unknown)} (pytest options go after --)")
        return _run(args)
    except (mapping.MappingError, iac.IacError, TargetError, ProjectError, _BadInput) as exc:
        print(one_line(exc), file=sys.stderr)
        return USAGE_ERROR
    except Exception as exc:
        if os.environ.get("ROLECHECK_DEBUG") == "1":
            raise
        print(one_line(f"internal error ({type(exc).__name__}: {exc}); no verdict was reached; ROLECHECK_DEBUG=1 "
                       "shows the traceback"), file=sys.stderr)
        return EXIT_NOT_ESTABLISHED


def checked_pytest_options(given: Sequence[str], project: Project) -> tuple[list[str], bool]:
    """The options after ``--``, if each is on the allow-list (``AFTER_DASHES``), and whether they name feature
    paths (which then select what runs); else one ``_BadInput`` line.

    ``--opt=value``, ``--opt value``, grouped short flags (``-vvx``, ``-n2``) and paths under the project's
    features are understood; anything else could change what the audit is, so it is refused rather than guessed at.
    """
    options = list(given[1:] if given[:1] == ["--"] else given)
    index, paths = 0, False
    while index < len(options):
        token = options[index]
        takes_value = _checked_token(token, options[index + 1] if index + 1 < len(options) else None, project)
        paths |= not token.startswith("-")  # a value is consumed with its option, so this is a path
        index += 2 if takes_value else 1
    return options, paths



def _checked_token(token: str, following: str | None, project: Project) -> bool:
    """Whether ``token`` consumes ``following`` as its value; ``_BadInput`` when it may not follow ``--``."""
    if token.startswith("--"):
        name, has_value, _ = token.partition("=")
        if name in AFTER_DASHES and (AFTER_DASHES[name] or not has_value):
            if AFTER_DASHES[name] and not has_value and following is None:
                raise _BadInput(f"{name} after -- needs a value")
            return AFTER_DASHES[name] and not has_value
        raise _refused(token)
    if token.startswith("-") and len(token) > 1:
        for position, letter in enumerate(token[1:], start=1):
            flag = f"-{letter}"
            if flag == "-p":
                choice = token[position + 1:] or following
                if choice not in _HARMLESS_PLUGIN_CHOICES:
                    raise _refused(f"-p {choice or ''}".strip())
                return not token[position + 1:]
            if flag not in AFTER_DASHES:
                raise _refused(token)
            if AFTER_DASHES[flag]:
                if not token[position + 1:] and following is None:
                    raise _BadInput(f"{flag} after -- needs a value")
                return not token[position + 1:]
        return False
    path = (project.root / token.split("::", 1)[0]).resolve()
    if not path.is_relative_to(project.features):
        under = f"{project.features.relative_to(project.root)}/" if project.features != project.root else "."
        raise _BadInput(f"{token!r} after --: an audit runs the project's feature files (paths under {under} in "
                        f"{project.root})")
    return False


def _refused(token: str) -> _BadInput:
    allowed = " ".join(sorted(AFTER_DASHES)) + " -p no:cacheprovider"
    return _BadInput(f"{token!r} cannot follow --: rolecheck audit decides the mode, target and mapping "
                     f"(allowed after --: {allowed}, and paths under features/)")


def child_env(base: dict[str, str]) -> dict[str, str]:
    """The suite's environment: ``base`` without what could change the audit, with the read-only mode set."""
    env = {k: v for k, v in base.items() if k not in _DROPPED_PYTEST_ENV
           and (not k.startswith("ROLECHECK_") or k in _PASSED_ENV)}
    env[READ_ONLY_ENV] = "1"
    return env


def _run(args: argparse.Namespace) -> int:
    template = args.cloudformation or args.terraform_plan
    project = locate(args.project)
    extra, paths = checked_pytest_options(args.pytest_args, project)
    # Paths after -- select the features run; without them, the project's whole features folder runs.
    extra = extra if paths else [str(project.features), *extra]
    try:
        for value in args.output:
            findings.parse_output(value)
    except ValueError as exc:
        raise _BadInput(str(exc)) from None
    if template is None:
        if args.mapping is None:
            raise _BadInput("rolecheck audit needs --mapping FILE, --cloudformation TEMPLATE or --terraform-plan PLAN")
        if args.parameter:
            raise _BadInput("--parameter is for --cloudformation templates")
        _checked_mapping(args.mapping, project)
        if accounts.wanted(args):
            folder = audit_folder(args.mapping)
            return accounts.run(args, extra, project.root, child_env, dict(os.environ),
                                (args.results or folder / "allure-results").resolve(),
                                (args.report or folder / "allure-report").resolve())
        options = ["--audit-mapping", str(args.mapping.resolve()), "--target", args.target or "aws",
                   "--region", args.region]
        options += ["--endpoint-url", args.endpoint_url] if args.endpoint_url else []
        options += [f"--allow-account={a}" for a in args.allow_account]
        options += ["--audit-user-profile", args.user_profile] if args.user_profile else []
        return _pytest(args, project, options + extra, _with_credentials(args, dict(os.environ)))
    if args.target or args.endpoint_url or args.user_profile or credentials.from_options(vars(args).get).given:
        raise _BadInput("a template is deployed into a moto server of rolecheck's own: --target, --endpoint-url and "
                        "--user-profile do not apply")
    if args.parameter and args.cloudformation is None:
        raise _BadInput("--parameter is for --cloudformation templates")
    given = _checked_mapping(args.mapping, project, allow_template_ids=True) if args.mapping else None
    return _audit_iac(args, project, given, _parameters(args.parameter), extra)


def _with_credentials(args: argparse.Namespace, env: dict[str, str]) -> dict[str, str]:
    """``env`` with the auditor's credentials resolved here, once (an MFA code is single-use): the child gets the
    session's temporary keys in its environment, never on disk."""
    options = credentials.from_options(vars(args).get)
    if not options.given:
        return env
    key = credentials.resolve(options, args.region, args.endpoint_url, f"the audit ({args.target or 'aws'})")
    env = {k: v for k, v in env.items() if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")}
    return env | credentials.as_environment(key)


def _checked_mapping(path: Path, project: Project, allow_template_ids: bool = False) -> mapping.AuditMapping:
    loaded = mapping.load(path)
    mapping.check_names(loaded, mapping.feature_resources(project.features), complete=not allow_template_ids)
    return loaded


def _parameters(pairs: Sequence[str]) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise _BadInput(f"--parameter expects KEY=VALUE, not {pair!r}")
        parsed[key] = value
    return parsed


def _audit_iac(args: argparse.Namespace, project: Project, given: mapping.AuditMapping | None,
               parameters: dict[str, str], extra: list[str]) -> int:
    """Deploy the template or plan into a moto server of this process, then audit it from a pytest subprocess."""
    if read_only_process():
        # The variable reaches this process when a user's shell exports it: the deployer's clients would refuse
        # their first write. The audit of the deployed server is read-only whatever the shell says.
        option = "--cloudformation" if args.cloudformation else "--terraform-plan"
        raise _BadInput(f"{READ_ONLY_ENV}=1 is set, and {option} first deploys into a moto server of its own, which a "
                        "read-only process cannot; unset "
                        f"{READ_ONLY_ENV} (the audit of that server is read-only all the same)")
    import boto3

    from rolecheck import moto_adapter
    from rolecheck.targets.moto_server import MotoServer

    source = args.cloudformation or args.terraform_plan
    if args.cloudformation:
        from rolecheck.audit import cloudformation

        text, template = cloudformation.load(source)
        cloudformation.check_parameters(template, parameters, str(source))
    else:
        from rolecheck.audit import terraform

        plan = terraform.load(source)
    account = (terraform.account_id(plan) if args.terraform_plan else None) or MOTO_ACCOUNT
    server = MotoServer()
    server.start()
    try:
        key_id, secret = moto_adapter.bootstrap_admin(account, "rolecheck-iac-deployer")
        session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=args.region)
        # The deployer writes into the moto server this command started; guarded, so a Secret goes on the wire masked.
        iam, s3 = (guard(session.client(name, endpoint_url=server.url)) for name in ("iam", "s3"))
        if args.cloudformation:
            applied = cloudformation.deploy(guard(session.client("cloudformation", endpoint_url=server.url)), iam, s3,
                                            text,
                                            template, parameters, "rolecheck-audit", account, args.region)
        else:
            applied = terraform.apply(iam, s3, plan, account, args.region)
        for line in applied.not_deployed:
            print(f"rolecheck: not deployed: {line}", file=sys.stderr)
        needed = mapping.feature_resources(project.features)
        derived = iac.derive_mapping(applied, needed, given, str(source))
        with tempfile.TemporaryDirectory(prefix="rolecheck-audit-") as scratch:
            mapping_file = Path(scratch, "mapping.json")
            mapping_file.write_text(json.dumps(derived, indent=2))
            user = _audited_user(mapping.AuditMapping(str(mapping_file), derived), needed, source)
            credentials = Path(scratch, "credentials")
            if user is not None:
                _write_user_profile(credentials, iam, user)
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=args.region,
                       AWS_SHARED_CREDENTIALS_FILE=str(credentials), AWS_CONFIG_FILE=os.devnull)
            options = ["--audit-mapping", str(mapping_file), "--target", "moto-server", "--endpoint-url",
                       server.url, "--region", args.region, f"--allow-account={account}",
                       *(["--audit-user-profile", USER_PROFILE] if user is not None else []),
                       f"--audit-source={'CloudFormation template' if args.cloudformation else 'Terraform plan'} "
                       f"{source}, deployed into moto"]
            options += [f"--audit-not-deployed={line}" for line in applied.not_deployed]
            return _pytest(args, project, options + extra, env)
    finally:
        server.stop()


def _audited_user(derived: mapping.AuditMapping, needed: dict[str, str], source: Path) -> str | None:
    """The real name of the one user the features introduce, who gets an access key in the deployed account (None
    when they introduce none of this account: the engine decides every trial of a user)."""
    users = sorted(logical for logical, kind in needed.items() if kind == "user")
    if not users:
        return None
    if len(users) != 1:
        # The plugin takes one user profile: with two users, whose key would the probes use is not ours to guess.
        raise iac.IacError(f"{source}: the feature files introduce {len(users)} IAM users "
                           f"({', '.join(users) or 'none'}); rolecheck audit of a template gives one user its keys")
    return derived.name(users[0], "user")


def _write_user_profile(path: Path, iam: Any, user: str) -> None:
    """An access key for the audited user in the moto account, as a profile only the audit subprocess reads."""
    try:
        key = iam.create_access_key(UserName=user)["AccessKey"]
    except ClientError as exc:
        raise iac.IacError(f"the mapped user {user} is not in the deployed account: "
                           f"{exc.response.get('Error', {}).get('Code')}") from None
    path.write_text(f"[{USER_PROFILE}]\naws_access_key_id = {key['AccessKeyId']}\n"
                    f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    path.chmod(0o600)


def _findings_options(args: argparse.Namespace) -> list[str]:
    """``--output`` paths and the findings' relative paths are the caller's (the suite runs in the project's folder)."""
    options = [f"--fail-on-severity={args.fail_on_severity}", f"--findings-root={Path.cwd()}"]
    for kind, path in map(findings.parse_output, args.output):
        options.append(f"--output={kind}={path.resolve()}")
    if args.cloudformation:
        options.append(f"--audit-template={args.cloudformation.resolve()}")
    return options


def audit_folder(audited: Path) -> Path:
    """Where an audit of ``audited`` writes by default: its own folder per input (name and content digest), so an
    audit never overwrites the suite's report or another input's."""
    try:
        digest = hashlib.sha256(audited.read_bytes()).hexdigest()[:8]
    except OSError:
        digest = "unread"
    return Path("reports") / "audit" / f"{audited.stem}-{digest}"


def _pytest(args: argparse.Namespace, project: Project, options: list[str], env: dict[str, str]) -> int:
    """The project's contracts in audit mode (pytest in the project, its pytest.ini read), then the report; the
    exit status is pytest's."""
    folder = audit_folder(args.cloudformation or args.terraform_plan or args.mapping)
    results = (args.results or folder / "allure-results").resolve()
    report = (args.report or folder / "allure-report").resolve()
    command = [sys.executable, "-m", "pytest", f"--alluredir={results}", "--clean-alluredir", *options,
               *_findings_options(args)]
    status = subprocess.run(command, cwd=project.root, env=child_env(env), check=False).returncode
    if not args.no_report and status in (0, 1):
        from rolecheck.report.rendering import RenderError, render

        try:
            print(render(results, report).message)
        except RenderError as exc:
            print(f"rolecheck: the report could not be rendered: {exc}", file=sys.stderr)
    return status
