"""The suite's exception types, one per failure category shown in the Allure report.

Allure classifies an ``AssertionError`` as *failed* and anything else as *broken*; the categories in
``rolecheck/report/categories.json`` then separate the failed results by the first words of the message.
"""

from __future__ import annotations

# The exit status of every rolecheck command and of the compliance suite, in one place (README "Exit status").
# 2 is left out on purpose: pytest uses it for an interrupted run, and rolecheck never chooses it.
EXIT_COMPLIANT = 0
EXIT_NOT_COMPLIANT = 1
# The account could not be read or the run broke: no verdict was reached (pytest's own internal error is 3 too).
EXIT_NOT_ESTABLISHED = 3
EXIT_BAD_INPUT = 4

# Every refusal of bad input starts with this, on one line (pytest prints its UsageError as "ERROR: <message>").
ERROR_PREFIX = "ERROR: rolecheck: "


def one_line(message: object) -> str:
    """The refusal of bad input as printed: ``ERROR: rolecheck: ...`` on a single line, whatever the message holds."""
    text = " ".join(str(message).split())
    for prefix in (ERROR_PREFIX.strip(), "rolecheck:"):
        text = text.removeprefix(prefix).strip()
    return ERROR_PREFIX + text


class ComplianceViolation(AssertionError):
    """A compliance check found the account or a policy misconfigured; ``grants`` are the rows of what the account
    grants beyond the claim (the findings files carry them)."""

    prefix = "Compliance violation"

    def __init__(self, message: str, grants: tuple[dict[str, str], ...] = ()) -> None:
        super().__init__(f"{self.prefix}: {message}")
        self.grants = grants


class EngineDrift(AssertionError):
    """The policy engine's prediction and the target's observed answer disagree."""

    prefix = "Engine drift"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.prefix}: {message}")


class TargetError(RuntimeError):
    """The target cannot be used: unknown, unreachable, not allowlisted, or without credentials.

    Its message is a single line meant for the terminal; the suite exits non-zero without a traceback.
    """


class NotEstablished(TargetError):
    """A verdict could not be reached: a read the check needed failed (after botocore's retries) or the target did
    not judge the request. Neither a pass nor a compliance violation: the run exits ``EXIT_NOT_ESTABLISHED``."""

    prefix = "Could not be established"

    def __init__(self, message: str, reads: tuple[str, ...] = ()) -> None:
        self.reads = reads
        super().__init__(f"{self.prefix}: {message}" + (f" (failed: {', '.join(reads)})" if reads else ""))


# Answers that say the service did not answer this time: throttled past botocore's retries, or a server fault.
# https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html,
# https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
UNANSWERED_ERRORS = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "SlowDown",
                               "TooManyRequestsException", "InternalFailure", "InternalError", "ServiceUnavailable",
                               "ServiceUnavailableException", "RequestTimeout", "500", "502", "503", "504"})
# botocore's exceptions for a request that got no answer at all.
UNANSWERED_EXCEPTIONS = frozenset({"EndpointConnectionError", "ConnectionClosedError", "ReadTimeoutError",
                                   "ConnectTimeoutError", "ConnectionError"})


def not_established(exc: BaseException) -> NotEstablished | None:
    """``exc`` as a ``NotEstablished`` when it says the account was not read (unanswered calls, the target not
    judging), else ``None``. Read by duck typing, so that this module imports nothing."""
    if isinstance(exc, NotEstablished):
        return exc
    operation = getattr(exc, "operation_name", None) or "a call"
    error = (getattr(exc, "response", None) or {}).get("Error", {})
    code = str(error.get("Code", ""))
    if code in UNANSWERED_ERRORS:
        return NotEstablished(f"{operation} was not answered ({code}: {error.get('Message', '')})", (operation,))
    if type(exc).__name__ in UNANSWERED_EXCEPTIONS:
        return NotEstablished(f"no answer from the target ({type(exc).__name__}: {exc})", (operation,))
    return None


class PolicyDocumentError(ValueError):
    """A policy document in a feature file is malformed (bad JSON, unknown placeholder)."""


class FeatureFileError(ValueError):
    """A feature file cannot be run as written: an unknown tag, a step no definition matches, an unknown placeholder.

    Its message is one line naming the file and the line.
    """


# AWS's answers when authorization refuses a request, per protocol (a HEAD request only has the status; an unsigned
# IAM or STS request is refused before any policy is read; SNS answers AuthorizationError).
AUTHORIZATION_ERRORS = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403",
                                  "Forbidden", "MissingAuthenticationToken", "AuthorizationError"})
# Answers that reject the credentials themselves: they say nothing about the policies under test.
AUTHENTICATION_ERRORS = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidAccessKeyId",
                                   "InvalidToken", "UnrecognizedClientException", "AuthFailure"})
# The offline engine could not decide (unsupported feature, malformed policy): never a verdict either.
ENGINE_ERROR_PREFIX = "Rolecheck"


def refusal(code: str, message: str, what: str) -> AssertionError | TargetError | None:
    """Classify an AWS error answer to an action that must succeed.

    A refusal by authorization is a compliance violation; an error of the credentials or of the offline engine, or
    an answer that is no answer (throttled, a server fault), means the verdict could not be established; anything
    else (``None``) is the caller's to re-raise.
    """
    if code in AUTHORIZATION_ERRORS:
        return ComplianceViolation(f"{what}: {code}: {message}")
    if code in AUTHENTICATION_ERRORS or code.startswith(ENGINE_ERROR_PREFIX):
        return NotEstablished(f"{what}: the target did not judge the request ({code}: {message})")
    if code in UNANSWERED_ERRORS:
        return NotEstablished(f"{what}: not answered ({code}: {message})")
    return None
