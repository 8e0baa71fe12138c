"""Search attributes that make runs findable in the Temporal Web UI, and their registration."""

from __future__ import annotations

import logging
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

log = logging.getLogger("hookflow.search_attributes")

REPO = SearchAttributeKey.for_keyword("HookflowRepo")
ISSUE_NUMBER = SearchAttributeKey.for_int("HookflowIssueNumber")
STATUS = SearchAttributeKey.for_keyword("HookflowStatus")
PHASE = SearchAttributeKey.for_keyword("HookflowPhase")
KIND = SearchAttributeKey.for_keyword("HookflowKind")

ALL_KEYS: list[SearchAttributeKey[Any]] = [REPO, ISSUE_NUMBER, STATUS, PHASE, KIND]

_TYPES = {
    "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "INT": IndexedValueType.INDEXED_VALUE_TYPE_INT,
}


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register the attributes the workflows set, where missing; returns those added."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as exc:
        # Temporal's time-skipping test server can add attributes but not list them.
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = {
        key.name: _TYPES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
        for key in ALL_KEYS
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
        log.info("registered search attributes %s", sorted(missing))
    return sorted(missing)
