"""Does an endpoint enforce IAM as AWS does? Two read-only requests it must refuse, asked before any scenario.

A backend that accepts every request (a stock moto server, most emulators) would make every "cannot" check fail
as a compliance violation that is really the endpoint's: the suite would blame the account for the emulator. So
for a backend the suite did not start itself, two requests to STS GetCallerIdentity (a read; no write is ever
made) must be refused as AWS refuses them
(https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html):

- signed with a made-up access key: ``InvalidClientTokenId`` ("The X.509 certificate or AWS access key ID
  provided does not exist in our records");
- not signed at all: ``MissingAuthenticationToken`` ("The request must contain either a valid (registered) AWS
  access key ID or X.509 certificate").

GetCallerIdentity needs no permission, so a conforming endpoint refuses these for the credentials alone, whatever
the account's policies are.
"""

from __future__ import annotations

import secrets
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.safety import PREFLIGHT_CONFIG
from rolecheck.aws.secrets import Secret
from rolecheck.errors import AUTHENTICATION_ERRORS, TargetError

UNSIGNED_REFUSALS = frozenset({"MissingAuthenticationToken", "AccessDenied", "IncompleteSignature"})
INSTEAD = "run the suite on its own moto server instead (--target moto-server without --endpoint-url)"


def made_up_key() -> AccessKey:
    """An access key that no account has: the right shape, random content."""
    return AccessKey("AKIA" + secrets.token_hex(8).upper(), Secret(secrets.token_urlsafe(30)))


def check_enforces_iam(region: str, endpoint_url: str | None, where: str) -> None:
    """Refuse (``TargetError``, one line) an endpoint that answers either canary request."""
    factory = ClientFactory(region, endpoint_url, config=PREFLIGHT_CONFIG)
    forged = Actor("canary", factory).sign_in(made_up_key()).client("sts")
    _must_refuse(forged, AUTHENTICATION_ERRORS, "a request signed with a made-up access key", where)
    unsigned = Actor("anonymous canary", factory, anonymous=True).client("sts")
    _must_refuse(unsigned, UNSIGNED_REFUSALS, "an unsigned request", where)


def _must_refuse(sts: Any, codes: frozenset[str], what: str, where: str) -> None:
    try:
        answer = sts.get_caller_identity()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in codes:
            return
        raise TargetError(f"{where} does not enforce IAM as AWS does: it answered {what} with {code} where AWS "
                          f"answers {' or '.join(sorted(codes))}; its verdicts would be reported as compliance "
                          f"violations; {INSTEAD}") from None
    except BotoCoreError as exc:
        raise TargetError(f"cannot reach {where}: {type(exc).__name__}: {exc}") from None
    raise TargetError(f"{where} does not enforce IAM as AWS does: it accepted {what} (STS GetCallerIdentity "
                      f"answered {answer.get('Arn')}); its verdicts would be reported as compliance violations; "
                      f"{INSTEAD}")
