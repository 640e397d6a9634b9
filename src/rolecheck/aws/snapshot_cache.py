"""One snapshot per account state: a snapshot read once is reused by every step that judges the same state.

Freshness (docs/account.md, "How fresh a snapshot is"):

- The suite's own writes are noted by the client layer (``watch``, on every client ``ClientFactory`` creates): a
  successful write marks the section it changes (``touched``; an S3 write marks its bucket only) in the process's
  ``TOUCHES`` log, under the writer's account. The next ``SnapshotCache.get`` re-reads exactly what was marked and
  keeps every other resource's facts as the same objects.
- IAM is revalidated by content at every judging step outside audit mode (``revalidate_iam``): its pages are read
  again and fingerprinted, and equal pages are the same state (the same ``Snapshot`` object). So a change made
  outside the suite to a user, group, role, policy, trust or boundary between two steps is seen by the next step.
- Resource policies cost calls per resource, so they are re-read when the suite touched them and otherwise kept for
  the run; the live probes see an outside change to one at once.
- An audit writes nothing and does not revalidate: it reads each account once per run (per process).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from rolecheck.analysis.snapshot import Snapshot
from rolecheck.aws import progress
from rolecheck.aws.call_log import CallRecorder
from rolecheck.aws.snapshot_reader import SECTIONS, SERIAL, Pools, ReadProgress, SectionRead, assemble, read_sections

# Which section of the snapshot a service's writes change (S3 Control: the account's Block Public Access, which
# every bucket's reading depends on).
SECTION_OF_SERVICE = {"iam": "iam", "s3": "s3", "s3control": "s3", "sqs": "sqs", "sns": "sns",
                      "secretsmanager": "secretsmanager", "kms": "kms", "lambda": "lambda", "ecr": "ecr",
                      "dynamodb": "dynamodb"}
# Operations that change nothing the snapshot reads: messages, data, keys and passwords, sessions.
NOT_SNAPSHOT: Mapping[str, frozenset[str]] = {
    "iam": frozenset({"CreateAccessKey", "DeleteAccessKey", "UpdateAccessKey", "CreateLoginProfile",
                      "UpdateLoginProfile", "DeleteLoginProfile", "ChangePassword"}),
    "sqs": frozenset({"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
                      "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "PurgeQueue"}),
    "sns": frozenset({"Publish", "PublishBatch", "Subscribe", "Unsubscribe", "ConfirmSubscription"}),
    "kms": frozenset({"Encrypt", "Decrypt", "ReEncrypt", "Sign", "Verify"}),
    "lambda": frozenset({"Invoke", "InvokeAsync"}),
    "secretsmanager": frozenset({"PutSecretValue", "UpdateSecretVersionStage"}),
    "dynamodb": frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}),
}
_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Simulate", "Generate")
_KEY = "rolecheck_touch_key"


def touched(service: str, operation: str, params: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """(section, key) a successful call changes in the snapshot, or None when it changes nothing there.

    The key is an S3 bucket's name for a bucket-level write; None means the whole section. An operation this table
    does not know marks its whole section: re-reading too much is the safe side.
    """
    section = SECTION_OF_SERVICE.get(service)
    if section is None or operation.startswith(_READ_PREFIXES) or operation in NOT_SNAPSHOT.get(service, ()):
        return None
    if service == "s3":
        if "Object" in operation or "Multipart" in operation or operation.startswith("UploadPart"):
            return None  # objects and their ACLs are not read (docs/account.md)
        bucket = params.get("Bucket")
        return section, bucket if isinstance(bucket, str) else None
    return section, None


class Touches:
    """The suite's writes, in order: (position, account, section, key). Thread-safe; one per process (``TOUCHES``).

    ``account`` None is a write whose account is not known: it counts for every account. The log keeps the last
    ``limit`` writes; a reader further behind than that re-reads everything.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._log: deque[tuple[int, str | None, str, str | None]] = deque(maxlen=limit)
        self._position = 0
        self._forgotten = 0  # position of the newest entry pushed out of the log

    def mark(self, account: str | None, section: str, key: str | None) -> None:
        """Note that ``account``'s ``section`` (``key`` in it; None: all of it) was changed."""
        with self._lock:
            if len(self._log) == self._log.maxlen:
                self._forgotten = self._log[0][0]
            self._position += 1
            self._log.append((self._position, account, section, key))

    def position(self) -> int:
        """The position of the newest write: what ``since`` is later asked from."""
        with self._lock:
            return self._position

    def since(self, account: str, position: int) -> dict[str, set[str] | None] | None:
        """What changed in ``account`` after ``position``: section -> keys (None: the whole section).

        None when the log no longer reaches back that far: everything may have changed.
        """
        with self._lock:
            if position < self._forgotten:
                return None
            marks: dict[str, set[str] | None] = {}
            for at, owner, section, key in self._log:
                if at <= position or owner not in (account, None):
                    continue
                if key is None or (section in marks and marks[section] is None):
                    marks[section] = None
                else:
                    keys = marks.setdefault(section, set())
                    assert keys is not None
                    keys.add(key)
            return marks


TOUCHES = Touches()


def watch(client: Any, account: Callable[[], str | None], touches: Touches = TOUCHES) -> None:
    """Mark in ``touches`` what each successful write of ``client`` changes, under the caller's ``account()``.

    A write that raised before an answer came (a timeout) may have been applied, so it marks too.
    """
    service = client.meta.service_model.service_name
    if service not in SECTION_OF_SERVICE:
        return

    def remember(params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        context[_KEY] = touched(service, model.name, params)

    def answered(http_response: Any, context: dict[str, Any], **_: Any) -> None:
        mark = context.get(_KEY)
        if mark is not None and getattr(http_response, "status_code", 500) < 300:
            touches.mark(account(), *mark)

    def failed(context: dict[str, Any], **_: Any) -> None:
        mark = context.get(_KEY)
        if mark is not None:
            touches.mark(account(), *mark)

    client.meta.events.register("before-parameter-build", remember)
    client.meta.events.register("after-call", answered)
    client.meta.events.register("after-call-error", failed)


@dataclass
class SnapshotStats:
    """What a cache did: full reads, re-reads of touched sections, IAM revalidations, and the states judged.

    ``reads`` (full plus partial) is the number the bench reports per run; ``iam_revalidations`` are IAM reads that
    found the same state (their calls are the price of seeing outside changes), reported beside it.
    """

    requests: int = 0
    full_reads: int = 0
    partial_reads: int = 0
    sections_reread: int = 0
    iam_revalidations: int = 0
    states: int = 0
    # The calls of every read and revalidation, and how many of them botocore retried (with a recorder only).
    calls: int = 0
    retried: int = 0

    @property
    def reads(self) -> int:
        return self.full_reads + self.partial_reads

    def as_dict(self) -> dict[str, int]:
        return asdict(self) | {"reads": self.reads}


@dataclass(frozen=True)
class _Entry:
    sections: Mapping[str, SectionRead]
    position: int
    snapshot: Snapshot


class SnapshotCache:
    """Snapshots by (account, region), each kept until the suite touches it or its IAM pages change.

    Reads run ``pools`` calls of each service at once (``rolecheck.aws.snapshot_reader.read_sections``). With a
    ``recorder``, a read's calls, made in pool threads, are held back and handed to the report as one piece of
    evidence by the thread that asked for the snapshot.
    """

    def __init__(self, touches: Touches = TOUCHES, *, pools: Pools = SERIAL,
                 recorder: CallRecorder | None = None) -> None:
        self.touches = touches
        self.pools = pools
        self.recorder = recorder
        self.stats = SnapshotStats()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def get(self, client_for: Callable[[str], Any], account_id: str, region: str, *,
            revalidate_iam: bool) -> Snapshot:
        """The account's snapshot as it is now, read through ``client_for`` only where it may have changed.

        ``revalidate_iam`` re-reads IAM's pages (not its resources) to see changes made outside the suite.
        """
        with self._lock:
            self.stats.requests += 1
            entry = self._entries.get((account_id, region))
            position = self.touches.position()
            if entry is None:
                sections = self._read(client_for, account_id, region, dict.fromkeys(SECTIONS), "the snapshot")
                self.stats.full_reads += 1
                return self._keep(account_id, region, sections, position)
            marks = self.touches.since(account_id, entry.position)
            if marks is None:
                marks = dict.fromkeys(SECTIONS)
            if revalidate_iam:
                marks.setdefault("iam", None)
            wanted = {section: (entry.sections[section], keys) for section, keys in marks.items()
                      if section in entry.sections}
            sections = dict(entry.sections)
            if wanted:
                sections |= self._read(client_for, account_id, region, wanted, "the snapshot's touched sections"
                                       if set(wanted) != {"iam"} else "the IAM revalidation")
            changed = [s for s in SECTIONS if sections[s] is not entry.sections[s]]
            self.stats.iam_revalidations += "iam" in marks and "iam" not in changed
            if not changed:
                self._entries[(account_id, region)] = _Entry(entry.sections, position, entry.snapshot)
                return entry.snapshot
            self.stats.partial_reads += 1
            self.stats.sections_reread += len(changed)
            return self._keep(account_id, region, sections, position)

    def _read(self, client_for: Callable[[str], Any], account_id: str, region: str,
              wanted: Mapping[str, Any], what: str) -> dict[str, SectionRead]:
        done = ReadProgress()

        def described() -> str:
            retried = f", {self.recorder.retried - retried_before} call(s) retried" if self.recorder else ""
            return f"{what} of account {account_id} ({done.describe()}{retried})"

        retried_before = self.recorder.retried if self.recorder else 0
        with progress.waiting(described):
            if self.recorder is None:
                return read_sections(client_for, account_id, region, wanted, pools=self.pools, progress=done)
            with self.recorder.deferred(f"{what} of account {account_id}") as calls:
                read = read_sections(client_for, account_id, region, wanted, pools=self.pools, progress=done)
            self.stats.calls += len(calls)
            self.stats.retried += sum(1 for call in calls if call.retries)
            return read

    def _keep(self, account_id: str, region: str, sections: dict[str, SectionRead], position: int) -> Snapshot:
        snapshot = assemble(account_id, region, sections)
        self._entries[(account_id, region)] = _Entry(sections, position, snapshot)
        self.stats.states += 1
        return snapshot
