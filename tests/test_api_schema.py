"""Schemathesis against /api/v1, as each role with an API token: no 5xx, every answer matches the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from hotline.accounts import service as accounts
from hotline.accounts.models import Role

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Bounded so the suite stays fast; derandomised so a failure comes back on the next run.
EXAMPLES = 12


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_api_v1_answers_every_generated_request_within_its_schema(app, session, make_user, role):
    # Records to find: a call of the counsellor's, so generated ids sometimes hit something real.
    counsellor = make_user(Role.counsellor, username="seed")
    from hotline.calls import service as calls

    calls.start_call(session=session, counsellor=counsellor)
    user = make_user(role, username=f"api-{role.value}")
    headers = {"Authorization": "Bearer " + accounts.issue_token(session=session, user=user)}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    api = [op for op in operations if op.path.startswith("/api/v1/")]
    assert len(api) >= 10, [op.path for op in operations]
    failures = []
    for operation in api:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as error:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
