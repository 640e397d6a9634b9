"""Credentials as the field passes them: a profile, then a role to assume (with an external id, MFA, a session name
and a duration), chained through botocore's own session and ``AssumeRoleCredentialFetcher``.

The same options, spelled the same way, on every command: the pytest plugin (``add_pytest``), ``rolecheck audit``
and ``rolecheck sweep`` (``add_argparse``). Bad values are a ``TargetError`` (one ``ERROR: rolecheck:`` line, exit
4) before anything is sent. The MFA token code is read from the terminal without echo, or from
``ROLECHECK_MFA_TOKEN_CODE`` in CI; it and every key are held as ``Secret`` and never printed.
AssumeRole's parameters: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rolecheck.aws.clients import AccessKey
from rolecheck.aws.secrets import Secret
from rolecheck.errors import TargetError

MFA_TOKEN_ENV = "ROLECHECK_MFA_TOKEN_CODE"
DEFAULT_SESSION_NAME = "rolecheck"
# AssumeRole's limits: DurationSeconds 900 to 43200 (and at most the role's MaxSessionDuration); a session that
# assumes another role (role chaining) is limited to one hour.
MIN_DURATION, MAX_DURATION, CHAINED_MAX = 900, 43200, 3600
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
_MFA_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}")
_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+")


@dataclass(frozen=True)
class CredentialOptions:
    """Where the administrator's (or auditor's) credentials come from: a profile, then optionally a role to assume."""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    mfa_serial: str | None = None
    role_session_name: str | None = None
    duration: int | None = None

    @property
    def given(self) -> bool:
        """True when any option was given (the moto targets, which make their own administrator, refuse them)."""
        return any(value is not None for value in vars(self).values())

    def check(self) -> None:
        """Refuse bad values in one line each, before anything is sent."""
        if self.role_arn is None:
            needing = [name for name in ("external_id", "mfa_serial", "role_session_name", "duration")
                       if getattr(self, name) is not None]
            if needing:
                raise TargetError(f"--{needing[0].replace('_', '-')} needs --role-arn (it is a parameter of the "
                                  "role assumed)")
            return
        if not _ROLE_ARN.fullmatch(self.role_arn):
            raise TargetError(f"--role-arn {self.role_arn!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
        if self.external_id is not None and not _EXTERNAL_ID.fullmatch(self.external_id):
            raise TargetError("--external-id must be 2 to 1224 characters of letters, digits and +=,.@:/-")
        if self.mfa_serial is not None and not _MFA_SERIAL.fullmatch(self.mfa_serial):
            raise TargetError(f"--mfa-serial {self.mfa_serial!r} is not an MFA device serial number or ARN")
        if self.role_session_name is not None and not _SESSION_NAME.fullmatch(self.role_session_name):
            raise TargetError(f"--role-session-name {self.role_session_name!r} must be 2 to 64 characters of "
                              "letters, digits and +=,.@-")
        if self.duration is not None and not MIN_DURATION <= self.duration <= MAX_DURATION:
            raise TargetError(f"--duration {self.duration} must be {MIN_DURATION} to {MAX_DURATION} seconds")

    def __repr__(self) -> str:
        # The external id is a shared value between two parties, not to be spread: named, never shown.
        shown = {k: ("***" if k == "external_id" and v else v) for k, v in vars(self).items() if v is not None}
        return f"CredentialOptions({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


# (option, attribute, environment variable, type, help): one spelling for every command.
_OPTIONS: tuple[tuple[str, str, str, type, str], ...] = (
    ("--profile", "profile", "ROLECHECK_PROFILE", str,
     "the AWS profile whose credentials start the chain (default: boto3's standard chain)"),
    ("--role-arn", "role_arn", "ROLECHECK_ROLE_ARN", str,
     "a role to assume with those credentials; the run acts as its session"),
    ("--external-id", "external_id", "ROLECHECK_EXTERNAL_ID", str, "the external id the role's trust policy asks for"),
    ("--mfa-serial", "mfa_serial", "ROLECHECK_MFA_SERIAL", str,
     f"the MFA device to assume the role with; the code is asked on the terminal, or read from {MFA_TOKEN_ENV}"),
    ("--role-session-name", "role_session_name", "ROLECHECK_ROLE_SESSION_NAME", str,
     f"the role session's name (default {DEFAULT_SESSION_NAME})"),
    ("--duration", "duration", "ROLECHECK_DURATION", int,
     f"the role session's lifetime in seconds, {MIN_DURATION} to {MAX_DURATION} ({CHAINED_MAX} at most when the "
     "starting credentials are themselves a role session)"),
)


def add_argparse(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The credential options on an argparse (sub)command."""
    for option, dest, env, kind, text in _OPTIONS:
        parser.add_argument(option, dest=f"cred_{dest}", type=kind, default=os.environ.get(env) or None,
                            help=f"{text}. Env: {env}")


def add_pytest(group: Any) -> None:
    """The credential options on the pytest plugin's option group."""
    for option, dest, env, kind, text in _OPTIONS:
        group.addoption(option, dest=f"cred_{dest}", type=kind, default=os.environ.get(env) or None,
                        help=f"{text}. Env: {env}")


def from_options(get: Callable[[str], Any], *, check: bool = True) -> CredentialOptions:
    """The options as parsed, ``get(dest)`` being ``vars(namespace).get`` or ``config.getoption``; checked unless
    the caller combines them itself (the multi-account audit)."""
    options = CredentialOptions(**{dest: get(f"cred_{dest}") for _, dest, _, _, _ in _OPTIONS})
    if check:
        options.check()
    return options


def resolve(options: CredentialOptions, region: str, endpoint_url: str | None, where: str,
            token_code: Callable[[str], str] | None = None) -> AccessKey:
    """The credentials ``options`` name, frozen: the profile's (or the default chain's), then the role's session.

    ``token_code(prompt)`` gives the MFA code (default: ``ROLECHECK_MFA_TOKEN_CODE``, else asked without echo).
    One ``TargetError`` line when a link of the chain fails, naming the link, never a secret.
    """
    import botocore.session
    from botocore.exceptions import BotoCoreError

    options.check()
    try:
        session = botocore.session.Session(profile=options.profile)
        base = session.get_credentials()
        frozen = base.get_frozen_credentials() if base is not None else None
    except BotoCoreError as exc:
        raise TargetError(f"cannot load AWS credentials for {where}: {exc}") from None
    if frozen is None or not frozen.access_key:
        raise TargetError(f"no AWS credentials for {where}: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, pass --profile, or sign in with `aws sso login`")
    if options.role_arn is None:
        return AccessKey(frozen.access_key, Secret(frozen.secret_key), Secret(frozen.token) if frozen.token else None)
    return _assume(session, base, bool(frozen.token), options, region, endpoint_url, where, token_code)


def assume(key: AccessKey, options: CredentialOptions, region: str, endpoint_url: str | None, where: str,
           token_code: Callable[[str], str] | None = None) -> AccessKey:
    """``options.role_arn``'s session, assumed with ``key`` (the multi-account audit's step into each account)."""
    import botocore.session
    from botocore.credentials import Credentials

    options.check()
    base = Credentials(key.access_key_id, key.secret_access_key.reveal(),
                       key.session_token.reveal() if key.session_token else None)
    return _assume(botocore.session.Session(), base, key.temporary, options, region, endpoint_url, where, token_code)


def _assume(session: Any, base: Any, temporary: bool, options: CredentialOptions, region: str,
            endpoint_url: str | None, where: str, token_code: Callable[[str], str] | None) -> AccessKey:
    from botocore.credentials import AssumeRoleCredentialFetcher
    from botocore.exceptions import BotoCoreError, ClientError

    assert options.role_arn is not None
    if temporary and (options.duration or 0) > CHAINED_MAX:
        raise TargetError(f"--duration {options.duration}: the starting credentials are temporary, so assuming "
                          f"{options.role_arn} is role chaining, which AWS limits to {CHAINED_MAX} seconds")
    extra: dict[str, Any] = {"RoleSessionName": options.role_session_name or DEFAULT_SESSION_NAME}
    if options.external_id:
        extra["ExternalId"] = options.external_id
    if options.duration:
        extra["DurationSeconds"] = options.duration
    if options.mfa_serial:
        extra["SerialNumber"] = options.mfa_serial

    def sts(service: str, **keys: Any) -> Any:
        # Pinned to the run's region and endpoint: a moto server, or the region's STS endpoint on AWS.
        return session.create_client(service, region_name=region, endpoint_url=endpoint_url, **keys)

    fetcher = AssumeRoleCredentialFetcher(sts, base, options.role_arn, extra_args=extra,
                                          mfa_prompter=token_code or _token_code, cache={})
    try:
        fetched = fetcher.fetch_credentials()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise TargetError(f"cannot assume {options.role_arn} for {where}: {error.get('Code', 'error')}: "
                          f"{error.get('Message', '')}".rstrip(": ")) from None
    except BotoCoreError as exc:
        raise TargetError(f"cannot assume {options.role_arn} for {where}: {type(exc).__name__}") from None
    expiry = fetched.get("expiry_time")
    return AccessKey(fetched["access_key"], Secret(fetched["secret_key"]), Secret(fetched["token"]),
                     datetime.fromisoformat(expiry) if isinstance(expiry, str) else None)


def _token_code(prompt: str) -> str:
    """The MFA code: from the environment in CI, else typed on the terminal without echo."""
    code = os.environ.get(MFA_TOKEN_ENV)
    return code if code else getpass.getpass(prompt)


def as_environment(key: AccessKey) -> dict[str, str]:
    """A child process's AWS environment for ``key`` (memory to memory: nothing is written to disk)."""
    env = {"AWS_ACCESS_KEY_ID": key.access_key_id, "AWS_SECRET_ACCESS_KEY": key.secret_access_key.reveal()}
    if key.session_token is not None:
        env["AWS_SESSION_TOKEN"] = key.session_token.reveal()
    return env
