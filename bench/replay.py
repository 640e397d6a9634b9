"""Replay a recorded call list with plain boto3 clients: the floor the suite is measured against.

The recording is redacted and came from another backend, so three things are filled in while replaying:
secrets (generated passwords; the credentials the replayed CreateAccessKey and AssumeRole calls really return),
names (the recorded run id becomes a fresh one) and identifiers the backend generates (access key ids, role ids...),
mapped from each recorded response to the replayed one. Calls that failed in the suite must fail the same way here.

Which credentials an actor signs with: an administrator (of this or another account: any actor named so), its
own bootstrapped key, in the account and under the user name its recorded GetCallerIdentity shows; an actor named
like a session, the latest temporary credentials; an anonymous actor, none; any other actor, the latest access key
created. A record that names its signer (``access_key_id``) is followed exactly instead.
"""

from __future__ import annotations

import copy
import pathlib
import pickle
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
from botocore import UNSIGNED, xform_name
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, Credentials
from botocore.exceptions import ClientError

from bench.errors import BenchError
from rolecheck.aws.secrets import MASK, generate_password

ADMINISTRATOR = "administrator"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_ADMIN_USER = "rolecheck-admin"
_RUN_ID = re.compile(r"rolecheck-([0-9a-f]{8})-")
_PASSWORD_FIELDS = frozenset({"Password", "NewPassword"})
_MINTING = {("iam", "CreateAccessKey"): ("AccessKey", False)} | {
    ("sts", op): ("Credentials", True)
    for op in ("AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetSessionToken",
               "GetFederationToken")
}  # fmt: skip
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException"})
# Generated identifiers shorter than this are not mapped: "v1" must never be replaced inside other strings.
_MIN_ID_LENGTH = 12
_ID_LIKE = re.compile(rf"[A-Za-z0-9]{{{_MIN_ID_LENGTH},}}")
# Far enough ahead for any STS session (at most 36 hours) to have expired.
_EXPIRY_JUMP = timedelta(hours=37)

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class PlannedCall:
    """One recorded call, ready to replay."""

    index: int
    actor: str
    service: str
    operation: str
    method: str
    params: dict[str, Any]
    expected_error: str | None
    dynamic: bool
    recorded_ids: tuple[tuple[KeyPath, str], ...]
    mints: tuple[str, bool] | None
    minted_key_id: str | None
    signer: str | None

    @property
    def label(self) -> str:
        return f"call {self.index} {self.actor}: {self.service}:{self.operation}"


@dataclass(frozen=True)
class Administrator:
    """An administrator actor the target must bootstrap before the replay: its account and IAM user name."""

    actor: str
    account: str
    user_name: str


@dataclass(frozen=True)
class Plan:
    """The whole replay: calls in order, the clients they need and the administrators to bootstrap."""

    calls: tuple[PlannedCall, ...]
    clients: tuple[tuple[str, str], ...]
    administrators: tuple[Administrator, ...]
    run_id: str | None


@dataclass
class Outcome:
    """What a replay did: calls made, calls that did not end as recorded."""

    calls: int = 0
    failed_as_recorded: int = 0
    mismatches: list[str] = field(default_factory=list)


def plan(records: list[Mapping[str, Any]], new_run_id: str | None = None) -> Plan:
    """Turn recorded call records into a replay plan; the recorded run id is replaced by ``new_run_id``."""
    old_run_id = _find_run_id(records)
    fresh = new_run_id or secrets.token_hex(4)
    tokens = _generated_ids(records)
    calls = []
    clients: dict[tuple[str, str], None] = {}
    for index, record in enumerate(records):
        params = record["request"]
        if old_run_id:
            params = _replace_in(params, old_run_id, fresh)
        dynamic = _mentions(params, tokens) or _has_mask(params)
        response = record.get("response") or {}
        mints = _MINTING.get((record["service"], record["operation"]))
        calls.append(PlannedCall(
            index=index, actor=record["actor"], service=record["service"], operation=record["operation"],
            method=xform_name(record["operation"]), params=params, expected_error=record.get("error_code"),
            dynamic=dynamic, recorded_ids=tuple(_recorded_ids(response)), mints=mints,
            minted_key_id=_at(response, (mints[0], "AccessKeyId")) if mints else None,
            signer=record.get("access_key_id"),
        ))  # fmt: skip
        clients[(record["actor"], record["service"])] = None
    return Plan(tuple(calls), tuple(clients), _administrators(records), fresh if old_run_id else None)


def _administrators(records: list[Mapping[str, Any]]) -> tuple[Administrator, ...]:
    found: dict[str, Administrator | None] = {}
    for record in records:
        actor = record["actor"]
        if not _administrator_like(actor) or found.get(actor):
            continue
        found[actor] = None
        arn = (record.get("response") or {}).get("Arn", "") if record["operation"] == "GetCallerIdentity" else ""
        if ":user/" in arn:
            found[actor] = Administrator(actor, arn.split(":")[4], arn.rsplit("/", 1)[-1])
    administrators = []
    for actor, administrator in found.items():
        if administrator is None and actor != ADMINISTRATOR:
            raise BenchError(f"actor {actor!r} never asked GetCallerIdentity, so its account is unknown")
        administrators.append(administrator or Administrator(actor, DEFAULT_ACCOUNT, DEFAULT_ADMIN_USER))
    return tuple(administrators)


def save_plan(plan_: Plan, path: pathlib.Path) -> None:
    """Store a plan for ``python -m bench.floor``: it holds no secret, only masks."""
    path.write_bytes(pickle.dumps(plan_))


def load_plan(path: pathlib.Path) -> Plan:
    """Load a plan written by ``save_plan`` in this same benchmark run."""
    try:
        loaded = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError) as exc:
        raise BenchError(f"cannot load the replay plan {path}: {exc}") from None
    if not isinstance(loaded, Plan):
        raise BenchError(f"{path} is not a replay plan")
    return loaded


def _find_run_id(records: list[Mapping[str, Any]]) -> str | None:
    for record in records:
        found = _RUN_ID.search(str(record["request"]))
        if found:
            return found.group(1)
    return None


def _replace_in(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replace_in(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_in(v, old, new) for v in value]
    return value


def _leaves(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _leaves(item, (*path, position))
    else:
        yield path, value


def _is_id_path(path: KeyPath, value: Any) -> bool:
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    return (key.endswith("Id") and key != "RequestId" and isinstance(value, str)
            and _ID_LIKE.fullmatch(value) is not None)


def _recorded_ids(response: Any) -> Iterator[tuple[KeyPath, str]]:
    return ((path, value) for path, value in _leaves(response) if _is_id_path(path, value))


def _generated_ids(records: list[Mapping[str, Any]]) -> frozenset[str]:
    return frozenset(
        value for record in records for path, value in _leaves(record.get("response") or {})
        if _is_id_path(path, value)
    )  # fmt: skip


def _mentions(params: Any, tokens: frozenset[str]) -> bool:
    return any(isinstance(v, str) and not tokens.isdisjoint(_ID_LIKE.findall(v)) for _, v in _leaves(params))


def _has_mask(params: Any) -> bool:
    return any(v == MASK for _, v in _leaves(params))


class _Switchable(Credentials):
    """Credentials the actor's clients read afresh at every signature: switching needs no new client."""

    def __init__(self) -> None:
        super().__init__("", "", None, method="bench-replay")

    def switch(self, access_key: str, secret_key: str, token: str | None) -> None:
        self.access_key, self.secret_key, self.token = access_key, secret_key, token


class _Provider(CredentialProvider):
    METHOD = "bench-replay"

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


@dataclass(frozen=True)
class _Key:
    access_key: str
    secret_key: str
    token: str | None


class Replayer:
    """Plain boto3 clients, one per actor and service, created once; replays a plan against one endpoint."""

    def __init__(self, plan_: Plan, admin_keys: Mapping[str, tuple[str, str]], region: str,
                 endpoint_url: str | None = None, travel: Callable[[datetime], Any] | None = None) -> None:
        self.plan = plan_
        self.region = region
        self.endpoint_url = endpoint_url
        self._travel = travel
        self._admins = {actor: _Key(key_id, secret, None) for actor, (key_id, secret) in admin_keys.items()}
        self._loader = botocore.session.get_session().get_component("data_loader")
        self._credentials: dict[str, _Switchable] = {}
        self._current: dict[str, _Key | None] = {}
        self._clients: dict[tuple[str, str], Any] = {}
        self._ids: dict[str, str] = {}
        self._keys_by_recorded_id: dict[str, _Key] = {}
        self._latest: dict[bool, _Key] = {}
        self._last_password: str | None = None

    def create_clients(self) -> int:
        """Create every client the plan needs; returns how many."""
        sessions: dict[str, botocore.session.Session] = {}
        config = Config(retries={"mode": "standard", "max_attempts": 5})
        for actor, service in self.plan.clients:
            if actor not in sessions:
                session = botocore.session.get_session()
                session.register_component("data_loader", self._loader)
                if not _anonymous(actor):
                    self._credentials[actor] = _Switchable()
                    session.register_component("credential_provider",
                                               CredentialResolver([_Provider(self._credentials[actor])]))
                sessions[actor] = session
                self._current[actor] = None
            chosen = config.merge(Config(signature_version=UNSIGNED)) if _anonymous(actor) else config
            self._clients[(actor, service)] = sessions[actor].create_client(
                service, region_name=self.region, endpoint_url=self.endpoint_url, config=chosen)
        return len(self._clients)

    def run(self) -> Outcome:
        """Make every planned call in order; a call that ends otherwise than recorded is a mismatch."""
        if not self._clients:
            self.create_clients()
        outcome = Outcome()
        for call in self.plan.calls:
            self._sign_as(call)
            params = self._fill(call.params) if call.dynamic else call.params
            client = self._clients[(call.actor, call.service)]
            error = None
            try:
                if call.expected_error in _EXPIRED and self._travel is not None:
                    with self._travel(datetime.now(UTC) + _EXPIRY_JUMP):
                        response = getattr(client, call.method)(**params)
                else:
                    response = getattr(client, call.method)(**params)
            except ClientError as exc:
                error = exc.response.get("Error", {}).get("Code", "error")
                response = {}
            outcome.calls += 1
            if error != call.expected_error:
                outcome.mismatches.append(f"{call.label}: recorded {call.expected_error or 'success'}, "
                                          f"replayed {error or 'success'}")
            elif error:
                outcome.failed_as_recorded += 1
            if not error:
                self._learn(call, response)
        return outcome

    def _sign_as(self, call: PlannedCall) -> None:
        if _anonymous(call.actor):
            return
        key = self._key_for(call)
        if key is not self._current[call.actor]:
            self._credentials[call.actor].switch(key.access_key, key.secret_key, key.token)
            self._current[call.actor] = key

    def _key_for(self, call: PlannedCall) -> _Key:
        if call.signer:
            if call.signer in self._keys_by_recorded_id:
                return self._keys_by_recorded_id[call.signer]
            if call.actor in self._admins:
                return self._admins[call.actor]
            raise BenchError(f"{call.label}: signed with a key the replay never received")
        if call.actor in self._admins:
            return self._admins[call.actor]
        if _administrator_like(call.actor):
            raise BenchError(f"{call.label}: administrator {call.actor!r} was not bootstrapped")
        temporary = _session_like(call.actor)
        if temporary not in self._latest:
            kind = "temporary credentials" if temporary else "access key"
            raise BenchError(f"{call.label}: no {kind} was created before this call, so the replay cannot sign it")
        return self._latest[temporary]

    def _fill(self, params: dict[str, Any]) -> dict[str, Any]:
        filled = copy.deepcopy(params)
        return self._fill_value(filled, "")

    def _fill_value(self, value: Any, key: str) -> Any:
        if isinstance(value, dict):
            return {k: self._fill_value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._fill_value(v, key) for v in value]
        if value == MASK:
            return self._secret_for(key)
        if isinstance(value, str):
            for recorded, actual in self._ids.items():
                if recorded in value:
                    value = value.replace(recorded, actual)
        return value

    def _secret_for(self, key: str) -> str:
        if key in _PASSWORD_FIELDS:
            self._last_password = generate_password().reveal()
            return self._last_password
        if key == "OldPassword" and self._last_password:
            return self._last_password
        raise BenchError(f"the recording masks a {key} the replay cannot regenerate")

    def _learn(self, call: PlannedCall, response: Mapping[str, Any]) -> None:
        for path, recorded in call.recorded_ids:
            actual = _at(response, path)
            if isinstance(actual, str) and recorded != actual:
                self._ids[recorded] = actual
        if call.mints:
            container, temporary = call.mints
            body = response.get(container, {})
            key = _Key(body["AccessKeyId"], body["SecretAccessKey"], body.get("SessionToken"))
            self._latest[temporary] = key
            if call.minted_key_id:
                self._keys_by_recorded_id[call.minted_key_id] = key


def _at(value: Any, path: KeyPath) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _administrator_like(actor: str) -> bool:
    return "administrator" in actor


def _anonymous(actor: str) -> bool:
    return "anonymous" in actor or "unsigned" in actor


def _session_like(actor: str) -> bool:
    return "session" in actor or "role" in actor
