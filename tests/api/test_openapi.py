"""The OpenAPI document: the shared error answers of every operation, and the bounds of ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from ninja import Router, Schema

from core.bounds import MAX_DB_INT
from dnevnik.api import DnevnikAPI

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][f"/api/v1{path}"][method]
    return found


def error_statuses(op: dict[str, Any]) -> set[str]:
    return {
        status
        for status, answer in op["responses"].items()
        if answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref") == ERROR_REF
    }


def test_the_error_schema_is_code_message_and_an_optional_field(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "field"}
    assert error["required"] == ["code", "message"]


def test_each_operation_documents_the_shared_errors_it_can_answer(document: dict[str, Any]) -> None:
    assert error_statuses(operation(document, "get", "/me")) == {"401", "403", "429"}
    assert error_statuses(operation(document, "get", "/students/{student_id}/diary")) == {
        "400",
        "401",
        "403",
        "404",
        "429",
    }
    assert "409" in error_statuses(operation(document, "post", "/trusted-persons"))
    for path in document["paths"].values():
        for op in path.values():
            assert {"401", "403", "429"} <= error_statuses(op), op["operationId"]


def test_an_operations_own_answer_is_kept(document: dict[str, Any]) -> None:
    marks = operation(document, "put", "/lessons/{lesson_id}/marks")
    assert marks["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StaleOut"
    }
    assert "400" in error_statuses(marks)


def test_the_headers_of_401_and_429_are_documented(document: dict[str, Any]) -> None:
    invite = operation(document, "post", "/trusted-persons")["responses"]
    assert "Retry-After" in invite["429"]["headers"]
    assert "WWW-Authenticate" in invite["401"]["headers"]


def test_ids_carry_their_range(document: dict[str, Any]) -> None:
    cancel = operation(document, "post", "/lessons/{lesson_id}/cancel")
    (lesson_id,) = cancel["parameters"]
    assert (lesson_id["schema"]["minimum"], lesson_id["schema"]["maximum"]) == (1, MAX_DB_INT)
    mark = document["components"]["schemas"]["MarkIn"]["properties"]["pupil_id"]
    assert (mark["minimum"], mark["maximum"]) == (1, MAX_DB_INT)


def test_two_schemas_of_one_name_fail_the_document() -> None:
    """Ninja names components by class; two ``Out`` of different shape must not share one definition."""

    def router_with(field: str) -> Router:
        item = type("ItemOut", (Schema,), {"__annotations__": {field: int}})
        page = type("PageOut", (Schema,), {"__annotations__": {"items": list[item]}})  # type: ignore[valid-type]

        def items(request: Any) -> dict[str, Any]:
            return {"items": []}

        router = Router()
        router.add_api_operation(f"/{field}", ["GET"], items, response=page)
        return router

    api = DnevnikAPI(urls_namespace="duplicate-names")
    api.add_router("a", router_with("one"))
    api.add_router("b", router_with("two"))
    with pytest.raises(ImproperlyConfigured, match="ItemOut"):
        api.get_openapi_schema(path_prefix="")


def unbounded(schema: dict[str, Any], components: dict[str, Any], where: str, seen: frozenset[str]) -> Iterator[str]:
    """Where a request schema lets a number or a string grow without limit."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from unbounded(components[name], components, where, seen | {name})
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from unbounded(part, components, where, seen)
    kind = schema.get("type")
    if kind in ("integer", "number") and not {"minimum", "maximum"} <= set(schema):
        yield where
    if kind == "string" and not ({"maxLength", "format", "enum", "pattern"} & set(schema)):
        yield where
    for name, prop in schema.get("properties", {}).items():
        yield from unbounded(prop, components, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from unbounded(schema["items"], components, f"{where}[]", seen)
    if kind == "array" and "maxItems" not in schema:
        yield where


def test_every_id_number_and_string_of_a_request_is_bounded(document: dict[str, Any]) -> None:
    """What the fuzzer cannot promise to find (a new unbounded id behind a real lesson), the document shows."""
    components = document["components"]["schemas"]
    found: list[str] = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            label = f"{method.upper()} {path}"
            for parameter in op.get("parameters", []):
                found += unbounded(parameter["schema"], components, f"{label} {parameter['name']}", frozenset())
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                found += unbounded(body, components, f"{label} body", frozenset())
    assert found == []
