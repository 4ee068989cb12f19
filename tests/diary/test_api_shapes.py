"""One shape per answer: the API answers with the selectors' dataclasses, and the OpenAPI document says
exactly what comes back; a pupil's ``student_id`` in a path is a UUID, and one that is not is a 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.diary.conftest import client_for
from tests.diary.test_family_api import WEEK, url, week  # noqa: F401  (``week`` is a fixture)

STUDENT_PATHS = [
    ("get", "/api/v1/students/{}/diary"),
    ("get", "/api/v1/students/{}/marks"),
    ("get", "/api/v1/students/{}/homework"),
    ("get", "/api/v1/students/{}/attendance"),
    ("get", "/api/v1/students/{}/visits"),
    ("get", "/api/v1/students/{}/meals"),
    ("get", "/api/v1/students/{}/trusted-views"),
    ("put", "/api/v1/students/{}/meals/threshold"),
    ("put", "/api/v1/students/{}/finals"),
    ("get", "/api/v1/students/{}/marks/1/history"),
    ("get", "/api/v1/students/{}/absence-notes"),
    ("post", "/api/v1/students/{}/absence-notes"),
    ("get", "/api/v1/students/{}/alerts"),
    ("put", "/api/v1/students/{}/alerts"),
    ("post", "/api/v1/students/{}/exports"),
]
BODIES = {
    "/api/v1/students/{}/meals/threshold": {"amount": "100"},
    "/api/v1/students/{}/finals": {"subject_id": 1, "value": "5"},
    "/api/v1/students/{}/absence-notes": {"starts_on": "2030-09-02", "reason": "illness"},
    "/api/v1/students/{}/alerts": {"alerts": []},
    "/api/v1/students/{}/exports": {},
}


@pytest.fixture
def document(db: None) -> dict[str, Any]:
    body: dict[str, Any] = Client().get("/api/v1/openapi.json").json()
    return body


def mismatches(value: Any, schema: dict[str, Any], components: dict[str, Any], where: str = "") -> list[str]:
    """Where ``value`` is not what ``schema`` says, strictly: an object has every documented key and no other.

    Written here rather than with a JSON Schema validator because the strictness is the point: a
    validator accepts keys a schema does not name unless every component is rewritten to forbid them.
    """
    if "$ref" in schema:
        return mismatches(value, components[schema["$ref"].rsplit("/", 1)[-1]], components, where)
    if "anyOf" in schema:
        tries = [mismatches(value, part, components, where) for part in schema["anyOf"]]
        return [] if any(not found for found in tries) else [f"{where}: none of {schema['anyOf']}"]
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        if "properties" not in schema:  # a mapping, such as the attendance counts by status
            return [
                found
                for key, item in value.items()
                for found in mismatches(item, schema.get("additionalProperties", {}), components, f"{where}.{key}")
            ]
        properties = schema["properties"]
        if set(value) != set(properties):
            return [f"{where}: keys {sorted(value)} but the document says {sorted(properties)}"]
        return [
            found
            for key, item in value.items()
            for found in mismatches(item, properties[key], components, f"{where}.{key}")
        ]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: not an array"]
        return [
            found
            for index, item in enumerate(value)
            for found in mismatches(item, schema["items"], components, f"{where}[{index}]")
        ]
    expected: dict[str, type | tuple[type, ...]] = {
        "string": str,
        "integer": int,
        "boolean": bool,
        "null": type(None),
        "number": (int, float),
    }
    if kind in expected and (not isinstance(value, expected[kind]) or (kind == "integer" and isinstance(value, bool))):
        return [f"{where}: {value!r} is not {kind}"]
    return []


def answer_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["paths"][path][method]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    return schema


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("student_diary", "/api/v1/students/{student_id}/diary"),
        ("student_marks", "/api/v1/students/{student_id}/marks"),
        ("student_homework", "/api/v1/students/{student_id}/homework"),
        ("student_attendance", "/api/v1/students/{student_id}/attendance"),
    ],
)
def test_a_family_answer_is_exactly_what_the_document_says(
    diary_school: Any,
    week: dict[str, Any],  # noqa: F811
    document: dict[str, Any],
    name: str,
    path: str,
) -> None:
    """The week's lessons carry homework, marks and attendance: each nested object is the diary's own
    (the teacher's schemas of the same class names used to stand in for them in the document)."""
    anna = diary_school.pupils[0]
    response = client_for(diary_school.parent).get(url(name, anna, "" if name == "student_marks" else WEEK))
    assert response.status_code == 200, response.content
    body = response.json()
    if name == "student_diary":
        lessons = [lesson for day in body["days"] for lesson in day["lessons"]]
        assert all(lesson["homework"] or lesson["marks"] or lesson["attendance"] for lesson in lessons[:2])
    assert mismatches(body, answer_schema(document, "get", path), document["components"]["schemas"]) == []


def test_the_gradebook_is_exactly_what_the_document_says(
    diary_school: Any,
    week: dict[str, Any],  # noqa: F811
    document: dict[str, Any],
) -> None:
    ds = diary_school
    response = client_for(ds.math_teacher).get(
        f"/api/v1/teacher/gradebook?class_id={ds.class_7a.pk}&subject_id={ds.algebra.pk}"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert any(cell for row in body["rows"] for cell in row["cells"])
    schema = answer_schema(document, "get", "/api/v1/teacher/gradebook")
    assert mismatches(body, schema, document["components"]["schemas"]) == []


def test_every_student_id_in_a_path_is_documented_as_a_uuid(document: dict[str, Any]) -> None:
    found = [
        (path, method, parameter["schema"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] == "student_id"
    ]
    assert len(found) == len(STUDENT_PATHS)
    assert all(schema.get("format") == "uuid" for _path, _method, schema in found), found


@pytest.mark.parametrize(("method", "path"), STUDENT_PATHS)
def test_a_malformed_student_id_is_the_same_404_as_an_unknown_one(diary_school: Any, method: str, path: str) -> None:
    """Not a 400: a path that names nobody says so the way a pupil the caller may not see does."""
    client = client_for(diary_school.parent if "finals" not in path else diary_school.math_teacher)

    def call(student_id: str) -> Any:
        if method == "get":
            return client.get(path.format(student_id))
        send = client.post if method == "post" else client.put
        return send(path.format(student_id), data=json.dumps(BODIES[path]), content_type="application/json")

    malformed = call("not-a-uuid")
    unknown = call("00000000-0000-4000-8000-000000000000")
    assert (malformed.status_code, malformed.json()) == (unknown.status_code, unknown.json())
    assert malformed.status_code == 404
    assert malformed.json()["code"] == "not_found"


def test_an_integer_id_out_of_shape_stays_a_400_naming_the_field(diary_school: Any) -> None:
    response = client_for(diary_school.math_teacher).post("/api/v1/lessons/abc/cancel")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "lesson_id")
